"""Response bodies compressed once per content change, and the one the client asked for.

Calendar clients ask for compression (Google's, Apple's and Outlook's fetchers send
`Accept-Encoding: gzip`), and a 1,000-talk feed compresses about tenfold. A cached body is
therefore kept with its gzip and brotli forms beside it (`variants()`, made when the body
is made, never per request), and `send()` sends the one the request accepts, with `Vary:
Accept-Encoding` and an ETag of its own per encoding (as a cache or a client may keep one
of each), so a conditional GET is answered from the cache with nothing compressed.

Bodies under MIN_BYTES go plain: compressing them saves less than its headers cost.
"""

import gzip

import brotli

MIN_BYTES = 1024
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # near gzip's speed to make, a fifth smaller; 11 takes a hundred times as long
PREFERENCE = ("br", "gzip")  # the smaller first, where the client takes both equally


def variants(body: bytes) -> dict[str, bytes]:
    """`body` compressed in each encoding we offer; {} for a body too small to gain."""
    if len(body) < MIN_BYTES:
        return {}
    return {
        # mtime=0: the same body always compresses to the same bytes (and so the same ETag).
        "gzip": gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
        "br": brotli.compress(body, quality=BROTLI_QUALITY),
    }


def accepted(header: str) -> dict[str, float]:
    """The codings of an Accept-Encoding header and their q-values (RFC 9110, 12.5.3)."""
    codings = {}
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        codings[coding] = min(max(q, 0.0), 1.0)
    return codings


def choose(request, available) -> str:
    """The encoding of `available` to send for `request`'s Accept-Encoding; "" for none."""
    codings = accepted(request.headers.get("Accept-Encoding", ""))
    best, best_q = "", 0.0
    for coding in PREFERENCE:
        if coding not in available:
            continue
        q = codings.get(coding, codings.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def etag_for(etag: str, encoding: str) -> str:
    """The ETag of `encoding`'s bytes of the body whose ETag is `etag` (a quoted strong
    ETag): each form is a representation of its own, with an ETag of its own."""
    if not encoding:
        return etag
    return f'{etag[:-1]}-{encoding}"'


def send(request, response, data: bytes, encoding: str) -> None:
    """Put `data`, the body in `encoding` ("" for plain), in `response` with its headers;
    HEAD gets the headers alone. `Vary` is the caller's, set before any 304."""
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if request.method == "HEAD":
        response.content = b""
        response.headers["Content-Length"] = str(len(data))
    else:
        response.content = data
