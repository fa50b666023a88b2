"""A million talks on PostgreSQL: the site's pages at 1,000,000 talks against 10,000.

`python -m bench --scale [TALKS]` (`make bench SCALE=1`) runs this alone. It starts a
throwaway PostgreSQL cluster of its own (as .ci/run does: initdb as the postgres user in a
temporary directory, a free loopback port, stopped and removed on exit), migrates a database,
copies it for each size, and fills each in bulk: COPY with triggers off, then the search
documents in one statement that computes what the triggers would have (checked on a sample
against the triggers' own function, migration 0011's `seminars_talk_search_refresh_talks`),
then VACUUM ANALYZE, as autovacuum would.

Both databases have the same shape, so that a page shows as much at both sizes: 50 talks a
series, 5 a speaker (one to three speakers a talk), talks spread evenly over the last eight
years and the next two, and the 30 talks of bench/search.py's selective query ("quinones
typen"). Each page is requested through Django's test client with the cache cleared (its
build is timed, not the cache), the two databases in turns; the queries of each page at the
large size are EXPLAINed and checked for a sequential scan of seminars_talk.
"""

import contextlib
import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from .calendar import FIRST, LAST, SENTENCE, UNIVERSITIES, WORDS
from .setup import bench_environment

FULL_SIZE = 1_000_000
BASELINE = 10_000
TALKS_PER_SERIES = 50
TALKS_PER_SPEAKER = 5
PAST, FUTURE = dt.timedelta(days=8 * 365), dt.timedelta(days=2 * 365)
NEEDLES = 30  # talks of the selective search, at both sizes (as in bench/search.py)
SEARCH = "quinones typen"
ROUNDS = 5  # turns of each database
PER_ROUND = 3  # requests timed per turn, after one untimed
SLOW = 0.5  # seconds: a page this slow is timed in fewer turns
TALK_TABLE = "seminars_talk"
# URLs a sitemap file holds here: fewer than 10,000 talks' worth, so that both sizes have an
# index of pages and a page holds as many URLs at both.
SITEMAP_URLS = 5_000


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[4]))
    if not found:
        sys.exit("The scale benchmark needs PostgreSQL's server: apt-get install postgresql")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cluster():
    """A throwaway PostgreSQL cluster with a `seminars` role; yields its postgres:// URL base.

    Tuned for loading, not for keeping data: no fsync or full-page writes (the data is thrown
    away), 1 GB of shared buffers as a server holding a million talks would have.
    """
    pg_bin = _pg_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="seminars-scale-"))
    if as_postgres:
        shutil.chown(data, "postgres")
    port = _free_port()
    run = {"check": True, "stdout": subprocess.DEVNULL}
    try:
        subprocess.run(
            [*as_postgres, pg_bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust"], **run
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB "
            "-c maintenance_work_mem=1GB -c max_wal_size=20GB -c checkpoint_timeout=1h"
        )
        started = subprocess.run(
            [*as_postgres, pg_bin / "pg_ctl", "-D", data, "-l", data / "server.log", "-w"]
            + ["-o", options, "start"],
            stdout=subprocess.DEVNULL,
        )
        if started.returncode:
            sys.exit((data / "server.log").read_text())
        subprocess.run(
            [pg_bin / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q"]
            + ["-v", "ON_ERROR_STOP=1", "-c"]
            + ["CREATE ROLE seminars LOGIN CREATEDB PASSWORD 'seminars'"],
            **run,
        )
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_postgres, pg_bin / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(data, ignore_errors=True)


def setup_django(server: str, database: str) -> None:
    """Django on `database` of `server`, migrated; as bench.setup does for SQLite."""
    # Connections kept, as a served site keeps them: a page's time is its own, not a login's.
    bench_environment(f"postgres://seminars:seminars@{server}/{database}?conn_max_age=600")
    import django
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{server}/postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{database}" OWNER seminars')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)


# -- Filling a database in bulk -------------------------------------------------------------


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill(server: str, database: str, size: int, *, now: dt.datetime) -> str:
    """`size` talks, `size / 50` series and `size / 5` speakers, by COPY; see the docstring.
    Returns how long each step took."""
    import psycopg

    rng = random.Random(size)
    n_series, n_speakers = size // TALKS_PER_SERIES, size // TALKS_PER_SPEAKER
    first = now - PAST
    step = (PAST + FUTURE) / size
    stamp = now - dt.timedelta(days=1)
    started = time.monotonic()
    with psycopg.connect(f"postgresql://postgres@{server}/{database}") as db:
        cursor = db.cursor()
        # Triggers and foreign key checks off for the load: the rows are consistent by
        # construction, and the search documents are built in one statement afterwards.
        cursor.execute("SET session_replication_role = replica")
        _copy(
            cursor,
            "seminars_series",
            ["id", "name", "slug", "description", "website", "contact", "join_access"]
            + ["created", "updated", "registration_url"],
            (
                (i, f"Seminar {i} on {WORDS[i % len(WORDS)]}", f"seminar-{i}", "", "", "")
                + ("open", stamp, stamp, "")
                for i in range(1, n_series + 1)
            ),
        )
        from seminars.names import name_key

        names = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}" for i in range(1, n_speakers + 1)]
        _copy(
            cursor,
            "seminars_speaker",
            ["id", "name", "slug", "name_key", "affiliation", "homepage", "bio", "photo"]
            + ["created", "updated"],
            (
                (i, name, f"speaker-{i}", name_key(name), rng.choice(UNIVERSITIES), "", "", "")
                + (stamp, stamp)
                for i, name in enumerate(names, 1)
            ),
        )

        def talks():
            for i in range(1, size + 1):
                start = first + step * i
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
                abstract = " ".join(
                    SENTENCE.format(**{k: rng.choice(WORDS) for k in "abcd"}) for _ in range(3)
                )
                yield (
                    i,
                    1 + i % n_series,  # each series' talks spread over the ten years
                    title.capitalize(),
                    f"talk-{i}",
                    abstract,
                    start,
                    start + dt.timedelta(hours=1),
                    False,
                    f"Room {rng.randint(1, 40)}, Building {rng.randint(1, 9)}",
                    "",
                    None,
                    "",
                    False,
                    "confirmed",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"scale-{i}@example.org",
                    0,
                    None,
                    "{}",
                    stamp,
                    stamp,
                )

        _copy(
            cursor,
            TALK_TABLE,
            ["id", "series_id", "title", "slug", "abstract", "start", '"end"', "all_day"]
            + ["venue", "join_access", "join_reveal_minutes", "registration_url", "online"]
            + ["status", "url", "join_url", "livestream_url", "recording_url", "slides_url"]
            + ["slides_file", "contact", "uid", "sequence", "source_id", "imported"]
            + ["created", "updated"],
            talks(),
        )

        def talk_speakers():
            pk = 0
            for talk in range(1, size + 1):
                # One speaker of each talk steps through all of them (7919 is a prime that
                # divides no size), so every speaker has 5 talks over the years; up to two more
                # speakers are drawn at random.
                chosen = [1 + talk * 7919 % n_speakers]
                for _ in range(rng.choice((0, 0, 1, 2))):
                    if (other := rng.randint(1, n_speakers)) not in chosen:
                        chosen.append(other)
                for position, speaker in enumerate(chosen):
                    pk += 1
                    yield (pk, talk, speaker, position, "", "", "")

        _copy(
            cursor,
            "seminars_talkspeaker",
            ["id", "talk_id", "speaker_id", "position", "shown_name", "shown_affiliation"]
            + ["shown_homepage"],
            talk_speakers(),
        )
        copied = time.monotonic()
        cursor.execute("SET session_replication_role = DEFAULT")
        write_documents(cursor)
        for table in ("seminars_series", "seminars_speaker", TALK_TABLE, "seminars_talkspeaker"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        db.commit()
        documents = time.monotonic()
        db.autocommit = True
        cursor.execute("VACUUM ANALYZE")
        done = time.monotonic()
    return (
        f"COPY {copied - started:.0f} s, search documents {documents - copied:.0f} s, "
        f"VACUUM ANALYZE {done - documents:.0f} s"
    )


# What the triggers' seminars_talk_search_refresh_talks() (migration 0011) writes for every
# talk, in one statement: the speakers' part joined once rather than looked up per talk,
# their names in the order the function's index scan reads them (the speaker links' ids).
DOCUMENTS = """
    INSERT INTO seminars_talk_search (talk_id, talk_text, document)
    SELECT t.id, v.talk_text, v.talk_text || coalesce(p.speakers, ''::tsvector)
    FROM seminars_talk AS t
    JOIN seminars_series AS s ON s.id = t.series_id
    CROSS JOIN LATERAL (SELECT
        setweight(to_tsvector('simple', seminars_search_text(t.title)), 'A')
        || setweight(to_tsvector('simple', seminars_search_text(s.name)), 'B')
        || setweight(to_tsvector('simple', seminars_search_text(t.venue)), 'B')
        || setweight(to_tsvector('simple', seminars_search_text(t.abstract)), 'C')
        AS talk_text) AS v
    LEFT JOIN (
        SELECT ts.talk_id,
            setweight(to_tsvector('simple', seminars_search_text(
                string_agg(sp.name, ' ' ORDER BY ts.id))), 'A')
            || setweight(to_tsvector('simple', seminars_search_text(
                string_agg(sp.affiliation, ' ' ORDER BY ts.id))), 'B') AS speakers
        FROM seminars_talkspeaker AS ts JOIN seminars_speaker AS sp ON sp.id = ts.speaker_id
        GROUP BY ts.talk_id
    ) AS p ON p.talk_id = t.id
"""
SAMPLE = 1000  # talks whose documents the triggers' own function writes again, to compare


def write_documents(cursor) -> None:
    """Every talk's search document, as the triggers would have written it; checked against
    the triggers' function on a sample. The GIN index is built after, in one go."""
    index = "seminars_talk_search_document_idx"
    cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
    (definition,) = cursor.fetchone()
    cursor.execute(f"DROP INDEX {index}")
    cursor.execute(DOCUMENTS)
    cursor.execute(definition)
    cursor.execute(
        "CREATE TEMPORARY TABLE sample AS SELECT * FROM seminars_talk_search "
        "WHERE talk_id %% (SELECT greatest(1, count(*) / %s) FROM seminars_talk) = 0",
        [SAMPLE],
    )
    cursor.execute("SELECT seminars_talk_search_refresh_talks(ARRAY(SELECT talk_id FROM sample))")
    cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE s.document IS DISTINCT FROM d.document "
        "OR s.talk_text IS DISTINCT FROM d.talk_text) "
        "FROM sample AS s LEFT JOIN seminars_talk_search AS d USING (talk_id)"
    )
    checked, differ = cursor.fetchone()
    if not checked or differ:
        sys.exit(f"{differ} of {checked} search documents differ from what the triggers write")
    cursor.execute("DROP TABLE sample")


def add_needles(now: dt.datetime) -> None:
    """The selective search's 30 talks, through the ORM (the triggers write their documents)."""
    from seminars.caching import content_changed
    from seminars.models import Series, Speaker, Talk, TalkSpeaker

    series = Series.objects.order_by("pk").first()
    speaker = Speaker.objects.create(name="Lucía Fernández-Quiñones", slug="lucia-fq")
    for i in range(NEEDLES):
        when = now + dt.timedelta(days=i - NEEDLES // 2, hours=3)
        talk = Talk.objects.create(
            series=series, title=f"Über Typen {i}", start=when, end=when + dt.timedelta(hours=1)
        )
        TalkSpeaker.objects.create(talk=talk, speaker=speaker)
    content_changed()


# -- Measuring ------------------------------------------------------------------------------


def _use(database: str) -> None:
    from django.db import connection

    if connection.settings_dict["NAME"] != database:
        connection.close()
        connection.settings_dict["NAME"] = database


def page_urls(now: dt.datetime) -> dict[str, str]:
    """The pages measured, in the database in use: the same pages at every size."""
    from django.urls import reverse

    from seminars.models import Series, Speaker, Talk
    from seminars.paging import cursor

    series = Series.objects.order_by("pk")[Series.objects.count() // 2]
    speaker = Speaker.objects.order_by("pk")[Speaker.objects.count() // 2]
    upcoming = Talk.objects.upcoming(now)
    # Halfway down the upcoming talks: the API's `next` link after that talk.
    deep = upcoming[upcoming.count() // 2]
    past = Talk.objects.past(now)
    deep_past = past[past.count() // 2]  # page 2,000 of the archive at 1,000,000 talks
    year = now.year - 1
    return {
        "/": "/",
        "series page": series.get_absolute_url(),
        "speaker page": speaker.get_absolute_url(),
        "talk page": upcoming[10].get_absolute_url(),
        f"archive {year}": reverse("seminars:archive_year", kwargs={"year": year}),
        "archive deep page": reverse("seminars:archive") + f"?page=2&after={cursor(deep_past)}",
        f"search “{SEARCH}”": "/search/?q=" + SEARCH.replace(" ", "+"),
        "API first page": reverse("seminars:api_talks"),
        "API deep page": reverse("seminars:api_talks") + f"?after={cursor(deep)}",
        "series feed, cold": reverse("seminars:series_ics", kwargs={"slug": series.slug}),
        "site feed, cold": reverse("seminars:site_ics"),
        # An index at both sizes (SITEMAP_URLS a file), and its page holding the talk halfway.
        "sitemap index": "/sitemap.xml",
        "sitemap page": f"/sitemap-talks-{(deep.pk - 1) // SITEMAP_URLS + 1}.xml",
    }


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _captured(client, url: str) -> tuple[list[tuple[str, float]], int]:
    """(SQL, seconds) of each query of one uncached request, after a warm-up, and the
    response's size."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _get(client, url)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        size = len(_get(client, url).content)
    return [(q["sql"], float(q["time"])) for q in queries.captured_queries], size


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


class Plan(NamedTuple):
    sql: str
    text: str  # EXPLAIN's
    seq_scans: list[str]  # the relations scanned whole
    indexes: list[str]  # the indexes it reads
    seconds: float  # the query's time in the request measured


def explain(queries: list[tuple[str, float]]) -> list[Plan]:
    """The plan of each SELECT among `queries`, in the database in use."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for sql, seconds in queries:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # savepoints and the like
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            nodes = list(_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
            cursor.execute(f"EXPLAIN {sql}")
            found.append(
                Plan(
                    sql,
                    "\n".join(row[0] for row in cursor.fetchall()),
                    [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"],
                    [n["Index Name"] for n in nodes if "Index Name" in n],
                    seconds,
                )
            )
    return found


def measure(databases: dict[int, str], urls: dict[int, dict[str, str]]):
    """For each page: times at each size (seconds), queries, sizes and the large size's plans."""
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    small, large = databases
    results = {}
    for name in urls[small]:
        print(f"  {name}…", file=sys.stderr, flush=True)
        queries, sizes, times = {}, {}, {size: [] for size in databases}
        for size, database in databases.items():
            _use(database)
            queries[size], sizes[size] = _captured(client, urls[size][name])
        plans = explain(queries[large])  # the large database is in use
        rounds, per_round, turn = ROUNDS, PER_ROUND, 0
        while turn < rounds:
            turn += 1
            for size, database in databases.items():
                _use(database)
                for i in range(1 + per_round):
                    cache.clear()  # built every time: the page cache hides scaling
                    started = time.perf_counter()
                    _get(client, urls[size][name])
                    if i:
                        times[size].append(time.perf_counter() - started)
                if times[size][-1] > SLOW:
                    rounds, per_round = 3, 1  # enough for a page of seconds
        results[name] = {
            "times": {size: statistics.median(t) for size, t in times.items()},
            "queries": {size: len(q) for size, q in queries.items()},
            "bytes": sizes,
            "plans": plans,
        }
    return results


def _target(name: str) -> float:
    return 1.5 if name.startswith("search") else 1.2


def run(size: int = FULL_SIZE):
    """Fill both databases, measure every page; returns (rows, plan report, notes)."""
    sizes = (BASELINE, size)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    databases = {n: f"seminars_scale_{n}" for n in sizes}
    notes = []
    with cluster() as server:
        setup_django(server, "seminars_scale_template")
        import psycopg
        from django.db import connection

        connection.close()
        with psycopg.connect(f"postgresql://postgres@{server}/postgres", autocommit=True) as db:
            for database in databases.values():
                db.execute(
                    f'CREATE DATABASE "{database}" TEMPLATE seminars_scale_template OWNER seminars'
                )
        urls = {}
        for n, database in databases.items():
            print(f"filling {n:,} talks…", file=sys.stderr, flush=True)
            started = time.monotonic()
            steps = fill(server, database, n, now=now)
            _use(database)
            add_needles(now)
            took = time.monotonic() - started
            notes.append(f"{n:,} talks generated and loaded in {took / 60:.1f} min ({steps})")
            print(f"  {notes[-1]}", file=sys.stderr, flush=True)
            urls[n] = page_urls(now)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            notes.append(f"the {size:,}-talk database takes {cursor.fetchone()[0]} on disk")
        print("measuring…", file=sys.stderr, flush=True)
        from django.conf import settings

        settings.SITEMAP_MAX_URLS = SITEMAP_URLS
        results = measure(databases, urls)
        connection.close()
    return Outcome(_rows(sizes, results), _plan_report(results), _findings(results, sizes), notes)


class Outcome(NamedTuple):
    rows: list[tuple[str, str, str, str]]  # the table's
    plans: list[str]  # every plan checked, printed
    findings: list[str]  # for RESULTS.md
    notes: list[str]  # how the databases were made


def describe(size: int, notes: list[str]) -> list[str]:
    """How the benchmark was run, for RESULTS.md."""
    return [
        f"PostgreSQL {_pg_bin().parts[4]}, a throwaway cluster (fsync off, shared_buffers 1GB, "
        "connections kept). Two databases of the same shape: "
        f"{BASELINE:,} and {size:,} talks, 1 series per {TALKS_PER_SERIES} talks and 1 speaker "
        f"per {TALKS_PER_SPEAKER} (1–3 speakers a talk), talks spread evenly over the last "
        "8 years and the next 2, plus the 30 talks the search finds. Each page is built with "
        "the cache cleared, through Django's test client, both databases in turns; times are "
        "medians. " + "; ".join(notes) + ".",
    ]


def _rows(sizes, results) -> list[tuple[str, str, str, str]]:
    small, large = sizes
    rows = []
    for name, r in results.items():
        t_small, t_large = (r["times"][n] for n in sizes)
        q_small, q_large = (r["queries"][n] for n in sizes)
        ratio = t_large / t_small
        scanned = any(TALK_TABLE in plan.seq_scans for plan in r["plans"])
        over = _over(name, r, sizes)
        kb_small, kb_large = (r["bytes"][n] / 1000 for n in sizes)
        body = (
            f"{kb_large:,.0f} kB"
            if round(kb_small) == round(kb_large)
            else f"{kb_small:,.0f} → {kb_large:,.0f} kB"
        )
        rows.append(
            (
                f"{name}: {small:,} → {large:,} talks, {body}",
                f"{t_small * 1000:.1f} → {t_large * 1000:.1f} ms",
                f"{ratio:.2f}x; queries {q_small} → {q_large}"
                + ("; seq scan of talks" if scanned else "")
                + (" (over)" if over else ""),
                f"≤ {_target(name)}x, same queries",
            )
        )
    return rows


def _short(sql: str, length: int = 300) -> str:
    return sql if len(sql) <= length else sql[:length] + "…"


def _plan_report(results) -> list[str]:
    """Every plan checked, as text: what the bench prints."""
    lines = []
    for name, r in results.items():
        lines.append(f"### {name}")
        for number, plan in enumerate(r["plans"], 1):
            flag = f"  <- Seq Scan on {', '.join(plan.seq_scans)}" if plan.seq_scans else ""
            head = f"-- query {number} ({plan.seconds * 1000:.1f} ms): {_short(plan.sql)}{flag}"
            lines += [head, *plan.text.splitlines()]
        lines.append("")
    return lines


def _over(name: str, r: dict, sizes) -> bool:
    small, large = sizes
    return (
        r["times"][large] / r["times"][small] > _target(name)
        or r["queries"][small] != r["queries"][large]
        or any(TALK_TABLE in plan.seq_scans for plan in r["plans"])
    )


def _findings(results, sizes) -> list[str]:
    """For RESULTS.md: each page's plans in a line; in full, those that scan talks whole and
    the slowest query of each page over its target."""
    size = sizes[1]
    lines = [
        f"Plans at {size:,} talks (EXPLAIN of every query each page ran; `python -m bench "
        "--scale` prints them all), and each page's slowest query in the request measured:",
        "",
    ]
    shown = []
    for name, r in results.items():
        indexes = sorted({i for plan in r["plans"] for i in plan.indexes})
        scans = sorted({t for plan in r["plans"] for t in plan.seq_scans})
        slowest = max(r["plans"], key=lambda plan: plan.seconds, default=None)
        lines.append(
            f"- {name}: {len(r['plans'])} SELECTs; indexes {', '.join(indexes) or 'none'}; "
            + (f"seq scans of {', '.join(scans)}" if scans else "no seq scan")
            + (f"; slowest query {slowest.seconds * 1000:.1f} ms" if slowest else "")
        )
        talks = [plan for plan in r["plans"] if TALK_TABLE in plan.seq_scans]
        if slowest and _over(name, r, sizes) and slowest not in talks:
            talks.append(slowest)
        shown += [(name, plan) for plan in talks]
    if not any(TALK_TABLE in plan.seq_scans for _, plan in shown):
        lines += ["", "No plan scans seminars_talk sequentially."]
    if shown:
        lines += ["", "The slowest query of each page over its target, and any that scans talks:"]
        for name, plan in shown:
            lines += [
                "",
                f"{name} ({plan.seconds * 1000:.1f} ms):",
                "",
                "```",
                _short(plan.sql, 1000),
                "",
                plan.text,
                "```",
            ]
    return lines
