"""`python -m bench [--full] [--write] [NAME ...]`: run the benchmarks and print one table.
`python -m bench --scale [TALKS] [--write]`: only the scale benchmark (bench/scale.py), on
PostgreSQL, 1,000,000 talks against 10,000 unless TALKS says otherwise.

NAME is any of: imports, pages, search, feeds, load, mail (default: all). The default run is
the quick one, on smaller sizes; --full runs the sizes the targets name. --write (all benchmarks
only) puts the table into bench/RESULTS.md with a description of the machine, keeping the
file's own sections (from its first "## " heading on); with --scale it writes or replaces only
the section SCALE_HEADING.
"""

import argparse
import datetime as dt
import importlib
import os
import platform
import signal
import sys
import time
from pathlib import Path

from .setup import setup_django

BENCHMARKS = ["imports", "pages", "search", "feeds", "load", "mail"]
RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("measure", "time", "ratio", "target")
SCALE_HEADING = "## A million talks (PostgreSQL)"


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


def write_scale_section(lines: list[str]) -> None:
    """Put the scale benchmark's section into RESULTS.md, in place of its old one if any."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = "\n".join([SCALE_HEADING, "", *lines]).rstrip() + "\n"
    start = old.find("\n" + SCALE_HEADING + "\n")
    if start < 0:
        RESULTS.write_text(old.rstrip() + "\n\n" + section)
        return
    end = old.find("\n## ", start + 1)
    rest = old[end:] if end >= 0 else ""
    RESULTS.write_text(old[: start + 1] + section + rest)


def run_scale(size: int, *, write: bool) -> None:
    from . import scale

    # A stopped run still stops its PostgreSQL server and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    outcome = scale.run(size)
    lines = table(outcome.rows)
    print("\nPlans checked (EXPLAIN of every query each page ran, at the large size):\n")
    print("\n".join(outcome.plans))
    print("\n".join(lines))
    minutes = (time.monotonic() - started) / 60
    print(f"scale run: {minutes:.1f} min", file=sys.stderr)
    if write:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = (
            "make bench SCALE=1 WRITE=1"
            if size == scale.FULL_SIZE
            else (f"python -m bench --scale {size} --write")
        )
        write_scale_section(
            [
                f"Last `{command}`: {stamp}, on {machine()}; it took {minutes:.1f} min.",
                *scale.describe(size, outcome.notes),
                "",
                *lines,
                "",
                *outcome.findings,
            ]
        )


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--full", action="store_true", help="the full sizes (slower)")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    parser.add_argument(
        "--scale",
        nargs="?",
        const=1_000_000,
        type=int,
        metavar="TALKS",
        help="only the scale benchmark on PostgreSQL: TALKS (1,000,000) against 10,000",
    )
    args = parser.parse_args(argv)
    if args.scale is not None:
        if args.names or args.full:
            parser.error("--scale runs alone")
        if args.scale <= 10_000:
            parser.error("--scale needs more than 10,000 talks")
        run_scale(args.scale, write=args.write)
        return
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
