"""Getting a source's bytes: standard input (``-``), a file, or an http(s) or webcal URL.

Only bytes come out of here; decoding and parsing happen in later steps. Every failure
is a FetchError whose message is one line a user can act on.
"""

import gzip
import http
import http.client
import io
import os
import re
import socket
import stat
import sys
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from typing import BinaryIO

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30  # seconds

USER_AGENT = "seminars-import/1.0 (+ICS importer)"

_URL_SCHEME = re.compile(r"^(https?|webcals?)://", re.IGNORECASE)
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A source could not be read; str(error) is one clear line for the user (no traceback)."""


@dataclass
class Fetched:
    data: bytes | None  # None when not_modified
    etag: str = ""  # from the response (URLs only), to remember for next time
    last_modified: str = ""  # Last-Modified header as received (URLs only)
    not_modified: bool = False  # the server answered 304


def is_url(location: str) -> bool:
    """Return whether location is an http://, https://, webcal:// or webcals:// URL."""
    return _URL_SCHEME.match(location) is not None


def http_url(location: str, *, webcal_scheme: str = "https") -> str:
    """Return the URL to request: webcal:// becomes webcal_scheme://, webcals:// https://."""
    scheme, rest = location.split("://", 1)
    scheme = scheme.lower()
    if scheme == "webcal":
        scheme = webcal_scheme
    elif scheme == "webcals":
        scheme = "https"
    return f"{scheme}://{rest}"


def fetch(
    location: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    stdin: BinaryIO | None = None,
    webcal_scheme: str = "https",
) -> Fetched:
    """Read location: ``-`` for stdin (default ``sys.stdin.buffer``), a URL, or a file path.

    For URLs, etag and last_modified make the request conditional, and timeout applies to
    connecting and to each read (as in urllib), not to the whole download. webcal:// URLs
    are fetched over https like calendar apps do; tests pass webcal_scheme="http" to reach
    a local server. Refuse anything larger than max_bytes, after gzip decompression too.
    """
    if location == "-":
        stream = sys.stdin.buffer if stdin is None else stdin
        return Fetched(data=_read_stdin(stream, max_bytes))
    if is_url(location):
        return _fetch_url(
            http_url(location, webcal_scheme=webcal_scheme),
            etag=etag,
            last_modified=last_modified,
            max_bytes=max_bytes,
            timeout=timeout,
        )
    return Fetched(data=_read_file(location, max_bytes))


def _read_stdin(stream: BinaryIO, max_bytes: int) -> bytes:
    try:
        return _read_capped(stream, max_bytes, "Standard input")
    except OSError as error:
        raise FetchError(f"Could not read standard input: {_describe(error)}") from error


def _read_file(path: str, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as file:
            # Regular files can be refused before reading; pipes and growing files are
            # still caught by the capped read.
            info = os.fstat(file.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
                raise _too_large(path, max_bytes)
            return _read_capped(file, max_bytes, path)
    except FileNotFoundError as error:
        raise FetchError(f"No such file: {path}") from error
    except IsADirectoryError as error:
        raise FetchError(f"{path} is a directory, not a file") from error
    except PermissionError as error:
        raise FetchError(f"Permission denied: {path}") from error
    except OSError as error:
        raise FetchError(f"Could not read {path}: {_describe(error)}") from error


def _fetch_url(
    url: str, *, etag: str, last_modified: str, max_bytes: int, timeout: float
) -> Fetched:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/calendar, */*;q=0.5",
        "Accept-Encoding": "gzip",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        request = urllib.request.Request(url, headers=headers)
        with _opener().open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(url, max_bytes)
            body = _read_capped(response, max_bytes, url)
            encoding = response.headers.get("Content-Encoding", "").strip().lower()
            fetched = Fetched(
                data=body,
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except urllib.error.HTTPError as error:
        error.close()  # it holds the response's open socket
        if error.code == http.HTTPStatus.NOT_MODIFIED:
            return Fetched(
                data=None,
                etag=error.headers.get("ETag") or etag,
                last_modified=error.headers.get("Last-Modified") or last_modified,
                not_modified=True,
            )
        raise FetchError(_describe_status(url, error)) from error
    except urllib.error.URLError as error:
        raise FetchError(_describe_failure(url, error.reason, timeout)) from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise FetchError(_describe_failure(url, error, timeout)) from error

    if encoding in ("gzip", "x-gzip"):
        fetched.data = _gunzip(body, max_bytes, url)
    elif encoding not in ("", "identity"):
        # We only ever ask for gzip; anything else would reach the parser as noise.
        raise FetchError(f"Unsupported Content-Encoding {encoding!r} from {url}")
    return fetched


def _opener() -> urllib.request.OpenerDirector:
    # Only http(s): a redirect must not lead to file://, ftp:// or data: URLs. Built per
    # call so that proxy settings are read from the environment of the moment.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _gunzip(body: bytes, max_bytes: int, url: str) -> bytes:
    # Decompress in bounded chunks so that a small gzip bomb cannot fill memory.
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            return _read_capped(stream, max_bytes, url, " once decompressed")
    except (OSError, EOFError, zlib.error) as error:
        raise FetchError(f"Corrupt gzip data from {url}: {_describe(error)}") from error


def _read_capped(stream, max_bytes: int, name: str, detail: str = "") -> bytes:
    """Read stream to its end, refusing more than max_bytes."""
    data = bytearray()
    while chunk := stream.read(min(_CHUNK, max_bytes + 1 - len(data))):
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes, detail)
    return bytes(data)


def _too_large(name: str, max_bytes: int, detail: str = "") -> FetchError:
    return FetchError(f"{name} is larger than the {_size(max_bytes)} limit{detail}")


def _size(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"
    return f"{n} bytes"


def _describe_status(url: str, error: urllib.error.HTTPError) -> str:
    reason = str(error.reason or "")
    if 300 <= error.code < 400:
        # urllib gives up on redirect loops; its reason then spans lines, the first says why.
        why = reason.splitlines()[0] if reason else f"HTTP {error.code}"
        return f"Could not follow the redirect from {url}: {why}"
    reason = " ".join(reason.split()) or _phrase(error.code)
    return f"HTTP {error.code} {reason} from {url}" if reason else f"HTTP {error.code} from {url}"


def _phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _describe_failure(url: str, reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"Could not fetch {url}: timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return f"Could not connect to {url}: connection refused"
    if isinstance(reason, socket.gaierror):
        return f"Could not look up the host of {url}: {_describe(reason)}"
    if isinstance(reason, http.client.InvalidURL):
        return f"Not a valid URL: {url} ({_describe(reason)})"
    if isinstance(reason, http.client.IncompleteRead):
        return f"Could not fetch {url}: the response was cut short"
    return f"Could not fetch {url}: {_describe(reason)}"


def _describe(error: object) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(text.split())
