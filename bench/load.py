"""Load benchmark: wrk against gunicorn (two workers) on loopback.

The database holds one series of 2,000 talks (1,000 in the quick run), made as the feed
benchmark makes its series; the series feed carries 1,000 of them. Each URL gets a second
of wrk to warm both workers' caches, as a running site has them, then the measured run.
Requests per second are quoted against a minimal Django view (robots.txt, no database)
served by the same gunicorn in the same run. Skipped, with a note, without wrk.
"""

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk(url: str, duration: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", url],
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

    from seminars.models import Talk

    empty_database()
    series = make_series(2_000 if full else 1_000)
    talk = Talk.objects.upcoming().first()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}",
        "WEB_CONCURRENCY": "2",
    }
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
            MINIMAL: "/robots.txt",
            "/": "/",
            "talk page": talk.get_absolute_url(),
            f"series feed, warm ({events:,} talks)": f"/series/{series.slug}.ics",
        }
        results = {}
        for name, path in urls.items():
            _wrk(base + path, "1s")  # warm-up
            results[name] = _wrk(base + path, "10s" if full else "3s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = results[MINIMAL]["rps"]
    return [
        (
            f"load: {name}",
            f"{r['rps']:.0f} req/s, p50 {r['p50']}, p99 {r['p99']}",
            f"{r['rps'] / baseline:.2f}x of minimal; {r['errors']} errors",
            "≥ 0.5x of minimal, 0 errors" if "feed" in name else "0 errors",
        )
        for name, r in results.items()
    ]
