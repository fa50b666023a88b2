"""`python -m bench`: run every benchmark and print one table."""

import platform
import sys

from .setup import setup_django


def main(argv):
    setup_django()
    from . import imports

    size = int(argv[1]) if len(argv) > 1 else 10_000
    rows = imports.run(size)
    machine = platform.processor() or platform.machine()
    print(f"Seminars benchmarks on {machine}, Python {platform.python_version()}")
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measure", "time", "ratio", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main(sys.argv)
