"""The sitemap: every page listed once, an index of paged sitemaps beyond SITEMAP_MAX_URLS,
built once per content version, compressed, and answered with 304s."""

import datetime as dt
import gzip
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import brotli
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seminars import sitemaps
from seminars.models import ContentVersion, Series, Speaker, Talk
from tests.factories import make_series, make_speaker, make_talk
from tests.test_settings import _load_settings

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LISTS = ["http://testserver/", "http://testserver/series/", "http://testserver/archive/"]
MODELS = [("series", Series), ("speakers", Speaker), ("talks", Talk)]


def _fill(talks, *, speakers=2):
    series = [make_series() for _ in range(2)]
    people = [make_speaker() for _ in range(speakers)]
    for i in range(talks):
        make_talk(series=series[i % 2], speakers=[people[i % speakers]])


def _page(pk, limit):
    """The number of the page of a section that holds the row `pk` (keys differ between
    databases: PostgreSQL's sequences go on from test to test)."""
    return (pk - 1) // limit + 1


def _talk_page(n, limit):
    """The path of the talks' page that holds the n-th talk."""
    pk = Talk.objects.order_by("pk").values_list("pk", flat=True)[n]
    return f"/sitemap-talks-{_page(pk, limit)}.xml"


def _expected():
    """Every URL the sitemap must hold, from the database."""
    return (
        LISTS
        + [
            f"http://testserver{s.get_absolute_url()}"
            for s in Series.objects.listed().order_by("pk")
        ]
        + [f"http://testserver{s.get_absolute_url()}" for s in Speaker.objects.order_by("pk")]
        + [f"http://testserver{t.get_absolute_url()}" for t in Talk.objects.order_by("pk")]
    )


def pks(model):
    rows = model.objects.listed() if model is Series else model.objects.all()
    return list(rows.order_by("pk").values_list("pk", flat=True))


def _parse(response, root):
    """The (loc, lastmod) entries of a sitemap or index, checked against the protocol: the
    namespace, only <loc> and <lastmod> in each entry, <loc> absolute and on this host."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    tree = ET.fromstring(response.content)
    assert tree.tag == f"{NS}{root}"
    child = {"urlset": "url", "sitemapindex": "sitemap"}[root]
    entries = []
    for entry in tree:
        assert entry.tag == f"{NS}{child}"
        tags = [part.tag for part in entry]
        assert tags in ([f"{NS}loc"], [f"{NS}loc", f"{NS}lastmod"])
        loc = entry.find(f"{NS}loc").text
        parts = urlsplit(loc)
        assert (parts.scheme, parts.netloc) == ("http", "testserver")
        lastmod = entry.find(f"{NS}lastmod")
        if lastmod is not None:
            lastmod = dt.datetime.fromisoformat(lastmod.text)
            assert lastmod.utcoffset() is not None  # W3C Datetime carries its zone
        entries.append((loc, lastmod))
    return entries


def _locs(response, root="urlset"):
    return [loc for loc, _ in _parse(response, root)]


def _all_paged(client):
    """Every URL of the paged sitemaps the index names, in order, and the pages' sizes."""
    urls, sizes = [], []
    for loc, _ in _parse(client.get("/sitemap.xml"), "sitemapindex"):
        page = _locs(client.get(urlsplit(loc).path))
        urls += page
        sizes.append(len(page))
    return urls, sizes


# What it lists


def test_sitemap_lists_the_lists_and_every_listed_series_speaker_and_talk(client):
    _fill(5)
    Series.objects.create(name="Empty", slug="empty")  # no talks, organisers or sources
    urls = _locs(client.get("/sitemap.xml"))
    assert urls == _expected()
    assert "http://testserver/series/empty/" not in urls


def test_sitemap_entries_carry_each_rows_last_change(client):
    talk = make_talk(speakers=[make_speaker("Ann")])
    entries = dict(_parse(client.get("/sitemap.xml"), "urlset"))
    assert entries["http://testserver/"] is None  # the lists change with time alone too
    assert entries[f"http://testserver{talk.get_absolute_url()}"] == talk.updated.replace(
        microsecond=0
    )


def test_sitemap_uses_the_requests_scheme_and_host(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "talks.example.org"]
    talk = make_talk()
    client.get("/sitemap.xml")  # cached for http://testserver
    body = client.get("/sitemap.xml", headers={"host": "talks.example.org"}, secure=True)
    assert f"<loc>https://talks.example.org{talk.get_absolute_url()}</loc>".encode() in (
        body.content
    )
    assert b"testserver" not in body.content


def test_an_ampersand_in_a_url_is_escaped_and_reads_back_the_same():
    body = sitemaps.urlset([("http://testserver/?a=1&b=<2>", None)])
    assert b"<loc>http://testserver/?a=1&amp;b=&lt;2&gt;</loc>" in body
    assert ET.fromstring(body).find(f"{NS}url/{NS}loc").text == "http://testserver/?a=1&b=<2>"


# Beyond the limit: an index of paged sitemaps


def test_sitemap_is_one_file_up_to_the_limit_and_an_index_beyond(client, settings):
    _fill(3)  # 3 lists, 2 series, 2 speakers, 3 talks
    settings.SITEMAP_MAX_URLS = 10
    assert _locs(client.get("/sitemap.xml")) == _expected()
    settings.SITEMAP_MAX_URLS = 9
    index = _parse(client.get("/sitemap.xml"), "sitemapindex")
    expected = ["/sitemap-lists-1.xml"] + [
        f"/sitemap-{name}-{n}.xml"
        for name, model in MODELS
        for n in sorted({_page(pk, 9) for pk in pks(model)})
    ]
    assert [urlsplit(loc).path for loc, _ in index] == expected


def test_paged_sitemaps_hold_every_url_once_each_within_the_limit(client, settings):
    _fill(23, speakers=6)
    settings.SITEMAP_MAX_URLS = 4
    # Gaps in the keys: a page may hold fewer, none may be empty or repeat another's.
    gone = _page(pks(Talk)[6], 4)
    Talk.objects.filter(pk__gt=(gone - 1) * 4, pk__lte=gone * 4).delete()
    Talk.objects.filter(pk=pks(Talk)[-3]).delete()
    urls, sizes = _all_paged(client)
    assert sorted(urls) == sorted(_expected())
    assert len(urls) == len(set(urls))
    assert all(1 <= size <= 4 for size in sizes)
    assert max(sizes) == 4
    index = [urlsplit(loc).path for loc, _ in _parse(client.get("/sitemap.xml"), "sitemapindex")]
    assert f"/sitemap-talks-{gone}.xml" not in index  # its talks are gone
    assert f"/sitemap-talks-{gone - 1}.xml" in index
    assert f"/sitemap-talks-{gone + 1}.xml" in index


def test_keys_far_apart_still_give_an_index_of_exactly_the_pages_that_hold_rows(client, settings):
    # Thousands of empty pages between two keys (a table most of whose rows are gone, or
    # PostgreSQL's sequences run on): no query of a subquery per page, which PostgreSQL
    # refuses past 1,664 columns.
    _fill(3)
    far = pks(Talk)[-1] + 4 * (sitemaps.PAGES_ASKED_ONE_BY_ONE + 3000)
    make_talk(series=Series.objects.first(), pk=far)
    settings.SITEMAP_MAX_URLS = 4
    index = [urlsplit(loc).path for loc, _ in _parse(client.get("/sitemap.xml"), "sitemapindex")]
    talk_pages = [path for path in index if path.startswith("/sitemap-talks-")]
    assert talk_pages == [
        f"/sitemap-talks-{n}.xml" for n in sorted({_page(pk, 4) for pk in pks(Talk)})
    ]
    assert f"/sitemap-talks-{_page(far, 4)}.xml" in talk_pages
    urls, _ = _all_paged(client)
    assert sorted(urls) == sorted(_expected())


def test_index_dates_only_the_lists_and_each_page_dates_its_own_urls(client, settings):
    # A page's latest change would take reading every row of a large site to find.
    _fill(6)
    settings.SITEMAP_MAX_URLS = 4
    index = dict(_parse(client.get("/sitemap.xml"), "sitemapindex"))
    changed = ContentVersion.objects.get().changed.replace(microsecond=0)
    for loc, lastmod in index.items():
        page = _parse(client.get(urlsplit(loc).path), "urlset")
        if "/sitemap-lists-" in loc:
            assert lastmod == changed
        else:
            assert lastmod is None
            assert all(when is not None for _, when in page)


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-talks-{after}.xml",  # beyond the last talk
        "/sitemap-talks-0.xml",
        "/sitemap-lists-2.xml",
        "/sitemap-nothing-1.xml",
        f"/sitemap-talks-{10**30}.xml",  # past any database's integers
        f"/sitemap-talks-{2**63 // 4 + 1}.xml",  # its first key would pass a 64-bit integer
        f"/sitemap-talks-{2**63 // 4}.xml",  # the last page that could hold a 64-bit key
    ],
)
def test_a_sitemap_page_that_holds_nothing_is_404(client, settings, url):
    _fill(6)
    settings.SITEMAP_MAX_URLS = 4
    response = client.get(url.format(after=_page(pks(Talk)[-1], 4) + 1))
    assert response.status_code == 404


def test_sitemap_answers_only_get_and_head(client):
    assert client.post("/sitemap.xml").status_code == 405
    assert client.post("/sitemap-talks-1.xml").status_code == 405


def test_sitemap_max_urls_outside_1000_to_50000_stops_the_site():
    result = _load_settings("settings.SITEMAP_MAX_URLS", DEBUG="1", SITEMAP_MAX_URLS="50001")
    assert result.returncode != 0
    assert "SITEMAP_MAX_URLS is 50001: give 1000 to 50000" in result.stderr
    result = _load_settings("settings.SITEMAP_MAX_URLS", DEBUG="1", SITEMAP_MAX_URLS="999")
    assert "SITEMAP_MAX_URLS is 999: give 1000 to 50000" in result.stderr
    result = _load_settings("settings.SITEMAP_MAX_URLS", DEBUG="1")
    assert result.stdout.strip() == "50000"


# Compression, validators and 304s


# The index (of 4 to a page), and a page full of talks (the one of the 20th of 40, of 30 to a
# page): both over compression.MIN_BYTES.
URLS = [("/sitemap.xml", 4), ("talks page", 30)]


def _url(url, limit):
    return _talk_page(19, limit) if url == "talks page" else url


@pytest.mark.parametrize(("url", "limit"), URLS)
@pytest.mark.parametrize(
    ("encoding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_compressed_sitemaps_decompress_to_the_exact_plain_body(
    client, settings, url, limit, encoding, decompress
):
    _fill(40)
    settings.SITEMAP_MAX_URLS = limit
    url = _url(url, limit)
    plain = client.get(url)
    assert "Content-Encoding" not in plain and len(plain.content) > 1024
    packed = client.get(url, headers={"accept-encoding": f"{encoding}, identity;q=0.5"})
    assert packed["Content-Encoding"] == encoding
    assert packed.content != plain.content
    assert decompress(packed.content) == plain.content


def test_a_small_sitemap_goes_out_plain(client):
    response = client.get("/sitemap.xml", headers={"accept-encoding": "gzip, br"})
    assert "Content-Encoding" not in response
    assert response["Vary"] == "Accept-Encoding"
    assert ET.fromstring(response.content).tag == f"{NS}urlset"


@pytest.mark.parametrize(("url", "limit"), URLS)
def test_each_encoding_has_its_own_etag_and_each_gets_its_304(client, settings, url, limit):
    _fill(40)
    settings.SITEMAP_MAX_URLS = limit
    url = _url(url, limit)
    offers = {"": "", "gzip": "gzip", "br": "gzip, br"}
    etags = {
        name: client.get(url, headers={"accept-encoding": h})["ETag"] for name, h in offers.items()
    }
    assert len(set(etags.values())) == 3
    assert etags["gzip"] == etags[""][:-1] + '-gzip"'
    for name, offer in offers.items():
        headers = {"accept-encoding": offer, "if-none-match": etags[name]}
        response = client.get(url, headers=headers)
        assert (response.status_code, response.content) == (304, b"")
        assert response["ETag"] == etags[name]
        assert response["Vary"] == "Accept-Encoding"
        # Another encoding's ETag is another body: this one is sent whole.
        other = etags["br" if name != "br" else ""]
        response = client.get(url, headers={"accept-encoding": offer, "if-none-match": other})
        assert response.status_code == 200 and response.content


@pytest.mark.parametrize(("url", "limit"), URLS)
def test_sitemap_responses_carry_validators_and_public_caching(client, settings, url, limit):
    _fill(40)
    settings.SITEMAP_MAX_URLS = limit
    url = _url(url, limit)
    response = client.get(url)
    assert response["Vary"] == "Accept-Encoding"
    assert response["Cache-Control"] == f"public, max-age={sitemaps.MAX_AGE}"
    assert response["Last-Modified"]
    again = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
    assert again.status_code == 304


def test_head_gets_the_headers_and_no_body(client):
    _fill(40)
    body = client.get("/sitemap.xml", headers={"accept-encoding": "gzip"}).content
    head = client.head("/sitemap.xml", headers={"accept-encoding": "gzip"})
    assert (head.status_code, head.content) == (200, b"")
    assert (head["Content-Encoding"], head["Content-Length"]) == ("gzip", str(len(body)))


# The cache


@pytest.mark.parametrize(
    ("limit", "url"), [(50_000, "/sitemap.xml"), (4, "/sitemap.xml"), (4, "talks page")]
)
def test_a_cached_sitemap_costs_only_the_content_versions_query(
    client, settings, django_assert_num_queries, limit, url
):
    _fill(40)
    settings.SITEMAP_MAX_URLS = limit
    url = _url(url, limit)
    first = client.get(url, headers={"accept-encoding": "gzip"})
    with django_assert_num_queries(1):
        again = client.get(url, headers={"accept-encoding": "gzip"})
    assert again.content == first.content
    with django_assert_num_queries(1):
        response = client.get(
            url, headers={"accept-encoding": "gzip", "if-none-match": first["ETag"]}
        )
    assert response.status_code == 304


def test_a_new_talk_is_in_the_sitemap_at_once(client):
    _fill(3)
    client.get("/sitemap.xml")
    talk = make_talk(title="Brand new")
    assert f"http://testserver{talk.get_absolute_url()}" in _locs(client.get("/sitemap.xml"))


def test_a_new_talk_beyond_the_last_page_gets_a_page_of_its_own(client, settings):
    _fill(4)
    series = Talk.objects.first().series  # no new series: its section's pages stay as they are
    while pks(Talk)[-1] % 4:  # the last page full
        make_talk(series=series)
    settings.SITEMAP_MAX_URLS = 4
    before = {loc for loc, _ in _parse(client.get("/sitemap.xml"), "sitemapindex")}
    talk = make_talk(series=series, title="Brand new")
    after = {loc for loc, _ in _parse(client.get("/sitemap.xml"), "sitemapindex")}
    new_page = f"/sitemap-talks-{_page(talk.pk, 4)}.xml"
    assert after - before == {f"http://testserver{new_page}"}
    assert _locs(client.get(new_page)) == [f"http://testserver{talk.get_absolute_url()}"]


@pytest.mark.parametrize(
    ("limit", "url"), [(50_000, "/sitemap.xml"), (4, "/sitemap.xml"), (4, "talks page")]
)
def test_sitemap_query_count_is_the_same_for_20_and_200_talks(
    client, settings, django_assert_num_queries, limit, url
):
    settings.SITEMAP_MAX_URLS = limit
    _fill(20)
    url = _url(url, limit)
    with CaptureQueriesContext(connection) as queries:
        small = client.get(url)
    _fill(180, speakers=30)
    with django_assert_num_queries(len(queries.captured_queries)):
        large = client.get(url)  # a new content version: built again
    assert small.status_code == large.status_code == 200
    if url == "/sitemap.xml":
        assert len(large.content) > 5 * len(small.content)


@pytest.mark.parametrize("limit", [50_000, 4])
def test_serving_the_sitemap_and_its_pages_only_reads_the_database(client, settings, limit):
    _fill(6)
    settings.SITEMAP_MAX_URLS = limit
    with CaptureQueriesContext(connection) as queries:
        index = client.get("/sitemap.xml")
        for loc, _ in _parse(index, "sitemapindex" if limit == 4 else "urlset"):
            if "/sitemap-" in loc:
                assert client.get(urlsplit(loc).path).status_code == 200
    assert len(queries) > 1
    assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []
