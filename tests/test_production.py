"""The site as production runs it: the deploy checks, gunicorn serving collected static files,
security headers on every response, /healthz and one JSON log line per record."""

import gzip
import http.client
import json
import logging
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing, contextmanager

import pytest
from bs4 import BeautifulSoup

from seminars.logs import JSONFormatter
from tests.factories import make_series, make_speaker, make_talk
from tests.subprocesses import ROOT, manage

HOST = "talks.example.org"
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _production_env(folder, **overrides):
    """The README's production settings, and nothing from the developer's environment."""
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "seminars.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
    }
    env.update(overrides)
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn(env, folder):
    """Serve `make serve`'s command on a free loopback port; stdout goes to folder/log."""
    port = _free_port()
    with open(folder / "log", "w") as log, open(folder / "gunicorn.err", "w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "seminars.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (folder / "gunicorn.err").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(port, path, *, https=True, headers=()):
    """GET through the server as nginx would pass it on: HTTPS unless `https=False`."""
    headers = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {}), **dict(headers)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _log(folder):
    return [json.loads(line) for line in (folder / "log").read_text().splitlines()]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn serving collected static files and an SQLite database, as in production."""
    folder = tmp_path_factory.mktemp("production")
    env = _production_env(folder)
    for command in (["collectstatic", "--no-input", "-v0"], ["migrate", "--no-input", "-v0"]):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "static" / "staticfiles.json").read_text())["paths"]
    with _gunicorn(env, folder) as port:
        yield port, folder, manifest


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    # security.W021: HSTS preload is opt-in (SECURE_HSTS_PRELOAD).
    assert result.stdout == "System check identified no issues (1 silenced).\n"


def test_deploy_check_warns_when_the_redirect_to_https_is_off(tmp_path):
    env = _production_env(tmp_path, SECURE_SSL_REDIRECT="0")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 1
    assert "(security.W008) Your SECURE_SSL_REDIRECT setting is not set to True." in result.stderr


def test_hashed_static_files_are_compressed_and_cached_for_ten_years(site):
    port, folder, manifest = site
    hashed = manifest["seminars/site.css"]
    assert hashed != "seminars/site.css"
    status, headers, body = _get(port, f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Type"] == 'text/css; charset="utf-8"'
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == (folder / "static" / hashed).read_bytes()


def test_static_files_by_their_plain_name_are_cached_for_a_minute(site):
    port, folder, _ = site
    status, headers, body = _get(port, "/static/seminars/site.css")
    assert status == 200
    assert headers["Cache-Control"] == "max-age=60, public"
    assert body == (folder / "static" / "seminars" / "site.css").read_bytes()


def test_pages_link_the_hashed_static_files(site):
    port, _, manifest = site
    status, _, body = _get(port, "/admin/login/")
    assert status == 200
    assert f'href="/static/{manifest["admin/css/base.css"]}"'.encode() in body


@pytest.mark.parametrize("path", ["/healthz", "/admin/login/", "/no-such-page/", "static"])
def test_security_headers_on_every_response(site, path):
    port, _, manifest = site
    if path == "static":
        path = f"/static/{manifest['seminars/site.css']}"
    status, headers, _ = _get(port, path)
    assert status == (404 if path == "/no-such-page/" else 200)
    assert {name: headers[name] for name in HEADERS} == HEADERS


def test_cookies_are_sent_over_https_only(site):
    port, _, _ = site
    status, headers, _ = _get(port, "/admin/login/")
    assert status == 200
    (cookie,) = headers.get_all("Set-Cookie")
    assert cookie.startswith("csrftoken=")
    assert "; Secure" in cookie


def test_plain_http_is_redirected_to_https(site):
    port, _, _ = site
    status, headers, _ = _get(port, "/admin/login/?next=/admin/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/admin/login/?next=/admin/"
    assert "Strict-Transport-Security" not in headers


def test_healthz_answers_plain_http_for_probes(site):
    port, _, _ = site
    status, headers, body = _get(port, "/healthz", https=False)
    assert (status, body) == (200, b"ok")
    assert headers["Content-Type"] == "text/plain"
    assert headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_request_errors_are_logged_as_one_json_object_a_line(site):
    port, folder, _ = site
    status, _, _ = _get(port, "/missing-for-the-log/")
    assert status == 404
    entries = [e for e in _log(folder) if e.get("path") == "/missing-for-the-log/"]
    assert [{k: v for k, v in e.items() if k != "time"} for e in entries] == [
        {
            "level": "WARNING",
            "logger": "django.request",
            "message": "Not Found: /missing-for-the-log/",
            "method": "GET",
            "path": "/missing-for-the-log/",
            "status": 404,
        }
    ]
    assert entries[0]["time"].endswith("+00:00")


def test_healthz_is_503_with_a_short_reason_when_the_database_is_unreachable(tmp_path):
    closed = f"postgres://seminars@127.0.0.1:{_free_port()}/seminars"
    with _gunicorn(_production_env(tmp_path, DATABASE_URL=closed), tmp_path) as port:
        status, headers, body = _get(port, "/healthz")
    assert (status, body) == (503, b"database unavailable")
    assert headers["Content-Type"] == "text/plain"
    (entry,) = [e for e in _log(tmp_path) if e["logger"] == "seminars.health"]
    assert entry["level"] == "WARNING"
    assert entry["message"].startswith(
        "health check failed: database unavailable: connection failed: "
    )


@contextmanager
def _silent_server():
    """A loopback port that takes connections and never answers, like a server that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # the kernel completes the connections; nothing reads them
        yield listener.getsockname()[1]


def test_healthz_is_503_within_seconds_when_the_database_server_never_answers(tmp_path):
    with _silent_server() as port:
        silent = f"postgres://seminars@127.0.0.1:{port}/seminars"
        with _gunicorn(_production_env(tmp_path, DATABASE_URL=silent), tmp_path) as server:
            started = time.monotonic()
            answer = _get(server, "/healthz")[::2]
            elapsed = time.monotonic() - started
    assert answer == (503, b"database unavailable")
    # The connect timeout (3 s), with room for a loaded machine; without it the worker hangs
    # until gunicorn's 30 s timeout kills it.
    assert elapsed < 15


def test_healthz_is_200_but_says_so_when_the_cache_server_never_answers(site, tmp_path):
    _, folder, _ = site
    with _silent_server() as port:
        env = _production_env(
            tmp_path,
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            STATIC_ROOT=str(folder / "static"),
            CACHE_URL=f"redis://127.0.0.1:{port}/0",
        )
        with _gunicorn(env, tmp_path) as server:
            started = time.monotonic()
            health = _get(server, "/healthz")[::2]
            pages = [_get(server, "/")[0] for _ in range(14)]
            elapsed = time.monotonic() - started
    # Pages serve uncached: taking every server out of the balancer would be worse.
    assert health == (200, b"ok; cache unavailable")
    assert pages == [200] * 14
    # One socket timeout (1 s), then the cache is left alone for some seconds: well before the
    # 15 s or more that a timeout on every request would take.
    assert elapsed < 10
    (entry,) = [e for e in _log(tmp_path) if e["logger"] == "seminars.cache_backend"]
    assert entry["message"].startswith("cache unavailable, serving uncached: Timeout")


@pytest.fixture
def sqlite_file(site):
    """The served SQLite database, to break; put back as it was afterwards."""
    _, folder, _ = site
    database = folder / "db.sqlite3"
    saved = database.read_bytes()
    yield database
    database.write_bytes(saved)


def test_healthz_is_503_when_the_sqlite_file_was_deleted(site, sqlite_file):
    port, _, _ = site
    sqlite_file.unlink()
    assert _get(port, "/healthz")[::2] == (503, b"database unavailable")
    assert _get(port, "/")[0] == 500


def test_healthz_is_503_when_the_sqlite_file_is_not_a_database(site, sqlite_file):
    port, _, _ = site
    sqlite_file.write_bytes(b"not a database\n" * 1000)
    assert _get(port, "/healthz")[::2] == (503, b"database unavailable")
    assert _get(port, "/")[0] == 500


def test_healthz_and_pages_answer_while_a_long_write_holds_the_sqlite_database(site, sqlite_file):
    # Write-ahead logging (settings.py): a writer, such as a big import, never locks readers
    # out; with the rollback journal this /healthz waited, then answered 503.
    port, _, _ = site
    with closing(sqlite3.connect(sqlite_file, isolation_level=None)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE seminars_series SET description = 'being written'")
        answers = [_get(port, "/healthz")[::2], _get(port, "/")[0]]
        other.execute("ROLLBACK")
    assert answers == [(200, b"ok"), 200]


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_talks_table_answers(client, django_assert_max_num_queries):
    # The talks table, and the wait for a lock set short and back around it.
    with django_assert_max_num_queries(4) as queries:
        response = client.get("/healthz")
    assert [q["sql"] for q in queries if "seminars_talk" in q["sql"]] != []
    assert (response.status_code, response.content) == (200, b"ok")
    assert response["Content-Security-Policy"] == POLICY


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/seminars/talk/",
        "/admin/seminars/talk/add/",
        "/admin/seminars/talk/{talk}/change/",
        "/admin/seminars/series/add/",
        "/admin/seminars/speaker/",
        "/admin/seminars/feedsource/",
        "/",
        "/talks/{talk}/",
        "/series/",
        "/search/?q=talk",
    ],
)
def test_pages_need_nothing_the_content_security_policy_blocks(admin_client, path):
    talk = make_talk(series=make_series(), speakers=[make_speaker()])
    response = admin_client.get(path.format(talk=talk.pk), follow=True)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    page = BeautifulSoup(response.content, "html.parser")
    blocked = [
        str(tag)
        for tag in page.find_all(["script", "style", "link", "img", "iframe", "object"])
        + page.find_all(style=True)
        if not _allowed(tag)
    ]
    assert blocked == []


def _allowed(tag):
    """Whether the policy lets the browser use `tag`: only files from the site itself."""
    if tag.name == "script" and tag.get("type") in {"application/json", "application/ld+json"}:
        return not tag.get("src")  # data, never run
    if tag.name == "link":
        return "stylesheet" not in tag.get("rel", []) or _same_origin(tag.get("href", ""))
    if tag.name in {"script", "img"}:
        return tag.has_attr("src") and not tag.has_attr("style") and _same_origin(tag["src"])
    return False  # <style>, style="", frames and plugins


def _same_origin(url):
    return url.startswith("/") and not url.startswith("//")


def test_log_records_are_one_json_line_with_the_traceback():
    try:
        raise ValueError("no such talk")
    except ValueError:
        record = logging.LogRecord(
            "seminars.x", logging.ERROR, __file__, 1, "failed on %s", ("a\nb",), sys.exc_info()
        )
    line = JSONFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.pop("exc").splitlines()[-1] == "ValueError: no such talk"
    assert entry == {
        "time": entry["time"],
        "level": "ERROR",
        "logger": "seminars.x",
        "message": "failed on a\nb",
    }
