"""Import benchmark: `import_source` on a calendar file against icalendar's bare parse of the
same bytes; the first import into an empty database, an unchanged re-import on the same day,
and the time per event at a tenth of the size."""

import gc
import tracemalloc

import icalendar

from .calendar import generate
from .setup import WORKDIR, empty_database
from .timing import median_time


def _source(n_events: int) -> tuple[str, bytes]:
    data = generate(n_events)
    path = WORKDIR / f"bench-{n_events}.ics"
    path.write_bytes(data)
    return str(path), data


def run(full: bool, runs: int = 3) -> list[tuple[str, str, str, str]]:
    from seminars.importing import ImportOptions, import_source
    from seminars.models import Talk

    n_events = 10_000 if full else 2_000
    options = ImportOptions(series="Bench Seminar")

    def import_file(path):
        report = import_source(path, options)
        assert not report.failed, report.error

    small_path, _ = _source(n_events // 10)
    path, data = _source(n_events)
    parse = median_time(lambda: icalendar.Calendar.from_ical(data), runs=runs)
    small = median_time(lambda: import_file(small_path), runs=runs, before=empty_database)
    first = median_time(lambda: import_file(path), runs=runs, before=empty_database)
    talks = Talk.objects.count()
    again = median_time(lambda: import_file(path), runs=runs)  # the same file, imported
    assert Talk.objects.count() == talks

    empty_database()
    gc.collect()
    tracemalloc.start()
    import_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    per_small, per_event = small / (n_events // 10), first / n_events
    return [
        (f"parse {n_events:,} events (icalendar, bare)", f"{parse:.2f} s", "1.00x", "baseline"),
        (
            f"import into an empty DB ({talks:,} talks)",
            f"{first:.2f} s",
            f"{first / parse:.2f}x of parse",
            "≤ 1.5x parse",
        ),
        (
            "re-import unchanged, same day",
            f"{again:.2f} s",
            f"{again / parse:.2f}x of parse",
            "≤ 0.3x parse",
        ),
        (
            f"import per event: {n_events // 10:,} → {n_events:,} events",
            f"{per_small * 1e6:.0f} → {per_event * 1e6:.0f} µs",
            f"{per_event / per_small:.2f}x",
            "≤ 1.1x (no growth)",
        ),
        (
            "peak memory of one import",
            f"{peak / 2**20:.0f} MiB",
            f"{peak / len(data):.1f}x file size",
            "",
        ),
    ]
