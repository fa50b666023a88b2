"""Search benchmark: server time and queries of the search page with 100 talks in the database
and with 10,000 (2,000 in the quick run), on SQLite.

Two queries: one whose matches are the same few talks at both sizes (a speaker and a title
typed without their accents), which shows how search scales with the database; and a broad
one whose matches grow with it (words of most generated abstracts), which shows the cost of
counting and ranking every match.

Each size has a database of its own, and the two are timed in turns, so that a machine busy
with other work slows both alike.
"""

import datetime as dt
import shutil
import statistics
import time
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .calendar import generate
from .setup import WORKDIR, empty_database

ROUNDS = 5  # turns of each database
PER_ROUND = 3  # requests timed per turn, after one untimed
NEEDLES = 30  # talks the selective query finds, at every size: more than a page
QUERIES = {
    "selective": "quinones typen",  # Lucía Fernández-Quiñones, "Über Typen"
    "broad": "graphs spectra",
}


def _use(database: Path) -> None:
    connection.close()
    connection.settings_dict["NAME"] = str(database)


def _fill(size: int) -> None:
    """Import `size` talks, half past and half to come, and the selective query's talks."""
    from seminars.importing import ImportOptions, import_data
    from seminars.models import Series, Speaker, Talk, TalkSpeaker

    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(hours=7 * size // 2)  # talks 7 h apart
    data = generate(size, seed=7, start=start, recurring=0)  # exactly `size` talks
    import_data(data, "bench-search", ImportOptions(series="Bench"))
    series = Series.objects.get()
    speaker = Speaker.objects.create(name="Lucía Fernández-Quiñones", slug="lucia-fq")
    for i in range(NEEDLES):
        when = now + dt.timedelta(days=i - NEEDLES // 2, hours=3)
        talk = Talk.objects.create(
            series=series, title=f"Über Typen {i}", start=when, end=when + dt.timedelta(hours=1)
        )
        TalkSpeaker.objects.create(talk=talk, speaker=speaker)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _measure(client, url: str) -> tuple[int, int, str]:
    """Queries, talks shown and the result count line of one uncached request."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        body = _get(client, url).content.decode()
    found = body.split('class="result-count">', 1)[1].split(" talk", 1)[0]
    return len(queries.captured_queries), body.count('<article class="talk'), found


def run(full: bool) -> list[tuple[str, str, str, str]]:
    sizes = (100, 10_000 if full else 2_000)
    empty_database()
    main = Path(connection.settings_dict["NAME"])
    connection.close()
    databases, rows = {}, []
    client = Client()
    try:
        for size in sizes:
            databases[size] = WORKDIR / f"search-{size}.sqlite3"
            shutil.copy(main, databases[size])
            _use(databases[size])
            _fill(size)
        for name, query in QUERIES.items():
            url = "/search/?" + f"q={query.replace(' ', '+')}"
            seen, times = {}, {size: [] for size in sizes}
            for size in sizes:
                _use(databases[size])
                _get(client, url)  # warm-up
                seen[size] = _measure(client, url)
            for _ in range(ROUNDS):
                for size in sizes:
                    _use(databases[size])
                    for i in range(1 + PER_ROUND):
                        cache.clear()  # rendered every time: the page cache hides scaling
                        started = time.perf_counter()
                        _get(client, url)
                        if i:
                            times[size].append(time.perf_counter() - started)
            small, large = (statistics.median(times[size]) for size in sizes)
            (q_small, shown_small, found_small), (q_large, shown_large, found_large) = (
                seen[size] for size in sizes
            )
            matches = (
                found_large if found_small == found_large else f"{found_small} → {found_large}"
            )
            shown = (
                f"{shown_large}" if shown_small == shown_large else f"{shown_small} → {shown_large}"
            )
            rows.append(
                (
                    f"search “{query}”: {sizes[0]:,} → {sizes[1]:,} talks, "
                    f"{matches} found, {shown} shown",
                    f"{small * 1000:.1f} → {large * 1000:.1f} ms",
                    f"{large / small:.2f}x; queries {q_small} → {q_large}",
                    "≤ 1.5x, same queries" if name == "selective" else "same queries",
                )
            )
    finally:
        _use(main)
    return rows
