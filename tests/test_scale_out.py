"""Scale-out, end to end: the README's recipe on loopback. Two gunicorn servers with the same
settings share one PostgreSQL and one Redis, imports run as separate processes, and each
service is stopped in turn; everything is checked through HTTP only, as the proxy in front
passes requests on (its Host, over HTTPS).

tests/services.py starts a PostgreSQL cluster and a redis-server of this module's own, so that
they can be stopped; the end-to-end tests are skipped where either is not installed.
"""

import datetime as dt
import itertools
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPMessage
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from bs4 import BeautifulSoup

from seminars.cache_backend import TolerantRedisCache
from tests import services
from tests.factories import ics_calendar, ics_event, ics_time
from tests.subprocesses import ROOT, manage

HOST = "talks.example.org"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
WORKERS = 2  # gunicorn workers per server
TALKS = 12  # in the department's feed
STATEMENT_TIMEOUT = 5  # seconds; short, so that the locked-table test is quick
# "At once", on a loaded machine: well before gunicorn's 30 s worker timeout and the 20 s the
# test's requests wait, which is how long a request would hang without the timeouts tested.
PROMPTLY = 10  # seconds
LOAD_SECONDS = 20  # the most a load may last, whatever happens
LOAD_REQUESTS = 2000  # and the most requests it may make
PAGES = ["/", "/series/scale/", "/series/scale.ics", "/talks.ics", "/upcoming.atom"]

_missing = services.missing()
needs_servers = pytest.mark.skipif(
    _missing is not None, reason=f"needs PostgreSQL and Redis to scale out onto: {_missing}"
)


# Settings each server gets, without any running service.


def _database_options(*, served: bool, **values: str) -> str:
    """The database's OPTIONS as the settings give them to served requests or to commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env |= {"ENV_FILE": os.devnull, "DEBUG": "0", "SECRET_KEY": "tests-only"} | values
    env["DJANGO_SETTINGS_MODULE"] = "seminars.settings"
    load = "import seminars.wsgi" if served else "import django; django.setup()"
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = subprocess.run(
        [sys.executable, "-c", f"{load}; {show}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_served_requests_get_a_statement_timeout_and_commands_do_not():
    settings = {
        "DATABASE_URL": "postgres://seminars@127.0.0.1:5432/seminars",
        "DATABASE_STATEMENT_TIMEOUT": "2.5",
    }
    assert _database_options(served=True, **settings) == (
        "{'connect_timeout': 3, 'options': '-c statement_timeout=2500'}"
    )
    assert _database_options(served=False, **settings) == "{'connect_timeout': 3}"


def test_a_statement_timeout_of_zero_sets_none_and_the_url_may_set_the_connect_timeout():
    options = _database_options(
        served=True,
        DATABASE_URL="postgres://seminars@127.0.0.1:5432/seminars?connect_timeout=10",
        DATABASE_STATEMENT_TIMEOUT="0",
    )
    assert options == "{'connect_timeout': 10}"


def test_the_redis_cache_misses_and_drops_writes_while_redis_is_down_and_warns_once(caplog):
    closed = f"redis://127.0.0.1:{services.free_port()}/0"
    cache = TolerantRedisCache(closed, {"OPTIONS": {"socket_connect_timeout": 1}})
    with caplog.at_level(logging.INFO, logger="seminars.cache_backend"):
        cache.set("page", "content")
        assert cache.get("page", "missed") == "missed"
        assert cache.get_many(["page"]) == {}
        assert cache.add("page", "content") is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete("page") is False
        cache.clear()
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("cache unavailable, serving uncached: Error 111")


# The deployment: services, two servers, an admin and a feed.


@pytest.fixture(scope="module")
def postgres():
    server = services.Postgres()
    try:
        server.psql("CREATE ROLE seminars LOGIN", "CREATE DATABASE seminars OWNER seminars")
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def redis():
    server = services.Redis()
    try:
        yield server
    finally:
        server.close()


@dataclass
class Site:
    env: dict
    folder: Path
    feed: Path
    a: int  # server A's port
    b: int  # server B's


@pytest.fixture(scope="module")
def site(postgres, redis, tmp_path_factory):
    """What the README's "Scaling out" describes: migrate once, two servers, one feed."""
    folder = tmp_path_factory.mktemp("scale-out")
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "seminars.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
        "DATABASE_URL": postgres.url("seminars", user="seminars"),
        "CACHE_URL": redis.url,
        "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
        "STATIC_ROOT": str(folder / "static"),
    }
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "collectstatic", "--no-input", "-v0")
    _manage(
        env | {"DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        *("createsuperuser", "--no-input", "--username", "admin", "--email", "a@example.org"),
    )
    feed = folder / "department.ics"
    feed.write_bytes(_calendar(venue="Room A"))
    _manage(env, "import_ics", str(feed))
    with _gunicorn(env, folder / "a") as a, _gunicorn(env, folder / "b") as b:
        yield Site(env=env, folder=folder, feed=feed, a=a, b=b)


def _manage(env, *args):
    result = manage(env, *args)
    assert result.returncode == 0, result.stderr
    return result


def _calendar(*, venue: str, added: int = 0) -> bytes:
    """The department's feed: TALKS talks a day apart from tomorrow, and `added` more."""
    first = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    events = [
        ics_event(_uid(i), f"Talk {i}", ics_time(first + dt.timedelta(days=1 + i)), location=venue)
        for i in range(TALKS)
    ] + [
        ics_event(
            f"added-{i}@scale.test", f"Added talk {i}", ics_time(first + dt.timedelta(hours=2))
        )
        for i in range(added)
    ]
    return ics_calendar(*events, name="Scale")


def _uid(number: int) -> str:
    return f"talk-{number}@scale.test"


@contextmanager
def _gunicorn(env: dict, name: Path):
    """`make serve`'s gunicorn on a free loopback port; its stdout (the JSON log) in NAME.log."""
    port = services.free_port()
    with open(f"{name}.log", "w") as log, open(f"{name}.err", "w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "seminars.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "30"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=err,
        )
    try:
        services.wait_for_port(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _log(site: Site, server: str) -> list[dict]:
    return [json.loads(line) for line in (site.folder / f"{server}.log").read_text().splitlines()]


# HTTP, as the proxy passes it on and as an organiser's browser sends it.


@dataclass
class Response:
    status: int
    headers: HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def _request(port: int, path: str, *, method="GET", headers=None, body=None) -> Response:
    connection = HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def _timed(port: int, path: str) -> tuple[Response, float]:
    started = time.monotonic()
    response = _request(port, path)
    return response, time.monotonic() - started


class Browser:
    """An organiser's browser on one server: keeps its cookies, posts forms with their origin."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def get(self, path: str) -> Response:
        return self._send("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Response:
        headers = {
            "Origin": f"https://{HOST}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return self._send("POST", path, headers, urlencode(fields).encode())

    def _send(self, method, path, headers=None, body=None) -> Response:
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        response = _request(
            self.port, path, method=method, headers={**(headers or {}), "Cookie": cookie}, body=body
        )
        for header in response.headers.get_all("Set-Cookie", []):
            self.cookies.load(header)
        return response


def _form_fields(html: bytes, form_id: str) -> list[tuple[str, str]]:
    """What a browser submits from the form as it stands, submit buttons aside."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    fields = []
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name or element.has_attr("disabled"):
            continue  # the inline formset's template row is for scripts, not sent
        if element.name == "textarea":
            fields.append((name, element.text))
        elif element.name == "select":
            options = element.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and not element.has_attr("multiple"):
                chosen = options[:1]
            fields += [(name, o.get("value", o.text)) for o in chosen]
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                fields.append((name, element.get("value", "on")))
        elif element.get("type") not in ("submit", "button", "reset", "image", "file"):
            fields.append((name, element.get("value", "")))
    return fields


def _log_in(port: int) -> Browser:
    browser = Browser(port)
    fields = _form_fields(browser.get("/admin/login/?next=/admin/").body, "login-form")
    fields = [f for f in fields if f[0] not in ("username", "password")]
    fields += [("username", "admin"), ("password", ADMIN_PASSWORD)]
    answer = browser.post("/admin/login/?next=/admin/", fields)
    assert (answer.status, answer.headers["Location"]) == (302, "/admin/"), answer.text
    return browser


def _talk_path(html: str, title: str) -> str:
    """The link to the talk called `title` on a page."""
    links = BeautifulSoup(html, "html.parser").select(".talk-title a")
    (path,) = [a["href"] for a in links if a.get_text(strip=True) == title]
    return path


def _event(calendar: str, uid: str) -> dict[str, str]:
    """The properties of the event `uid` in a calendar, by name (parameters dropped)."""
    unfolded = calendar.replace("\r\n ", "")
    for block in unfolded.split("BEGIN:VEVENT")[1:]:
        lines = block.split("END:VEVENT")[0].strip().split("\r\n")
        properties = {line.split(":", 1)[0].split(";")[0]: line.split(":", 1)[1] for line in lines}
        if properties.get("UID") == uid:
            return properties
    raise AssertionError(f"no event {uid}")


# What a visitor, an organiser and a load balancer see.


@needs_servers
def test_an_admin_edit_on_one_server_shows_at_once_on_the_other(site):
    series_page = _request(site.b, "/series/scale/").text
    talk_path = _talk_path(series_page, "Talk 0")
    assert _request(site.b, talk_path).status == 200  # cached on B
    feed = _request(site.b, "/series/scale.ics")
    sequence = int(_event(feed.text, _uid(0))["SEQUENCE"])
    old_etag = {"If-None-Match": feed.headers["ETag"]}
    assert _request(site.b, "/series/scale.ics", headers=old_etag).status == 304

    browser = _log_in(site.a)
    change = f"/admin/seminars/talk/{talk_path.split('/')[2]}/change/"
    fields = _form_fields(browser.get(change).body, "talk_form")
    fields = [(n, "Talk 0 moved to the main hall" if n == "title" else v) for n, v in fields]
    saved = browser.post(change, fields)
    assert saved.status == 302, BeautifulSoup(saved.body, "html.parser").select(".errorlist")

    moved = _request(site.b, talk_path)  # the old slug now redirects to the new one
    assert moved.status == 301
    assert "Talk 0 moved to the main hall" in _request(site.b, moved.headers["Location"]).text
    assert _talk_path(_request(site.b, "/series/scale/").text, "Talk 0 moved to the main hall")
    # B's cached feeds read the content version once a second (feeds/fast.py, as the README
    # says): a change made through A is in them from B's next second.
    time.sleep(1.1)
    new_feed = _request(site.b, "/series/scale.ics")
    event = _event(new_feed.text, _uid(0))
    assert (event["SUMMARY"], int(event["SEQUENCE"])) == (
        "Talk 0 moved to the main hall",
        sequence + 1,
    )
    revalidated = _request(site.b, "/series/scale.ics", headers=old_etag)
    assert (revalidated.status, revalidated.body) == (200, new_feed.body)
    assert revalidated.headers["ETag"] != feed.headers["ETag"]


@contextmanager
def _load(site: Site):
    """Four threads requesting PAGES from both servers in turn until the block ends (within
    LOAD_SECONDS and LOAD_REQUESTS); yields the list of (port, path, status or error)."""
    results = []
    stop = threading.Event()
    deadline = time.monotonic() + LOAD_SECONDS
    count = itertools.count()

    def requester(offset):
        while not stop.is_set() and time.monotonic() < deadline:
            n = next(count)  # shared by the threads
            if n >= LOAD_REQUESTS:
                return
            port, path = (site.a, site.b)[n % 2], PAGES[(n + offset) % len(PAGES)]
            try:
                results.append((port, path, _request(port, path).status))
            except OSError as error:
                results.append((port, path, repr(error)))

    threads = [threading.Thread(target=requester, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    try:
        yield results
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


@needs_servers
def test_an_import_under_load_serves_no_errors_and_ends_with_both_servers_showing_it(site):
    site.feed.write_bytes(_calendar(venue="Room B", added=3))
    with _load(site) as results:
        time.sleep(1)  # the servers are busy before the import starts...
        imported = manage(site.env, "import_ics", str(site.feed))
        time.sleep(1)  # ...and after it ends
    assert imported.returncode == 0, imported.stderr
    assert "3 created" in imported.stdout, imported.stdout

    assert [r for r in results if r[2] != 200] == []
    assert len(results) > 50
    for port in (site.a, site.b):
        assert _talk_path(_request(port, "/series/scale/").text, "Added talk 2")
        feed = _request(port, "/series/scale.ics").text
        assert [_event(feed, _uid(i))["LOCATION"] for i in range(TALKS)] == ["Room B"] * TALKS
        assert _event(feed, "added-0@scale.test")["SUMMARY"] == "Added talk 0"


def _healthz_of_every_worker(port: int) -> set[bytes]:
    """The bodies of /healthz asked of each of `port`'s workers.

    A sync worker serves one connection at a time: with WORKERS connections open and none
    sent a request yet, each is held by a worker of its own, so each worker answers one.
    (Requests sent one after another, or many at once, may all reach the same worker.)
    """
    connections = [HTTPConnection("127.0.0.1", port, timeout=20) for _ in range(WORKERS)]
    try:
        for connection in connections:
            connection.connect()
        time.sleep(0.5)  # for each worker to take its connection
        answers = set()
        for connection in connections:
            connection.request(
                "GET", "/healthz", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
            )
            answers.add(connection.getresponse().read())
        return answers
    finally:
        for connection in connections:
            connection.close()


@needs_servers
def test_with_redis_stopped_pages_serve_uncached_and_healthz_says_the_cache_is_down(site, redis):
    redis.stop()
    try:
        for port in (site.a, site.b):
            for path in PAGES:
                assert _request(port, path).status == 200, path
            health = _request(port, "/healthz")
            assert (health.status, health.body) == (200, b"ok; cache unavailable")
    finally:
        redis.start()

    # Each worker tries the cache again some seconds after it failed: ask every worker, until
    # each says the cache is back.
    for port, server in ((site.a, "a"), (site.b, "b")):
        deadline = time.monotonic() + 30
        while not (
            _healthz_of_every_worker(port) == {b"ok"}
            and "cache available again" in [entry["message"] for entry in _log(site, server)]
        ):
            assert time.monotonic() < deadline, "the cache is not used again 30 s after Redis is"
            time.sleep(0.5)
    for server in ("a", "b"):
        warnings = [
            entry["message"]
            for entry in _log(site, server)
            if entry["logger"] == "seminars.cache_backend" and entry["level"] == "WARNING"
        ]
        assert 1 <= len(warnings) <= WORKERS  # once per worker, not once per request
        assert warnings[0].startswith("cache unavailable, serving uncached: ")


@needs_servers
def test_with_postgresql_stopped_healthz_is_503_at_once_and_pages_a_clean_500(site, postgres):
    postgres.stop()
    # A cached feed is served within the second its content version was read (feeds/fast.py)
    # without the database: past that second, it needs it.
    time.sleep(1.1)
    try:
        for port in (site.a, site.b):
            health, seconds = _timed(port, "/healthz")
            assert (health.status, health.body) == (503, b"database unavailable")
            assert seconds < PROMPTLY
            for path in ("/", "/series/scale.ics"):
                page, seconds = _timed(port, path)
                assert page.status == 500
                assert "<h1>Something went wrong</h1>" in page.text
                assert seconds < PROMPTLY
    finally:
        postgres.start()
    assert _request(site.a, "/healthz").body == b"ok"
    assert _request(site.b, "/").status == 200


@needs_servers
def test_a_locked_table_fails_a_request_at_the_statement_timeout_not_the_workers(site, postgres):
    with psycopg.connect(postgres.url("seminars")) as other:
        other.execute("LOCK TABLE seminars_talk, seminars_contentversion IN ACCESS EXCLUSIVE MODE")
        health, health_seconds = _timed(site.a, "/healthz")
        page, page_seconds = _timed(site.a, "/")
        other.rollback()
    assert (health.status, health.body) == (503, b"database unavailable")
    assert health_seconds < STATEMENT_TIMEOUT  # healthz waits one second for a lock
    assert page.status == 500
    assert STATEMENT_TIMEOUT <= page_seconds < STATEMENT_TIMEOUT + PROMPTLY
    assert _request(site.a, "/").status == 200


@needs_servers
def test_commands_run_without_the_statement_timeout(site):
    shown = _manage(
        site.env,
        *("shell", "--no-imports", "-c"),
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout')\n"
        "    print(cursor.fetchone()[0])",
    )
    assert shown.stdout.strip() == "0"
