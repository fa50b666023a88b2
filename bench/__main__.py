"""`python -m bench [--full] [--write] [NAME ...]`: run the benchmarks and print one table.

NAME is any of: imports, pages, search, feeds, load, mail (default: all). The default run is
the quick one, on smaller sizes; --full runs the sizes the targets name. --write (all benchmarks
only) puts the table into bench/RESULTS.md with a description of the machine, keeping the
file's own sections (from its first "## " heading on).
"""

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
from pathlib import Path

from .setup import setup_django

BENCHMARKS = ["imports", "pages", "search", "feeds", "load", "mail"]
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


def write_results(lines: list[str], *, full: bool, minutes: float) -> None:
    command = "make bench FULL=1 WRITE=1" if full else "make bench WRITE=1 (quick)"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    old = RESULTS.read_text() if RESULTS.exists() else ""
    kept = old[old.find("\n## ") :] if "\n## " in old else ""
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Last `{command}`: {stamp}, on {machine()}; it took {minutes:.1f} min.\n"
        "Each ratio compares two figures measured in the same run.\n\n"
        + "\n".join(lines)
        + "\n"
        + kept
    )


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--full", action="store_true", help="the full sizes (slower)")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    if unknown := sorted(set(names) - set(BENCHMARKS)):
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}")
    if args.write and names != BENCHMARKS:
        parser.error("--write needs every benchmark")
    started = time.monotonic()
    setup_django()
    rows = []
    for name in names:
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(f"bench.{name}").run(args.full))
    lines = table(rows)
    print("\n".join(lines))
    minutes = (time.monotonic() - started) / 60
    print(f"{'full' if args.full else 'quick'} run: {minutes:.1f} min", file=sys.stderr)
    if args.write:
        write_results(lines, full=args.full, minutes=minutes)


if __name__ == "__main__":
    main(sys.argv[1:])
