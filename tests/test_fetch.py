import ast
import gzip
import importlib.metadata
import inspect
import io
import os
import socket
import time
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement

from seminars.ics import fetch as fetch_module
from seminars.ics.fetch import (
    DEFAULT_MAX_BYTES,
    MAX_ETAG_LENGTH,
    MAX_LAST_MODIFIED_LENGTH,
    MAX_REDIRECTS,
    USER_AGENT,
    Fetched,
    FetchError,
    _is_public_address,
    fetch,
    http_url,
    is_url,
)
from seminars.models import FeedSource
from tests.feed_server import CALENDAR, Reply

LAST_MODIFIED = "Tue, 01 Oct 2024 09:00:00 GMT"


def _fetch_error(location, **kwargs):
    with pytest.raises(FetchError) as excinfo:
        fetch(location, **kwargs)
    return str(excinfo.value)


def _unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _localhost_address():
    """The address that localhost resolves to first (127.0.0.1, or ::1 on some systems)."""
    return socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)[0][4][0]


# Locations


@pytest.mark.parametrize(
    "location",
    [
        "http://example.org/a.ics",
        "https://example.org/a.ics",
        "HTTPS://example.org/a.ics",
        "webcal://example.org/a.ics",
        "Webcal://example.org/a.ics",
        "webcals://example.org/a.ics",
    ],
)
def test_web_locations_are_urls(location):
    assert is_url(location) is True


@pytest.mark.parametrize(
    "location",
    ["-", "talks.ics", "/tmp/http://x.ics", "ftp://example.org/a.ics", "file:///tmp/a.ics"],
)
def test_other_locations_are_not_urls(location):
    assert is_url(location) is False


@pytest.mark.parametrize(
    ("location", "url"),
    [
        ("webcal://example.org/a.ics", "https://example.org/a.ics"),
        ("WEBCAL://Example.org/A.ics", "https://Example.org/A.ics"),
        ("webcals://example.org/a.ics", "https://example.org/a.ics"),
        ("http://example.org/a.ics", "http://example.org/a.ics"),
        ("HTTPS://example.org/a.ics?x=1", "https://example.org/a.ics?x=1"),
    ],
)
def test_webcal_urls_are_requested_over_https(location, url):
    assert http_url(location) == url


# Files and standard input


def test_file_is_read_as_bytes(tmp_path):
    path = tmp_path / "talks.ics"
    path.write_bytes(CALENDAR)
    assert fetch(str(path)) == Fetched(data=CALENDAR)


def test_missing_file_is_an_error_naming_the_path(tmp_path):
    path = tmp_path / "missing.ics"
    assert _fetch_error(str(path)) == f"No such file: {path}"


def test_directory_is_an_error_naming_the_path(tmp_path):
    assert _fetch_error(str(tmp_path)) == f"{tmp_path} is a directory, not a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_an_error_naming_the_path(tmp_path):
    path = tmp_path / "secret.ics"
    path.write_bytes(CALENDAR)
    path.chmod(0)
    assert _fetch_error(str(path)) == f"Permission denied: {path}"


def test_file_at_the_limit_is_read(tmp_path):
    path = tmp_path / "talks.ics"
    path.write_bytes(b"x" * 1024)
    assert fetch(str(path), max_bytes=1024) == Fetched(data=b"x" * 1024)


def test_file_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "talks.ics"
    path.write_bytes(b"x" * 1025)
    message = _fetch_error(str(path), max_bytes=1024)
    assert message == f"{path} is larger than the 1 KB limit"


def test_file_over_the_default_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.ics"
    with path.open("wb") as file:
        file.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: costs no disk and no time
    assert _fetch_error(str(path)) == f"{path} is larger than the 50 MB limit"


def test_dash_reads_standard_input():
    assert fetch("-", stdin=io.BytesIO(CALENDAR)) == Fetched(data=CALENDAR)


def test_standard_input_over_the_limit_is_refused():
    message = _fetch_error("-", stdin=io.BytesIO(b"x" * 2049), max_bytes=2048)
    assert message == "Standard input is larger than the 2 KB limit"


# URLs


def test_url_gives_body_etag_and_last_modified(server):
    server.replies["/talks.ics"] = Reply(
        headers={"ETag": '"v1"', "Last-Modified": LAST_MODIFIED, "Content-Type": "text/calendar"}
    )
    fetched = fetch(f"{server.url}/talks.ics")
    assert fetched == Fetched(data=CALENDAR, etag='"v1"', last_modified=LAST_MODIFIED)
    [headers] = server.seen
    assert headers["User-Agent"] == USER_AGENT
    assert headers["Accept"] == "text/calendar, */*;q=0.5"
    assert headers["Accept-Encoding"] == "gzip"
    assert headers["If-None-Match"] is None
    assert headers["If-Modified-Since"] is None


def test_url_without_validators_gives_empty_ones(server):
    server.replies["/talks.ics"] = Reply()
    assert fetch(f"{server.url}/talks.ics") == Fetched(data=CALENDAR)


def test_unchanged_url_answers_304_and_keeps_the_validators_sent(server):
    server.replies["/talks.ics"] = Reply(headers={"ETag": '"v1"'})
    fetched = fetch(f"{server.url}/talks.ics", etag='"v1"', last_modified=LAST_MODIFIED)
    assert fetched == Fetched(
        data=None, etag='"v1"', last_modified=LAST_MODIFIED, not_modified=True
    )
    [headers] = server.seen
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_changed_url_gives_the_new_body_and_etag(server):
    server.replies["/talks.ics"] = Reply(headers={"ETag": '"v2"'})
    fetched = fetch(f"{server.url}/talks.ics", etag='"v1"')
    assert fetched == Fetched(data=CALENDAR, etag='"v2"')


def test_redirect_is_followed(server):
    server.replies["/old.ics"] = Reply(status=301, body=b"", headers={"Location": "/talks.ics"})
    server.replies["/talks.ics"] = Reply(headers={"ETag": '"v1"'})
    assert fetch(f"{server.url}/old.ics") == Fetched(data=CALENDAR, etag='"v1"')
    assert len(server.seen) == 2


def test_redirect_loop_is_one_line_error(server):
    server.replies["/loop.ics"] = Reply(status=302, body=b"", headers={"Location": "/loop.ics"})
    url = f"{server.url}/loop.ics"
    assert _fetch_error(url) == f"Could not fetch {url}: more than 10 redirects"


def test_webcal_url_is_fetched_with_the_given_scheme(server):
    server.replies["/talks.ics"] = Reply()
    location = server.url.replace("http://", "webcal://") + "/talks.ics"
    assert fetch(location, webcal_scheme="http") == Fetched(data=CALENDAR)


def test_gzip_body_is_decompressed(server):
    server.replies["/talks.ics"] = Reply(
        body=gzip.compress(CALENDAR), headers={"Content-Encoding": "gzip"}
    )
    assert fetch(f"{server.url}/talks.ics") == Fetched(data=CALENDAR)


def test_gzip_bomb_is_refused_once_decompressed(server):
    bomb = gzip.compress(bytes(10 * 1024 * 1024))
    server.replies["/bomb.ics"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    url = f"{server.url}/bomb.ics"
    assert len(bomb) < 1024 * 1024
    message = _fetch_error(url, max_bytes=1024 * 1024)
    assert message == f"{url} is larger than the 1 MB limit once decompressed"


def test_corrupt_gzip_is_an_error(server):
    server.replies["/talks.ics"] = Reply(body=CALENDAR, headers={"Content-Encoding": "gzip"})
    url = f"{server.url}/talks.ics"
    assert _fetch_error(url) == f"Corrupt gzip data from {url}: Not a gzipped file (b'BE')"


def test_truncated_gzip_is_an_error(server):
    body = gzip.compress(CALENDAR)[:-10]
    server.replies["/talks.ics"] = Reply(body=body, headers={"Content-Encoding": "gzip"})
    url = f"{server.url}/talks.ics"
    assert _fetch_error(url) == (
        f"Corrupt gzip data from {url}: "
        "Compressed file ended before the end-of-stream marker was reached"
    )


def test_unrequested_content_encoding_is_an_error(server):
    server.replies["/talks.ics"] = Reply(headers={"Content-Encoding": "br"})
    url = f"{server.url}/talks.ics"
    assert _fetch_error(url) == f"Unsupported Content-Encoding 'br' from {url}"


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "undeclared"])
def test_http_body_over_the_limit_is_refused(server, content_length):
    server.replies["/big.ics"] = Reply(body=b"x" * 3000, content_length=content_length)
    url = f"{server.url}/big.ics"
    assert _fetch_error(url, max_bytes=2048) == f"{url} is larger than the 2 KB limit"


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (500, "Internal Server Error"), (410, "Gone")]
)
def test_http_error_status_is_one_line_error(server, status, reason):
    server.replies["/talks.ics"] = Reply(status=status, body=b"<html>\n<p>Oops</p>\n</html>")
    url = f"{server.url}/talks.ics"
    assert _fetch_error(url) == f"HTTP {status} {reason} from {url}"


def test_connection_refused_is_an_error():
    url = f"http://127.0.0.1:{_unused_port()}/talks.ics"
    assert _fetch_error(url) == f"Could not connect to {url}: connection refused"


def test_silent_server_times_out(server):
    server.replies["/slow.ics"] = Reply(hang=True)
    url = f"{server.url}/slow.ics"
    assert _fetch_error(url, timeout=0.5) == f"Could not fetch {url}: timed out after 0.5 s"


def test_malformed_url_is_an_error():
    url = "http://127.0.0.1:port/talks.ics"
    assert _fetch_error(url) == f"Not a valid URL: {url} (Invalid port: 'port')"


# A total deadline


def _timed_fetch_error(location, **kwargs):
    started = time.monotonic()
    message = _fetch_error(location, **kwargs)
    return message, time.monotonic() - started


# Each server below sends every byte well within any per-read timeout, so only a deadline on
# the whole fetch stops it; the bounds say "well before the server would have finished", which
# holds on a loaded machine, rather than a tight figure past the deadline.


def test_dripping_body_times_out_at_the_total_deadline(server):
    server.replies["/slow.ics"] = Reply(drip=0.5)  # the whole body would take 32 s
    url = f"{server.url}/slow.ics"
    message, elapsed = _timed_fetch_error(url, timeout=2)
    assert message == f"Could not fetch {url}: timed out after 2 s"
    assert elapsed < 15


def test_dripping_headers_time_out_at_the_total_deadline(server):
    headers = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: x\r\n" * 20 + b"Content-Length: 0\r\n\r\n"
    server.replies["/slow.ics"] = Reply(raw=headers, drip=0.1)  # the headers would take 32 s
    url = f"{server.url}/slow.ics"
    message, elapsed = _timed_fetch_error(url, timeout=2)
    assert message == f"Could not fetch {url}: timed out after 2 s"
    assert elapsed < 15


def test_the_deadline_covers_all_redirects_together(server):
    # Ten redirects, each answered in about a second, half the deadline: a deadline per request
    # would let the fetch succeed after ten seconds.
    for hop in range(MAX_REDIRECTS):
        redirect = f"HTTP/1.1 302 Found\r\nLocation: /{hop + 1}.ics\r\nContent-Length: 0\r\n\r\n"
        server.replies[f"/{hop}.ics"] = Reply(raw=redirect.encode(), drip=0.016)
    server.replies[f"/{MAX_REDIRECTS}.ics"] = Reply()
    message, elapsed = _timed_fetch_error(f"{server.url}/0.ics", timeout=2)
    assert message.endswith(": timed out after 2 s")
    assert elapsed < 8


# Text from the server in error messages


def test_control_characters_in_a_status_line_do_not_reach_the_error(server):
    server.replies["/evil.ics"] = Reply(raw=b"HTTP/1.1 500 \x1b[31mevil\x07\r\n\r\n")
    url = f"{server.url}/evil.ics"
    assert _fetch_error(url) == f"HTTP 500 [31mevil from {url}"


def test_control_characters_in_a_reason_phrase_do_not_reach_the_error(server):
    server.replies["/evil.ics"] = Reply(
        raw=b"HTTP/1.1 500 \x9b31mevil\r\nContent-Length: 0\r\n\r\n"
    )
    url = f"{server.url}/evil.ics"
    assert _fetch_error(url) == f"HTTP 500 31mevil from {url}"


def test_control_characters_in_a_redirect_do_not_reach_the_error(server):
    server.replies["/evil.ics"] = Reply(status=302, headers={"Location": "ftp://x/\x9b31m\x85"})
    message = _fetch_error(f"{server.url}/evil.ics")
    assert message.startswith(f"Could not follow the redirect from {server.url}/evil.ics to ftp:")
    assert message.isprintable()


def test_control_characters_in_a_path_do_not_reach_the_error(tmp_path):
    path = tmp_path / "\x1b[31mevil\x07.ics"
    assert _fetch_error(str(path)) == f"No such file: {tmp_path}/ [31mevil .ics"


# Validators too long to remember


def test_over_long_validators_are_forgotten(server):
    etag = '"' + "x" * 499 + '"'
    server.replies["/talks.ics"] = Reply(headers={"ETag": etag, "Last-Modified": "x" * 101})
    assert fetch(f"{server.url}/talks.ics") == Fetched(data=CALENDAR)


def test_validators_at_the_length_limits_are_kept(server):
    etag = '"' + "x" * 498 + '"'
    server.replies["/talks.ics"] = Reply(headers={"ETag": etag, "Last-Modified": "x" * 100})
    fetched = fetch(f"{server.url}/talks.ics")
    assert fetched == Fetched(data=CALENDAR, etag=etag, last_modified="x" * 100)


def test_validator_limits_are_the_feed_source_column_lengths():
    assert FeedSource._meta.get_field("etag").max_length == MAX_ETAG_LENGTH
    assert FeedSource._meta.get_field("last_modified").max_length == MAX_LAST_MODIFIED_LENGTH


# Public addresses only


def _refusal(url, address):
    return (
        f"Refused to fetch {url}: {address} is not a public address "
        "(a site administrator can allow the host in IMPORT_ALLOWED_HOSTS)"
    )


def test_public_only_refuses_a_loopback_server_and_sends_it_nothing(server):
    server.replies["/talks.ics"] = Reply()
    url = f"{server.url}/talks.ics"
    assert _fetch_error(url, public_only=True) == _refusal(url, "127.0.0.1")
    assert server.seen == []


def test_public_only_checks_the_addresses_a_host_name_resolves_to(server):
    server.replies["/talks.ics"] = Reply()
    url = f"http://localhost:{server.server_port}/talks.ics"
    refused = f"localhost ({_localhost_address()})"
    assert _fetch_error(url, public_only=True) == _refusal(url, refused)
    assert server.seen == []


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "192.168.1.1",
        "224.0.0.1",
        "240.0.0.1",
        "[::]",
        "[::1]",
        "[fc00::1]",
        "[fe80::1]",
        "[ff02::1]",
        "[::ffff:127.0.0.1]",
        "[2002:a00:1::]",
        "[64:ff9b::a9fe:a9fe]",
    ],
)
def test_public_only_refuses_non_public_addresses(host):
    url = f"http://{host}:8000/talks.ics"
    message = _fetch_error(url, public_only=True, timeout=1)
    assert message == _refusal(url, host.strip("[]"))


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::", "64:ff9b::808:808"],
)
def test_public_addresses_are_public(address):
    assert _is_public_address(address) is True


@pytest.mark.parametrize(
    ("host", "allowed"), [("127.0.0.1", "127.0.0.1"), ("localhost", "LocalHost")]
)
def test_allowed_host_is_fetched_although_not_public(server, host, allowed):
    server.replies["/talks.ics"] = Reply()
    url = f"http://{host}:{server.server_port}/talks.ics"
    fetched = fetch(url, public_only=True, allowed_hosts=[allowed])
    assert fetched == Fetched(data=CALENDAR)


@pytest.mark.parametrize(
    ("start", "target"), [("localhost", "127.0.0.1"), ("127.0.0.1", "localhost")]
)
def test_redirect_from_an_allowed_host_to_a_non_public_host_is_refused(server, start, target):
    target_url = f"http://{target}:{server.server_port}/talks.ics"
    server.replies["/old.ics"] = Reply(status=302, headers={"Location": target_url})
    server.replies["/talks.ics"] = Reply()
    url = f"http://{start}:{server.server_port}/old.ics"
    address = "127.0.0.1" if target == "127.0.0.1" else f"localhost ({_localhost_address()})"
    message = _fetch_error(url, public_only=True, allowed_hosts=[start])
    assert message == _refusal(target_url, address)
    assert len(server.seen) == 1


def test_proxy_from_the_environment_is_not_used(server, monkeypatch):
    proxy = f"http://127.0.0.1:{_unused_port()}"
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server.replies["/talks.ics"] = Reply()
    assert fetch(f"{server.url}/talks.ics") == Fetched(data=CALENDAR)


# The guard rests on httpx's and httpcore's public interfaces, on the versions pinned


def test_public_only_connects_to_the_very_address_it_checked(server, monkeypatch):
    """DNS rebinding: a name that resolves to a public address for the check and to this
    machine afterwards. The connection goes to the address checked, never to a second answer."""
    real_getaddrinfo = socket.getaddrinfo
    answers = ["8.8.8.8", "127.0.0.1"]  # public, then loopback

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.replies["/talks.ics"] = Reply()
    url = f"http://rebind.example:{server.server_port}/talks.ics"

    with pytest.raises(FetchError):
        fetch(url, public_only=True, timeout=1)
    assert server.seen == []
    assert answers == ["127.0.0.1"]  # looked up once, for the check


def test_public_only_refuses_an_https_url_before_connecting(server):
    url = f"https://127.0.0.1:{server.server_port}/talks.ics"
    assert _fetch_error(url, public_only=True) == _refusal(url, "127.0.0.1")
    assert server.seen == []


def test_fetching_uses_no_private_part_of_httpx_or_httpcore():
    tree = ast.parse(inspect.getsource(fetch_module))
    private = [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("httpx", "httpcore")
        and node.attr.startswith("_")
    ]
    private += [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module.startswith(("httpx._", "httpcore._"))
    ]
    assert private == []
    # httpx's own transport builds its pool privately: ours must not be one of it.
    assert not issubclass(fetch_module._Transport, httpx.HTTPTransport)


@pytest.mark.parametrize("package", ["httpx", "httpcore"])
def test_the_installed_http_libraries_are_the_versions_pinned(package):
    requirements = Path(__file__).resolve().parent.parent / "requirements.txt"
    pins = [
        Requirement(line.split("#")[0])
        for line in requirements.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    (pin,) = [r for r in pins if r.name == package]
    assert pin.specifier.contains(importlib.metadata.version(package))
