"""Load benchmark: wrk against gunicorn (two workers) on loopback.

The database holds one series of 2,000 talks (1,000 in the quick run), made as the feed
benchmark makes its series; the series feed carries 1,000 of them. Each URL gets a second
of wrk to warm both workers' caches, as a running site has them, then the measured run.
Requests per second are quoted against a minimal Django view (robots.txt, no database)
served by the same gunicorn in the same run, and the feed's, asked for with
`Accept-Encoding: gzip` as calendar clients ask, against the same bytes served as a static
file with its gzip copy beside it (whitenoise, in the same gunicorn): the limit of this
stack. Skipped, with a note, without wrk.
"""

import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .feeds import make_series
from .setup import empty_database

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
CONNECTIONS = 4  # two per gunicorn worker
MINIMAL = "minimal view (robots.txt)"
STATIC = "the warm feed's bytes as a static file, gzip (whitenoise)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk(url: str, duration: str, *, gzip: bool = False) -> dict:
    headers = ["-H", "Accept-Encoding: gzip"] if gzip else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": latency.get("50", "?"),
        "p99": latency.get("99", "?"),
        "errors": (int(errors[1]) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def run(full: bool) -> list[tuple[str, str, str, str]]:
    if not shutil.which("wrk") or not GUNICORN.exists():
        return [("load run: skipped (needs wrk and gunicorn: apt-get install wrk)", "", "", "")]
    from django.conf import settings
    from django.test import Client

    from seminars.models import Talk

    empty_database()
    series = make_series(2_000 if full else 1_000)
    talk = Talk.objects.upcoming().first()
    port = _free_port()
    static = Path(settings.STATIC_ROOT) / "bench"  # collected by setup, as its manifest is
    static.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}",
        "WEB_CONCURRENCY": "2",
    }
    # The warm feed's bytes as a static file, with the gzip copy whitenoise serves beside it
    # (read at start, so written before the server starts).
    feed_path = f"/series/{series.slug}.ics"
    body = Client(HTTP_HOST="127.0.0.1").get(feed_path).content
    (static / "feed.ics").write_bytes(body)
    (static / "feed.ics.gz").write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
    server = subprocess.Popen(
        [str(GUNICORN), "seminars.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/robots.txt", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/series/{series.slug}.ics", timeout=30) as feed:
            events = feed.read().count(b"BEGIN:VEVENT")
        urls = {
            MINIMAL: ("/robots.txt", False),
            "/": ("/", False),
            "/, gzip": ("/", True),
            "talk page": (talk.get_absolute_url(), False),
            f"series feed, warm ({events:,} talks)": (feed_path, False),
            STATIC: (settings.STATIC_URL.rstrip("/") + "/bench/feed.ics", True),
            f"series feed, warm ({events:,} talks), gzip": (feed_path, True),
        }
        results = {}
        for name, (path, gzipped) in urls.items():
            url = base + "/" + path.lstrip("/")
            _wrk(url, "1s", gzip=gzipped)  # warm-up
            results[name] = _wrk(url, "10s" if full else "3s", gzip=gzipped)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static, ignore_errors=True)
    baseline, static_rps = results[MINIMAL]["rps"], results[STATIC]["rps"]
    rows = []
    for name, r in results.items():
        ratio = f"{r['rps'] / baseline:.2f}x of minimal"
        target = "0 errors"
        if "feed" in name and "gzip" in name:
            ratio += f", {r['rps'] / static_rps:.2f}x of the static file"
            target = "≥ 0.5x of minimal, ≥ 0.8x of static, 0 errors"
        elif "feed" in name or name.startswith("/"):
            target = "≥ 0.5x of minimal, 0 errors"
        rows.append(
            (
                f"load: {name}",
                f"{r['rps']:.0f} req/s, p50 {r['p50']}, p99 {r['p99']}",
                f"{ratio}; {r['errors']} errors",
                target,
            )
        )
    return rows
