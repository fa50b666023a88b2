"""`python -m bench [NAME ...]`: run the benchmarks and print one table.

NAME is any of: imports, scaling, pages, feeds, load (default: all). The table is also
written to bench/RESULTS.md with a description of the machine.
"""

import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

from .setup import setup_django

BENCHMARKS = ["imports", "scaling", "pages", "feeds", "load"]
RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("measure", "time", "ratio", "target")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    )


def table(rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in [HEADER, *rows]) for i in range(4)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        )
    return lines


def main(argv):
    names = argv[1:] or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    setup_django()
    rows = []
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            rows.append((f"{name}: not written yet", "", "", ""))
            continue
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows.extend(module.run())
    lines = table(rows)
    print("\n".join(lines))
    if names == BENCHMARKS:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        RESULTS.write_text(
            "# Benchmark results\n\n"
            f"Last `make bench`: {stamp}, on {machine()}.\n"
            "Each ratio compares two figures measured in the same run.\n\n"
            + "\n".join(lines)
            + "\n"
        )


if __name__ == "__main__":
    main(sys.argv)
