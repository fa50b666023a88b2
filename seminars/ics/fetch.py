"""Getting a source's bytes: standard input (``-``), a file, or an http(s) or webcal URL.

Only bytes come out of here; decoding and parsing happen in later steps. Every failure
is a FetchError whose message is one line a user can act on.
"""

import contextlib
import gzip
import io
import ipaddress
import os
import socket
import ssl
import stat
import sys
import time
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import BinaryIO

import httpcore
import httpx

from ..locations import is_url

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 10
# The lengths of FeedSource.etag and FeedSource.last_modified (fetch.py stays free of models).
MAX_ETAG_LENGTH = 500
MAX_LAST_MODIFIED_LENGTH = 100

USER_AGENT = "seminars-import/1.0 (+ICS importer)"

_CHUNK = 64 * 1024
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # DNS64 embeds IPv4 addresses here


class FetchError(Exception):
    """A source could not be read; str(error) is one clear line for the user (no traceback).

    Control characters become spaces: messages quote servers (reason phrases, redirect
    targets, error texts) and file names, which must not put terminal escapes into logs.
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(_printable(message))
        # The server answered "try later" (5xx, 429) or did not answer in time: the same
        # request may well succeed later (seminars.retrying), unlike a 404 or a bad URL.
        self.transient = transient


@dataclass
class Fetched:
    data: bytes | None  # None when not_modified
    etag: str = ""  # from the response (URLs only), to remember for next time
    last_modified: str = ""  # Last-Modified header as received (URLs only)
    not_modified: bool = False  # the server answered 304


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
    public_only: bool = False,
    allowed_hosts: Collection[str] = (),
) -> Fetched:
    """Read location: ``-`` for stdin (default ``sys.stdin.buffer``), a URL, or a file path.

    For URLs, etag and last_modified make the request conditional, and timeout bounds the
    whole fetch: connecting, redirects, headers and body. webcal:// URLs are fetched over
    https like calendar apps do; tests pass webcal_scheme="http" to reach a local server.
    Refuse anything larger than max_bytes, after gzip decompression too.

    With public_only, connect only to public addresses, except for the host names in
    allowed_hosts (see _Connector). Proxies from the environment are never used: a proxy
    would hide where a request really goes, and feeds are public anyway.
    """
    if location == "-":
        stream = sys.stdin.buffer if stdin is None else stdin
        return Fetched(data=_read_stdin(stream, max_bytes))
    if is_url(location):
        connector = _Connector(time.monotonic() + timeout, public_only, allowed_hosts)
        return _fetch_url(
            http_url(location, webcal_scheme=webcal_scheme),
            etag=etag,
            last_modified=last_modified,
            max_bytes=max_bytes,
            timeout=timeout,
            connector=connector,
        )
    return Fetched(data=_read_file(location, max_bytes))


def _read_stdin(stream: BinaryIO, max_bytes: int) -> bytes:
    try:
        return _read_capped(_chunks(stream), max_bytes, "Standard input")
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
            return _read_capped(_chunks(file), max_bytes, path)
    except FileNotFoundError as error:
        raise FetchError(f"No such file: {path}") from error
    except IsADirectoryError as error:
        raise FetchError(f"{path} is a directory, not a file") from error
    except PermissionError as error:
        raise FetchError(f"Permission denied: {path}") from error
    except OSError as error:
        raise FetchError(f"Could not read {path}: {_describe(error)}") from error


def _fetch_url(
    url: str,
    *,
    etag: str,
    last_modified: str,
    max_bytes: int,
    timeout: float,
    connector: "_Connector",
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
    first_url = url
    transport = _Transport(connector)
    # The connector enforces the deadline, so httpx's own timeouts (per read) are off.
    client = httpx.Client(transport=transport, headers=headers, timeout=None, trust_env=False)
    try:
        with client:
            # Redirects are followed here rather than by httpx, which would read the body
            # of each redirect response without a size limit.
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", url) as response:
                    if response.next_request is None:
                        return _read_response(url, response, etag, last_modified, max_bytes)
                    url = _redirect_target(url, response.next_request.url)
    except _Refused as refusal:
        raise FetchError(
            f"Refused to fetch {url}: {refusal} is not a public address "
            "(a site administrator can allow the host in IMPORT_ALLOWED_HOSTS)"
        ) from None
    except httpx.TimeoutException as error:
        raise FetchError(
            f"Could not fetch {url}: timed out after {timeout:g} s", transient=True
        ) from error
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
        raise FetchError(_describe_failure(url, error)) from error
    raise FetchError(f"Could not fetch {first_url}: more than {MAX_REDIRECTS} redirects")


def _read_response(
    url: str, response: httpx.Response, etag: str, last_modified: str, max_bytes: int
) -> Fetched:
    if response.status_code == httpx.codes.NOT_MODIFIED:
        return Fetched(
            data=None,
            etag=_validator(response, "ETag", MAX_ETAG_LENGTH) or etag,
            last_modified=(
                _validator(response, "Last-Modified", MAX_LAST_MODIFIED_LENGTH) or last_modified
            ),
            not_modified=True,
        )
    if not response.is_success:
        code = response.status_code
        transient = code >= 500 or code == httpx.codes.TOO_MANY_REQUESTS
        raise FetchError(_describe_status(url, response), transient=transient)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        # We only ever ask for gzip; anything else would reach the parser as noise.
        raise FetchError(f"Unsupported Content-Encoding {encoding!r} from {url}")
    # Raw bytes: httpx would decompress unbounded, and accept a truncated gzip stream.
    body = _read_capped(response.iter_raw(), max_bytes, url)
    return Fetched(
        data=_gunzip(body, max_bytes, url) if encoding.endswith("gzip") else body,
        etag=_validator(response, "ETag", MAX_ETAG_LENGTH),
        last_modified=_validator(response, "Last-Modified", MAX_LAST_MODIFIED_LENGTH),
    )


def _validator(response: httpx.Response, name: str, max_length: int) -> str:
    # A longer one could not be saved in its FeedSource column: better none than that.
    value = response.headers.get(name, "")
    return value if len(value) <= max_length else ""


def _redirect_target(url: str, target: httpx.URL) -> str:
    # Only http(s): a redirect must not lead to file://, ftp:// or data: URLs.
    if target.scheme not in ("http", "https"):
        raise FetchError(f"Could not follow the redirect from {url} to {target}: not http(s)")
    return str(target)


class _Transport(httpx.BaseTransport):
    """An httpx transport over an httpcore connection pool that opens every connection
    through a _Connector.

    httpx's own HTTPTransport takes no network backend, so this one does its work with the
    public interfaces of both libraries (httpx's BaseTransport and SyncByteStream, httpcore's
    ConnectionPool and NetworkBackend): no upgrade can swap the connector out unnoticed.
    """

    def __init__(self, connector: "_Connector"):
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),  # the system's CAs, as urllib used
            network_backend=connector,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _Body(httpx.SyncByteStream):
    """A response body as httpcore reads it, its errors raised as httpx's."""

    def __init__(self, stream):
        self._stream = stream

    def __iter__(self):
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        self._stream.close()


# httpcore's errors and the httpx errors they are raised as, the most specific first.
_HTTPX_ERRORS = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors():
    """Raise httpcore's errors as the httpx errors fetch() handles; let others through."""
    try:
        yield
    except Exception as error:
        for core_error, httpx_error in _HTTPX_ERRORS:
            if isinstance(error, core_error):
                raise httpx_error(str(error)) from error
        raise


class _Connector(httpcore.NetworkBackend):
    """Opens a fetch's connections, all within one deadline, and checks their addresses.

    With public_only, the host name is resolved here and each of its addresses checked,
    then the connection made to the very address checked: DNS cannot answer one address
    to the check and another to the connection (rebinding), and a refused address is not
    even connected to. TLS still verifies, and sends SNI for, the host name: httpcore
    passes it to start_tls. Each redirect opens its connection here, so each is checked.
    Name lookups are the one wait the deadline cannot cut; the resolver has its own limits.
    """

    def __init__(self, deadline: float, public_only: bool, allowed_hosts: Collection[str]):
        self._deadline = deadline
        self._public_only = public_only
        # As written in settings, an IPv6 address may come in brackets; httpcore gives none.
        self._allowed_hosts = {host.lower().strip("[]") for host in allowed_hosts}
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # per connection attempt; the deadline is used instead
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        if self._public_only and host.lower() not in self._allowed_hosts:
            addresses = _public_addresses(host, port)
        else:
            addresses = [host]
        for address in addresses:
            time_left = _time_left(self._deadline, httpcore.ConnectTimeout)
            try:
                stream = self._backend.connect_tcp(
                    address, port, time_left, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error  # try the next address, as socket.create_connection does
            else:
                return _DeadlineStream(stream, self._deadline)
        raise failure


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most until the deadline.

    httpcore times each read on its own, so a server sending a byte now and then would
    never time out; here every wait is cut to the time left for the whole fetch.
    """

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(self._deadline, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(self._deadline, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        # Python bounds the whole TLS handshake by the timeout, not each read of it.
        time_left = _time_left(self._deadline, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, time_left)
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


def _time_left(deadline: float, timeout_error: type[Exception]) -> float:
    time_left = deadline - time.monotonic()
    if time_left <= 0:
        raise timeout_error("the deadline has passed")
    return time_left


class _Refused(Exception):
    """A host was refused because one of its addresses is not public."""

    def __init__(self, host: str, address: str):
        super().__init__(address if host == address else f"{host} ({address})")


def _public_addresses(host: str, port: int) -> list[str]:
    """Return the addresses of host; raise _Refused if any of them is not public."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))
    for address in addresses:
        if not _is_public_address(address):
            raise _Refused(host, address)
    return addresses


def _is_public_address(address: str) -> bool:
    """Return whether address is a public unicast one; IPv6 forms of IPv4 count as IPv4."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        else:
            ip = ip.ipv4_mapped or ip.sixtofour or ip
    # is_global leaves out loopback, private, link-local, shared and unspecified addresses;
    # multicast and reserved ones are no web server's.
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _gunzip(body: bytes, max_bytes: int, url: str) -> bytes:
    # Decompress in bounded chunks so that a small gzip bomb cannot fill memory.
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            return _read_capped(_chunks(stream), max_bytes, url, " once decompressed")
    except (OSError, EOFError, zlib.error) as error:
        raise FetchError(f"Corrupt gzip data from {url}: {_describe(error)}") from error


def _chunks(stream: BinaryIO) -> Iterable[bytes]:
    return iter(lambda: stream.read(_CHUNK), b"")


def _read_capped(chunks: Iterable[bytes], max_bytes: int, name: str, detail: str = "") -> bytes:
    """Join chunks, refusing more than max_bytes."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes, detail)
    return bytes(data)


def _too_large(name: str, max_bytes: int, detail: str = "") -> FetchError:
    return FetchError(f"{name} is larger than the {size_text(max_bytes)} limit{detail}")


def size_text(n: int) -> str:
    """A size for people: "50 MB", "12.5 KB", "100 bytes"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"
    return f"{n} bytes"


def _describe_status(url: str, response: httpx.Response) -> str:
    code = response.status_code
    reason = " ".join(_printable(response.reason_phrase).split())
    reason = reason or httpx.codes.get_reason_phrase(code)
    status = f"HTTP {code} {reason}".rstrip()
    if response.is_redirect:  # any 3xx: one with a Location to follow does not come here
        return f"Could not follow the redirect from {url}: {status}"
    return f"{status} from {url}"


def _describe_failure(url: str, error: Exception) -> str:
    cause = _socket_error(error)
    if isinstance(cause, ConnectionRefusedError):
        return f"Could not connect to {url}: connection refused"
    if isinstance(cause, socket.gaierror):
        return f"Could not look up the host of {url}: {_describe(cause)}"
    if isinstance(error, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"Not a valid URL: {url} ({_describe(error)})"
    return f"Could not fetch {url}: {_describe(cause or error)}"


def _socket_error(error: BaseException | None) -> OSError | None:
    # httpx and httpcore raise socket errors again as their own, while handling the original.
    while error is not None and not isinstance(error, OSError):
        error = error.__cause__ or error.__context__
    return error


def _describe(error: object) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(_printable(text).split())


def _printable(text: str) -> str:
    """Return text with each control character (line break, terminal escape…) made a space."""
    return "".join(c if c.isprintable() else " " for c in text)
