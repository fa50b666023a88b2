"""Import benchmark: `import_source` on a generated calendar file against icalendar's bare
parse of the same bytes (`Calendar.from_ical`), on SQLite and on PostgreSQL.

Rows, each ratio against a figure of the same run:

- the bare parse, the baseline of the time rows; timed in the bench's own process;
- SQLite (the bench's database, bench/setup.py): the first import into an empty database;
  an update of half the events (the same calendar's later version, bench.calendar.generate's
  `changed`: new titles and abstracts, SEQUENCE 1, a third of them an hour later), timed
  alone, with the database emptied and the first version imported before each run; checked
  to have updated exactly the talks of the changed events; a re-import of the unchanged
  file on the same day (the importer's fingerprint skips it); and the time per event at a
  tenth of the size against the full size;
- PostgreSQL: the first import and the update, as on SQLite, in a child process (Django is
  set up for SQLite here) on a throwaway cluster of bench.scale.cluster() (fsync and
  synchronous commit off); the child times the bare parse too, and the ratios are against
  that parse, in the same process as the imports. Without PostgreSQL's server installed, one
  row says they were skipped;
- peak memory: the peak RSS (VmHWM) of a fresh child process that imports the file into an
  empty SQLite database, against that of one that only parses it. Both children are the same
  process up to their work: Django set up on a copy of the migrated, empty bench database (not
  migrated in the child, whose peak would count), seminars.importing imported; then one
  reads the file and parses it, the other runs import_source on it. So both peaks hold the
  same interpreter and Django, whose RSS right after that setup is shown with the parse's.
  Each child runs once. (getrusage's ru_maxrss would not do: see _max_rss.)

Times are medians of `runs` after one warm-up run (bench.timing.median_time).
"""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import icalendar

from .calendar import generate, is_changed
from .setup import WORKDIR, bench_environment, empty_database
from .timing import median_time

SERIES = "Bench Seminar"
CHANGED = 0.5  # the share of the events the update changes
ROOT = Path(__file__).resolve().parent.parent  # where `python -m bench.imports` runs
FEED = WORKDIR / "feed.ics"  # the source imported and updated


def _write(name: str, data: bytes) -> str:
    path = WORKDIR / name
    path.write_bytes(data)
    return str(path)


def _import(path: str):
    from seminars.importing import ImportOptions, import_source

    report = import_source(path, ImportOptions(series=SERIES))
    assert not report.failed, report.error
    return report


def _parse_time(path: str, runs: int) -> float:
    data = Path(path).read_bytes()
    return median_time(lambda: icalendar.Calendar.from_ical(data), runs=runs)


def _changed_talks() -> int:
    """The talks of the events the update changes: each single event's, and each occurrence
    of a changed series (UID "event-uid/recurrence-key")."""
    from seminars.models import Talk

    uids = Talk.objects.values_list("uid", flat=True)
    # bench-{i}@example.org, or bench-{i}@example.org/{key} for an occurrence
    indexes = [int(uid.split("@", 1)[0].removeprefix("bench-")) for uid in uids]
    return sum(is_changed(i, CHANGED) for i in indexes)


def _import_and_update(first: str, changed: str, runs: int) -> dict:
    """The first import of `first` into an empty database, and the update from it to
    `changed`, timed; the update checked to have changed the talks of the changed events and
    no others. Both are imported from FEED, one source whose bytes change, as a feed's do (a
    file of another name would be another source, whose talks the update would skip)."""
    from seminars.models import Talk

    versions = Path(first).read_bytes(), Path(changed).read_bytes()

    def first_version():
        FEED.write_bytes(versions[0])
        empty_database()

    import_time = median_time(lambda: _import(str(FEED)), runs=runs, before=first_version)
    talks = Talk.objects.count()
    expected = _changed_talks()

    def first_imported():
        first_version()
        _import(str(FEED))
        FEED.write_bytes(versions[1])

    reports = []
    update_time = median_time(
        lambda: reports.append(_import(str(FEED))), runs=runs, before=first_imported
    )
    # The last update left its talks: a no-op (a skipped file, an unchanged sync) fails here.
    result = reports[-1].result
    counts = (result.created, result.updated, result.cancelled, result.unchanged)
    assert counts == (0, expected, 0, talks - expected), (counts, talks, expected)
    revised = Talk.objects.filter(title__contains="(revised)").count()
    assert revised == expected and Talk.objects.count() == talks, (revised, expected)
    return {"import": import_time, "update": update_time, "talks": talks, "updated": expected}


def _child(*args: str) -> dict:
    """Run `python -m bench.imports --child ARGS` and return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--child", *args],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.splitlines()[-1])  # its last line: anything else is not ours


def _postgres(first: str, changed: str, runs: int) -> dict | None:
    """The child's figures on a throwaway PostgreSQL cluster; None without PostgreSQL."""
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return None
    import psycopg

    from .scale import cluster

    database = "seminars_bench_imports"
    with cluster() as server:
        with psycopg.connect(f"postgresql://postgres@{server}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{database}" OWNER seminars')
        url = f"postgres://seminars:seminars@{server}/{database}"
        return _child("postgres", url, first, changed, str(runs))


def _peak_memory(path: str) -> dict:
    """Max RSS in KiB of a child that parses `path` and of one that imports it; each child
    on its own copy of the migrated, empty database."""
    from django.db import connection

    empty_database()
    peaks = {}
    for mode in ("parse", "import"):
        copy = WORKDIR / f"rss-{mode}.sqlite3"
        copy.unlink(missing_ok=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        peaks[mode] = _child(f"rss-{mode}", f"sqlite:///{copy}", path)
    return peaks


def run(full: bool, runs: int = 3) -> list[tuple[str, str, str, str]]:
    from seminars.models import Talk

    n_events = 10_000 if full else 2_000
    # generate()'s own default, taken once: both versions of the calendar start on one day.
    start = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=365)
    small = _write(f"bench-{n_events // 10}.ics", generate(n_events // 10, start=start))
    path = _write(f"bench-{n_events}.ics", generate(n_events, start=start))
    later = generate(n_events, start=start, changed=CHANGED)
    changed = _write(f"bench-{n_events}-changed.ics", later)

    parse = _parse_time(path, runs)
    small_time = median_time(lambda: _import(small), runs=runs, before=empty_database)
    sqlite = _import_and_update(path, changed, runs)
    talks, first_import = sqlite["talks"], sqlite["import"]
    again = median_time(lambda: _import(str(FEED)), runs=runs)  # the file just imported
    assert Talk.objects.count() == talks
    print("  PostgreSQL…", file=sys.stderr, flush=True)
    pg = _postgres(path, changed, runs)
    print("  peak memory…", file=sys.stderr, flush=True)
    peaks = _peak_memory(path)

    def of_parse(seconds: float, baseline: float = parse) -> str:
        return f"{seconds / baseline:.2f}x of parse"

    per_small, per_event = small_time / (n_events // 10), first_import / n_events
    rows = [
        (f"parse {n_events:,} events (icalendar, bare)", f"{parse:.2f} s", "1.00x", "baseline"),
        (
            f"import into an empty DB ({talks:,} talks), SQLite",
            f"{first_import:.2f} s",
            of_parse(first_import),
            "≤ 1.5x parse",
        ),
        (
            f"update of half the events ({sqlite['updated']:,} talks changed), SQLite",
            f"{sqlite['update']:.2f} s",
            of_parse(sqlite["update"]),
            "≤ 1.5x parse",
        ),
        ("re-import unchanged, same day", f"{again:.2f} s", of_parse(again), "≤ 0.3x parse"),
        (
            f"import per event: {n_events // 10:,} → {n_events:,} events",
            f"{per_small * 1e6:.0f} → {per_event * 1e6:.0f} µs",
            f"{per_event / per_small:.2f}x",
            "≤ 1.1x (no growth)",
        ),
    ]
    if pg is None:
        rows.append(("import and update, PostgreSQL", "", "skipped: no PostgreSQL", "≤ 1.5x parse"))
    else:
        # Against the parse timed in the PostgreSQL child: one process's figures.
        same = f" (parse there: {pg['parse']:.2f} s)"
        rows += [
            (
                f"import into an empty DB ({pg['talks']:,} talks), PostgreSQL",
                f"{pg['import']:.2f} s",
                of_parse(pg["import"], pg["parse"]) + same,
                "≤ 1.5x parse",
            ),
            (
                f"update of half the events ({pg['updated']:,} talks changed), PostgreSQL",
                f"{pg['update']:.2f} s",
                of_parse(pg["update"], pg["parse"]) + same,
                "≤ 1.5x parse",
            ),
        ]
    parse_peak, import_peak = peaks["parse"]["peak"], peaks["import"]["peak"]
    rows += [
        (
            f"peak memory (max RSS) of parsing {n_events:,} events",
            f"{parse_peak / 1024:.0f} MiB",
            f"1.00x (after setup: {peaks['parse']['setup'] / 1024:.0f} MiB)",
            "baseline",
        ),
        (
            f"peak memory (max RSS) of importing {n_events:,} events",
            f"{import_peak / 1024:.0f} MiB",
            f"{import_peak / parse_peak:.2f}x of parse",
            "≤ 3x parse",
        ),
    ]
    return rows


# -- Child processes ------------------------------------------------------------------------


def _setup_django(database_url: str) -> None:
    """Django on `database_url`, with bench.setup's settings, neither migrated nor with
    static files collected (the imports need neither)."""
    bench_environment(database_url)
    import django

    django.setup()
    import seminars.importing  # noqa: F401  (both memory children import what an import uses)


def _max_rss() -> int:
    """This process's peak RSS in KiB: VmHWM, the high-water mark of its memory since exec.

    Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a child's starts
    at its parent's RSS (the bench's, some 200 MiB), which would hide both children's work.
    """
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def child(argv: list[str]) -> dict:
    mode, database_url, *rest = argv
    _setup_django(database_url)
    if mode == "postgres":
        from django.core.management import call_command

        first, changed, runs = rest
        call_command("migrate", verbosity=0)
        parse = _parse_time(first, int(runs))
        return {"parse": parse, **_import_and_update(first, changed, int(runs))}
    (path,) = rest
    setup = _max_rss()
    if mode == "rss-parse":
        calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
        assert calendar.walk("VEVENT")
    elif mode == "rss-import":
        assert _import(path).result.created
    else:
        raise SystemExit(f"unknown child mode {mode}")
    return {"setup": setup, "peak": _max_rss()}


if __name__ == "__main__":
    if sys.argv[1:2] != ["--child"]:
        raise SystemExit(
            "usage: python -m bench.imports --child postgres DATABASE_URL CALENDAR CHANGED RUNS"
            "\n       python -m bench.imports --child rss-parse|rss-import DATABASE_URL CALENDAR"
            "\n(the benchmark itself: python -m bench imports)"
        )
    print(json.dumps(child(sys.argv[2:])))
