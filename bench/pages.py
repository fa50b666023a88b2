"""Page benchmark: server time and queries of each page with 100 talks in the database and
with 10,000 (2,000 in the quick run). Both show the same number of talks, a full page, so the
ratio is how a page scales with the database, not with its length. The sitemap, which lists
every talk, is timed at the larger size alone: built, and from its cache.

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
from .timing import median_time

ROUNDS = 5  # turns of each database
PER_ROUND = 3  # requests timed per turn, after one untimed


def _use(database: Path) -> None:
    connection.close()
    connection.settings_dict["NAME"] = str(database)


def _fill(size: int) -> dict[str, str]:
    """Import `size` talks, half past and half to come; return the pages' URLs."""
    from seminars.importing import ImportOptions, import_data
    from seminars.models import Series, Talk

    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=7 * size // 2)  # talks 7 h apart
    data = generate(size, seed=7, start=start, recurring=0)  # exactly `size` talks
    import_data(data, "bench-pages", ImportOptions(series="Bench"))
    return {
        "/": "/",
        "talk page": Talk.objects.upcoming().first().get_absolute_url(),
        "series page": Series.objects.get().get_absolute_url(),
    }


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _queries_and_shown(client, url) -> tuple[int, int]:
    _get(client, url)  # warm-up
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        shown = _get(client, url).content.count(b'<article class="talk')
    return len(queries.captured_queries), shown  # before the next request clears the log


def run(full: bool) -> list[tuple[str, str, str, str]]:
    sizes = (100, 10_000 if full else 2_000)
    empty_database()
    main = Path(connection.settings_dict["NAME"])
    connection.close()
    databases, urls, rows = {}, {}, []
    client = Client()
    try:
        for size in sizes:
            databases[size] = WORKDIR / f"pages-{size}.sqlite3"
            shutil.copy(main, databases[size])
            _use(databases[size])
            urls[size] = _fill(size)
        for name in urls[sizes[0]]:
            counts, times = {}, {size: [] for size in sizes}
            for size in sizes:
                _use(databases[size])
                counts[size] = _queries_and_shown(client, urls[size][name])
            for _ in range(ROUNDS):
                for size in sizes:
                    _use(databases[size])
                    url = urls[size][name]
                    for i in range(1 + PER_ROUND):
                        cache.clear()  # rendered every time: the page cache hides scaling
                        started = time.perf_counter()
                        _get(client, url)
                        if i:
                            times[size].append(time.perf_counter() - started)
            large_url = urls[sizes[1]][name]  # the large database is in use
            cached = median_time(lambda url=large_url: _get(client, url), warmup=2, runs=15)
            small, large = (statistics.median(times[size]) for size in sizes)
            (q_small, s_small), (q_large, s_large) = counts.values()
            shown = f"{s_large} shown" if s_small == s_large else f"{s_small} → {s_large} shown"
            rows += [
                (
                    f"{name}: {sizes[0]:,} → {sizes[1]:,} talks, {shown}",
                    f"{small * 1000:.1f} → {large * 1000:.1f} ms",
                    f"{large / small:.2f}x; queries {q_small} → {q_large}",
                    "≤ 1.2x, same queries",
                ),
                (
                    f"{name}: from the page cache",
                    f"{cached * 1000:.2f} ms",
                    f"{cached / large:.2f}x of rendering",
                    "",
                ),
            ]
        rows += _sitemap_rows(client, sizes[1])  # the large database is in use
    finally:
        _use(main)
    return rows


def _sitemap_rows(client, size: int) -> list[tuple[str, str, str, str]]:
    """/sitemap.xml at `size` talks, built (the cache cleared) and from the cache, asked
    for with gzip as crawlers ask."""

    def get():
        return _get(client, "/sitemap.xml", headers={"accept-encoding": "gzip"})

    plain = _get(client, "/sitemap.xml").content
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        packed = get().content
    count = len(queries.captured_queries)  # before the next request clears the log
    built = median_time(get, before=cache.clear)
    cached = median_time(get, warmup=2, runs=15)
    return [
        (
            f"sitemap: {size:,} talks, {plain.count(b'<url>'):,} URLs, "
            f"{len(plain) / 1000:,.0f} KB ({len(packed) / 1000:,.0f} KB gzip)",
            f"{built * 1000:.1f} ms",
            f"queries {count}",
            "",
        ),
        (
            "sitemap: from the cache",
            f"{cached * 1000:.2f} ms",
            f"{cached / built:.3f}x of building",
            "",
        ),
    ]
