"""Load benchmark: wrk against gunicorn on loopback, 2,000 talks in the database.

Each page's requests per second are quoted against a minimal Django view (robots.txt, no
database) served by the same gunicorn in the same run. Skipped, with a note, without wrk.
"""

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .calendar import generate
from .setup import empty_database

ROOT = Path(__file__).resolve().parent.parent
DURATION = "10s"
CONNECTIONS = 4  # two per gunicorn worker
TALKS = 2_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk(url: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
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


def run() -> list[tuple[str, str, str, str]]:
    if not shutil.which("wrk") or not shutil.which(
        "gunicorn", path=str(Path(sys.executable).parent)
    ):
        return [("load run: skipped (needs wrk and gunicorn: apt-get install wrk)", "", "", "")]
    from django.conf import settings

    from seminars.importing import ImportOptions, import_data
    from seminars.models import Series, Talk

    empty_database()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=7 * TALKS // 2)
    import_data(generate(TALKS, seed=11, start=start), "bench-load", ImportOptions(series="Load"))
    talk = Talk.objects.upcoming().first()
    series = Series.objects.get()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}",
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "seminars.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
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
        urls = {
            "minimal view (robots.txt)": "/robots.txt",
            "/": "/",
            "talk page": talk.get_absolute_url(),
            f"series feed ({series.talks.count():,} talks)": f"/series/{series.slug}.ics",
        }
        for path in urls.values():  # warm the caches once, as a running site has them
            urllib.request.urlopen(base + path, timeout=30).close()
        results = {name: _wrk(base + path) for name, path in urls.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = results["minimal view (robots.txt)"]["rps"]
    return [
        (
            f"load: {name}",
            f"{r['rps']:.0f} req/s, p50 {r['p50']}, p99 {r['p99']}",
            f"{r['rps'] / baseline:.2f}x of minimal; {r['errors']} errors",
            "0 errors",
        )
        for name, r in results.items()
    ]
