"""Compressed responses (seminars.compression): feeds, Atom, the JSON API and cached pages
go out as gzip or brotli when the client accepts it, made once per content change; each
form decompresses to exactly the plain body, has an ETag of its own and a 304 of its own,
and `Vary: Accept-Encoding` tells caches so."""

import gzip

import brotli
import pytest
from django.test import Client

from seminars import compression
from tests.factories import make_series, make_speaker, make_talk

DECODE = {"": lambda data: data, "gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture
def talks(db):
    series = make_series("Logic", slug="logic")
    speaker = make_speaker("Ada Lovelace")
    for n in range(12):
        make_talk(
            series=series, speakers=[speaker], title=f"On proofs, part {n}", abstract="x" * 300
        )
    return series


URLS = [
    "/series/logic.ics",
    "/talks.ics",
    "/upcoming.atom",
    "/series/logic.atom",
    "/",
    "/series/logic/",
    "/api/talks.json",
]


def get(url, encoding=None, **headers):
    if encoding is not None:
        headers["HTTP_ACCEPT_ENCODING"] = encoding
    return Client().get(url, **headers)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_response_decompresses_to_the_exact_plain_body(talks, url, encoding):
    plain = get(url)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    packed = get(url, f"{encoding}, deflate")
    assert packed["Content-Encoding"] == encoding
    assert len(packed.content) < len(plain.content) / 3
    assert DECODE[encoding](packed.content) == plain.content
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"]


@pytest.mark.parametrize("url", URLS)
def test_each_encoding_has_its_own_etag_and_its_own_304(talks, url):
    tags = {}
    for encoding in ("", "gzip", "br"):
        response = get(url, encoding)
        tags[encoding] = response["ETag"]
        again = get(url, encoding, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert "Accept-Encoding" in again["Vary"]
    assert len(set(tags.values())) == 3
    # Another encoding's ETag is not this one's: the body is sent, not a 304.
    assert get(url, "gzip", HTTP_IF_NONE_MATCH=tags["br"]).status_code == 200
    assert get(url, "", HTTP_IF_NONE_MATCH=tags["gzip"]).status_code == 200


def test_a_304_from_the_cache_builds_and_compresses_nothing(
    talks, django_assert_num_queries, django_assert_max_num_queries
):
    tag = get("/series/logic.ics", "gzip")["ETag"]
    # The content version (once a second: none in the same second), no series, no talks.
    with django_assert_max_num_queries(1):
        assert get("/series/logic.ics", "gzip", HTTP_IF_NONE_MATCH=tag).status_code == 304
    page_tag = get("/", "br")["ETag"]
    with django_assert_num_queries(1):  # the content version, nothing else
        assert get("/", "br", HTTP_IF_NONE_MATCH=page_tag).status_code == 304


@pytest.mark.parametrize(
    "header, expected",
    [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, br;q=0", ""),
        ("*", "br"),
        ("*;q=0", ""),
        ("identity", ""),
        ("GZIP", "gzip"),
        ("gzip;q=nonsense, br;q=0", ""),
        ("", ""),
    ],
)
def test_the_encoding_follows_the_accept_encoding_header(rf, header, expected):
    request = rf.get("/", HTTP_ACCEPT_ENCODING=header)
    assert compression.choose(request, {"gzip": b"", "br": b""}) == expected


def test_a_small_body_goes_plain(talks):
    assert compression.variants(b"x" * (compression.MIN_BYTES - 1)) == {}
    response = get("/api/series.json", "gzip, br")  # one series: a few hundred bytes
    assert len(response.content) < compression.MIN_BYTES
    assert "Content-Encoding" not in response.headers


def test_the_same_body_always_compresses_to_the_same_bytes():
    body = b"BEGIN:VCALENDAR\r\n" * 500
    assert compression.variants(body) == compression.variants(body)


def test_a_head_gets_the_compressed_length_and_no_body(talks):
    full = get("/series/logic.ics", "gzip")
    head = Client().head("/series/logic.ics", HTTP_ACCEPT_ENCODING="gzip")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Encoding"] == "gzip"
    assert int(head["Content-Length"]) == len(full.content)


def test_a_change_gives_every_form_a_new_body(talks):
    before = gzip.decompress(get("/series/logic.ics", "gzip").content)
    make_talk(series=talks, title="A brand new talk")
    after = gzip.decompress(get("/series/logic.ics", "gzip").content)
    assert b"A brand new talk" in after and b"A brand new talk" not in before
    assert brotli.decompress(get("/series/logic.ics", "br").content) == after


def test_a_form_gone_from_the_cache_before_its_description_is_made_anew(talks):
    from django.core.cache import cache

    plain = get("/series/logic.ics").content
    get("/series/logic.ics", "gzip")
    # Django's local-memory cache, as the tests have it: its keys carry a version prefix.
    (stored,) = [
        k for k in cache._cache if k.startswith(":1:seminars:ics:") and k.endswith(":gzip")
    ]
    cache.delete(stored.removeprefix(":1:"))
    again = get("/series/logic.ics", "gzip")
    assert again.status_code == 200
    assert gzip.decompress(again.content) == plain
