"""Import benchmark: our import against icalendar's bare parse of the same bytes."""

import gc
import tracemalloc

import icalendar

from .calendar import generate
from .setup import empty_database
from .timing import median_time


def run(n_events: int = 10_000, runs: int = 3) -> list[tuple[str, str, str, str]]:
    from seminars.importing import ImportOptions, import_data

    data = generate(n_events)
    options = ImportOptions(series="Bench Seminar")
    location = f"bench:{n_events}"

    def parse():
        icalendar.Calendar.from_ical(data)

    def first_import():
        import_data(data, location, options)

    parse_time = median_time(parse, runs=runs)
    import_time = median_time(first_import, runs=runs, before=empty_database)
    reimport_time = median_time(first_import, runs=runs)  # the database now holds the talks

    empty_database()
    gc.collect()
    tracemalloc.start()
    first_import()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    from seminars.models import Talk

    talks = Talk.objects.count()
    return [
        (f"parse {n_events:,} events (icalendar)", f"{parse_time:.2f} s", "1.00x", "baseline"),
        (
            f"import into empty DB ({talks:,} talks)",
            f"{import_time:.2f} s",
            f"{import_time / parse_time:.2f}x",
            "≤ 2x parse",
        ),
        (
            "re-import unchanged",
            f"{reimport_time:.2f} s",
            f"{reimport_time / import_time:.2f}x of import",
            "< 1x import",
        ),
        (
            "peak memory of one import",
            f"{peak / 2**20:.0f} MiB",
            f"{peak / len(data):.1f}x file size",
            "",
        ),
        ("per event", f"{import_time / n_events * 1e6:.0f} µs", "", ""),
    ]
