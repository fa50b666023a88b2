"""Page benchmark: server time and queries of each page with 10 and with 10,000 talks."""

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .calendar import generate
from .setup import empty_database
from .timing import median_time

SIZES = (10, 10_000)


def _pages():
    from seminars.models import Series, Talk

    talk = Talk.objects.upcoming().first() or Talk.objects.first()
    series = Series.objects.first()
    return {
        "/": "/",
        "talk page": talk.get_absolute_url(),
        "series page": series.get_absolute_url(),
        "search": "/search/?q=graphs+spectra",
    }


def _measure(runs):
    client = Client()
    results = {}
    for name, url in _pages().items():
        client.get(url)  # warm-up, and follow a slug redirect once

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            get()
        count = len(queries.captured_queries)  # before the next request clears the log
        shown = client.get(url).content.count(b'<article class="talk')
        # Rendered every time: the page cache would hide how the page scales.
        rendered = median_time(get, runs=runs, warmup=2, before=cache.clear)
        cached = median_time(get, runs=runs, warmup=2)
        results[name] = (rendered, count, cached, shown)
    return results


def run(runs: int = 15) -> list[tuple[str, str, str, str]]:
    from seminars.importing import ImportOptions, import_data

    measured = {}
    for size in SIZES:
        empty_database()
        # Half the talks past, half to come, whatever the size (the generator spaces them 7 h).
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=7 * size // 2)
        data = generate(size, seed=7, start=start, recurring=0)  # exactly `size` talks
        import_data(data, f"bench-pages:{size}", ImportOptions(series="Bench"))
        measured[size] = _measure(runs)
    small, large = SIZES
    rows = []
    for name in measured[small]:
        t_small, q_small, _, s_small = measured[small][name]
        t_large, q_large, c_large, s_large = measured[large][name]
        rows.append(
            (
                f"{name}: {small:,} → {large:,} talks ({s_small} → {s_large} shown)",
                f"{t_small * 1000:.1f} → {t_large * 1000:.1f} ms",
                f"{t_large / t_small:.2f}x; queries {q_small} → {q_large}",
                "≤ 1.3x, same queries",
            )
        )
        rows.append(
            (
                f"{name}: from the page cache",
                f"{c_large * 1000:.2f} ms",
                f"{c_large / t_large:.2f}x of rendering",
                "",
            )
        )
    return rows
