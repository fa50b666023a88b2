"""The sitemap (the sitemaps.org protocol): the lists, and every listed series, speaker and talk.

While every URL fits in one file (SITEMAP_MAX_URLS, by default the protocol's 50,000),
/sitemap.xml is the whole sitemap. Beyond that it is a sitemap index of paged sitemaps,
/sitemap-SECTION-N.xml. Page N of a section holds the rows whose pk is in ((N-1)·L, N·L], L
being the limit: a range on the primary key, so a deep page costs what the first does and no
page holds more than L URLs (a page holds fewer where rows are gone or not listed). The index
names the pages that hold rows, found by the primary key's index (so that building it
costs the same at a million rows as at a hundred thousand); whether the URLs fit one file is
told by counting no further than the limit. At most 50,000 URLs of a few hundred bytes each, a file
stays far under the protocol's 50 MB.

Each body is built once per content version, scheme and host, compressed as it is built
(seminars/compression.py), and served as the feeds are: an ETag per encoding, Last-Modified
the content's last change, `Vary: Accept-Encoding`, and a 304 from the cache for a client
that has the body already. Serving reads the database and never writes to it.
"""

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Max, Min, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from . import compression
from .models import ContentVersion, Series, Speaker, Talk

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
CONTENT_TYPE = "application/xml; charset=utf-8"
MAX_AGE = 3600  # seconds; crawlers read a sitemap a few times a day at most
TIMEOUT = 24 * 3600  # a body changes with the content alone, which has a key of its own
MAX_PK = 2**63 - 1  # beyond a 64-bit key no page can hold a row (and the database refuses it)
# Past this many pages between the first key and the last, the index's pages are read off
# every key (page_numbers): one subquery a page would make a query too wide.
PAGES_ASKED_ONE_BY_ONE = 500
LISTS = ("seminars:upcoming", "seminars:series_list", "seminars:archive")

Entry = tuple[str, dt.datetime | None]  # a URL and its last change


@dataclass(frozen=True)
class Section:
    """Rows of one model that have a page each, and the URL of that page."""

    rows: Callable[[], QuerySet]  # the rows listed
    url_name: str
    fields: tuple[str, ...]  # the URL's arguments, of "pk" and "slug"


SECTIONS = {
    "series": Section(lambda: Series.objects.listed(), "seminars:series_detail", ("slug",)),
    "speakers": Section(lambda: Speaker.objects.all(), "seminars:speaker_detail", ("slug",)),
    "talks": Section(lambda: Talk.objects.all(), "seminars:talk_detail", ("pk", "slug")),
}
LISTS_SECTION = "lists"  # the site's lists (LISTS), a section of their own


# Views


@require_safe
def sitemap(request):
    """The whole sitemap, or the index of its pages once it passes SITEMAP_MAX_URLS."""
    return _serve(request, ("sitemap",), sitemap_bytes)


@require_safe
def sitemap_page(request, section, number):
    """Page `number` of `section`'s sitemap; 404 for one that holds nothing."""
    limit = settings.SITEMAP_MAX_URLS
    known = section == LISTS_SECTION or section in SECTIONS
    if not known or number < 1 or (number - 1) * limit >= MAX_PK:
        raise Http404("No such sitemap.")

    def build(*, site_url, limit, changed):
        return page_bytes(section, number, site_url=site_url, limit=limit)

    return _serve(request, ("page", section, number), build)


def _serve(request, what: tuple, build) -> HttpResponse:
    """The sitemap `what` that `build` makes, from the cache: a request the cache can answer
    reads the content version and nothing else of the database, and only the one form of the
    body it is sent (a 304 none)."""
    token, changed, _ = ContentVersion.objects.state()
    site_url = f"{request.scheme}://{request.get_host()}"
    limit = settings.SITEMAP_MAX_URLS
    # The script prefix is the start of every path (reverse()); the limit sets the pages.
    parts = (what, limit, site_url, get_script_prefix(), token)
    key = "seminars:sitemap:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    def made():
        built = _build(key, build(site_url=site_url, limit=limit, changed=changed))
        if built is None:
            raise Http404("No such sitemap.")
        return built

    meta, forms = cache.get(key), None
    if meta is None:
        meta, forms = made()
    encoding = compression.choose(request, meta["encodings"])
    etag = compression.etag_for(meta["etag"], encoding)
    response = HttpResponse(content_type=CONTENT_TYPE)
    response.headers["ETag"] = etag
    modified = None
    if changed is not None:
        modified = int(changed.timestamp())
        response.headers["Last-Modified"] = http_date(modified)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    patch_vary_headers(response, ["Accept-Encoding"])
    conditional = get_conditional_response(
        request, etag=etag, last_modified=modified, response=response
    )
    if conditional is not response:
        return conditional  # 304 or 412: no body read
    body = forms[encoding] if forms else cache.get(f"{key}:{encoding}")
    if body is None:  # gone from the cache before its description: made anew
        body = made()[1][encoding]
    compression.send(request, response, body, encoding)
    return response


def _build(key: str, body: bytes | None):
    """Cache `body` and its compressed forms, made once here, as the feeds are: under `key`
    its ETag and encodings, under `key:<encoding>` each form ("" the plain one). Returns
    (that description, {encoding: body}); None for no body."""
    if body is None:
        return None
    forms = {"": body, **compression.variants(body)}
    meta = {"etag": quote_etag(hashlib.sha256(body).hexdigest()[:32]), "encodings": list(forms)}
    # The bodies first: a description is never cached without them (until one is evicted).
    cache.set_many({f"{key}:{encoding}": data for encoding, data in forms.items()}, TIMEOUT)
    cache.set(key, meta, TIMEOUT)
    return meta, forms


# Bodies


def sitemap_bytes(*, site_url: str, limit: int, changed: dt.datetime | None) -> bytes:
    """The whole sitemap while its URLs fit in one file of `limit`, else the index of its
    pages (the lists' with the content's last change, `changed`)."""
    counted = len(LISTS) + sum(_count_up_to(s.rows(), limit + 1) for s in SECTIONS.values())
    if counted <= limit:
        return urlset(
            chain(
                _list_entries(site_url),
                *(_entries(site_url, s, s.rows()) for s in SECTIONS.values()),
            )
        )
    lists = [(LISTS_SECTION, n, changed) for n in range(1, math.ceil(len(LISTS) / limit) + 1)]
    located = lists + [
        (name, n, None) for name, section in SECTIONS.items() for n in page_numbers(section, limit)
    ]
    return sitemap_index(
        (site_url + reverse("sitemap_page", args=[name, n]), latest) for name, n, latest in located
    )


def page_bytes(section: str, number: int, *, site_url: str, limit: int) -> bytes | None:
    """Page `number` of `section`'s sitemap, None when it holds nothing."""
    if section == LISTS_SECTION:
        entries = list(_list_entries(site_url))[(number - 1) * limit : number * limit]
    else:
        rows = _page_rows(SECTIONS[section].rows(), number, limit)
        entries = list(_entries(site_url, SECTIONS[section], rows))
    return urlset(entries) if entries else None


def _count_up_to(rows: QuerySet, most: int) -> int:
    # Whether the URLs fit is all that is asked: past `most` rows, counting on only reads.
    return rows.order_by()[:most].count()


def _page_rows(rows: QuerySet, number: int, limit: int) -> QuerySet:
    return rows.filter(pk__gt=(number - 1) * limit, pk__lte=min(number * limit, MAX_PK))


def page_numbers(section: Section, limit: int) -> list[int]:
    """The numbers of the pages of `section` that hold rows, found from the primary key's
    index: the first and last key, then the first key of each page's range between them.

    Where the keys are so sparse that their span covers more than PAGES_ASKED_ONE_BY_ONE
    pages (a table most of whose rows are gone), the pages are read off every key instead:
    one walk of the index, and no query of thousands of subqueries (PostgreSQL takes at most
    1,664 columns). The index leaves out each page's last change: finding it would read every
    row, a million of them on a large site, and each page's URLs carry their own.
    """
    rows = section.rows()
    span = rows.aggregate(first=Min("pk"), last=Max("pk"))
    if span["last"] is None:
        return []
    pages = range(_page_of(span["first"], limit), _page_of(span["last"], limit) + 1)
    if len(pages) > PAGES_ASKED_ONE_BY_ONE:
        number = (F("pk") - 1) / limit + 1
        found = rows.order_by().annotate(n=number).values_list("n", flat=True).distinct()
        return sorted(found)
    # Ordered by key, each subquery reads the index from where its range begins; an EXISTS
    # would let the planner scan the table for a row, which may lie at its far end.
    asked = {
        f"p{n}": Subquery(_page_rows(rows, n, limit).order_by("pk").values("pk")[:1]) for n in pages
    }
    last_row = rows.model._default_manager.filter(pk=span["last"])
    found = next(iter(last_row.values(**asked)), {})
    return [n for n in pages if found.get(f"p{n}") is not None]


def _page_of(pk: int, limit: int) -> int:
    return (pk - 1) // limit + 1


def _list_entries(site_url: str) -> Iterator[Entry]:
    # They change with time too (talks move to the archive): no lastmod claims otherwise.
    return ((site_url + reverse(name), None) for name in LISTS)


def _entries(site_url: str, section: Section, rows: QuerySet) -> Iterator[Entry]:
    path = _path_format(section)
    for pk, slug, updated in rows.order_by("pk").values_list("pk", "slug", "updated"):
        yield site_url + path.format(pk=pk, slug=quote(slug, safe="")), updated


# Stand-ins that reverse() takes for the URL's arguments, replaced by each row's.
_MARKERS = {"pk": 918_273_645, "slug": "sitemap-slug-marker"}


def _path_format(section: Section) -> str:
    """The path of `section`'s pages as a str.format() pattern of pk and slug: reverse() is
    run once, not per row (it takes some 40 µs, two seconds at 50,000 URLs)."""
    path = reverse(section.url_name, kwargs={f: _MARKERS[f] for f in section.fields})
    # reverse() percent-encodes braces, so the path holds none but these.
    return path.replace(_MARKERS["slug"], "{slug}").replace(str(_MARKERS["pk"]), "{pk}")


def urlset(entries: Iterable[Entry]) -> bytes:
    """A sitemap (<urlset>) of `entries`."""
    return _document("urlset", "url", entries)


def sitemap_index(entries: Iterable[Entry]) -> bytes:
    """A sitemap index (<sitemapindex>) of the sitemaps `entries`."""
    return _document("sitemapindex", "sitemap", entries)


def _document(root: str, tag: str, entries: Iterable[Entry]) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">\n']
    for loc, lastmod in entries:
        if lastmod is None:
            parts.append(f"<{tag}><loc>{escape(loc)}</loc></{tag}>\n")
        else:
            # W3C Datetime, to the second; the database gives UTC times.
            stamp = lastmod.isoformat(timespec="seconds")
            parts.append(f"<{tag}><loc>{escape(loc)}</loc><lastmod>{stamp}</lastmod></{tag}>\n")
    parts.append(f"</{root}>\n")
    return "".join(parts).encode()
