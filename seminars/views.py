"""Public pages. Each view asks a QuerySet method and renders; nothing more."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import calendar_links, joining, materials
from .caching import cached_page
from .models import Series, Speaker, Talk
from .paging import page_of, talk_page
from .registration import registering
from .search import search_talks
from .structured_data import talk_event

PAGE_SIZE = 25
SERIES_MENU_SIZE = 60  # series the home page's filter lists; with more it links to them all
SERIES_PAGE_SIZE = 100  # series a page of /series/ lists
SIDE_LIST_SIZE = 20  # talks of one series or speaker shown on its page, each way


def _page(request, talks, *, descending=False, keep=()):
    return talk_page(talks, request.GET, size=PAGE_SIZE, descending=descending, keep=keep)


@cached_page
def upcoming(request):
    talks = Talk.objects.upcoming().with_speakers()
    series = None
    if request.GET.get("series"):
        series = get_object_or_404(Series.objects.by_slugs([request.GET["series"]]))
        talks = talks.filter(series=series)
    page = _page(request, talks, keep=[("series", series.slug)] if series else [])
    menu = list(Series.objects.listed().only("name", "slug")[: SERIES_MENU_SIZE + 1])
    return render(
        request,
        "seminars/upcoming.html",
        {
            "page": page,
            "talks": page.object_list,
            "series": series,
            # Past a few dozen a menu is no way to choose; the series page lists them all.
            "all_series": menu if len(menu) <= SERIES_MENU_SIZE else None,
            "query": urlencode({"series": series.slug}) if series else "",
            "nav": "upcoming",
        },
    )


@cached_page
def archive(request, year=None):
    years = Talk.objects.past().years()
    talks = Talk.objects.past().with_speakers()
    if year is not None:
        if year not in years:
            raise Http404("No past talks that year.")
        talks = talks.in_year(year)
    page = _page(request, talks, descending=True)
    return render(
        request,
        "seminars/archive.html",
        {
            "page": page,
            "talks": page.object_list,
            "year": year,
            "years": years,
            "nav": "archive",
        },
    )


@cached_page
def talk_detail(request, pk, slug=None):
    talk = get_object_or_404(Talk.objects.with_speakers(), pk=pk)
    if slug != talk.slug:
        return redirect(talk, permanent=True)
    page_url = request.build_absolute_uri(talk.get_absolute_url())
    return render(
        request,
        "seminars/talk_detail.html",
        {
            "talk": talk,
            "page_url": page_url,
            "google_url": calendar_links.google_event_url(talk, page_url=page_url),
            "outlook_url": calendar_links.outlook_event_url(talk, page_url=page_url),
            "event_data": talk_event(talk, page_url=page_url),
            "is_past": talk.is_over(),
            **joining.page_context(talk),
            **registering.page_context(talk),
        },
    )


@require_GET
def talk_slides(request, pk):
    """A talk's uploaded slides, as a download named after the talk, once it is over."""
    talk = get_object_or_404(Talk.objects.only("pk", "slug", "start", "end", "slides_file"), pk=pk)
    if not talk.slides_file or not materials.public(talk):
        raise Http404("No slides for this talk (yet).")
    try:
        handle = talk.slides_file.open("rb")
    except OSError as error:  # gone from the storage
        raise Http404("The slides' file is missing.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=materials.download_name(talk),
        content_type="application/pdf",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_GET
def speaker_photo(request, slug):
    """A speaker's photo: a JPEG of our own making (seminars.photos), cached for long, as
    its address changes with it."""
    speaker = get_object_or_404(Speaker.objects.only("pk", "slug", "photo"), slug=slug)
    if not speaker.photo:
        raise Http404("This speaker has no photo.")
    try:
        handle = speaker.photo.open("rb")
    except OSError as error:  # gone from the storage
        raise Http404("The photo's file is missing.") from error
    response = FileResponse(handle, content_type="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@cached_page
def series_list(request):
    # A page of series by name, then the counts of those alone: counting talks for every
    # series before choosing a page would read them all.
    page = page_of(
        Series.objects.listed().order_by("name", "pk"),
        request.GET.get("page"),
        size=SERIES_PAGE_SIZE,
    )
    # Names are unique: the counted series keep the page's order, by name.
    series_list = Series.objects.filter(pk__in=[s.pk for s in page.object_list])
    return render(
        request,
        "seminars/series_list.html",
        {"series_list": series_list.with_talk_counts(), "page": page, "nav": "series"},
    )


@cached_page
def series_detail(request, slug):
    series = Series.objects.filter(slug=slug).first()
    if series is None:  # a renamed series' old address
        return redirect(get_object_or_404(Series.objects.by_slugs([slug])), permanent=True)
    talks = series.talks.with_speakers()
    return render(
        request,
        "seminars/series_detail.html",
        {
            "series": series,
            "nav": "series",
            "upcoming": talks.upcoming()[:SIDE_LIST_SIZE],
            "past": talks.past()[:SIDE_LIST_SIZE],
            "list_size": SIDE_LIST_SIZE,
        },
    )


@cached_page
def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    talks = speaker.talks.with_speakers()
    return render(
        request,
        "seminars/speaker_detail.html",
        {
            "speaker": speaker,
            "upcoming": talks.upcoming()[:SIDE_LIST_SIZE],
            "past": talks.past()[:SIDE_LIST_SIZE],
        },
    )


@cached_page
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    # Search results are counted: "12 talks found" is worth one query.
    results = search_talks(query) if query else None
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page")) if query else None
    return render(
        request,
        "seminars/search.html",
        {
            "q": query,
            "page": page,
            "talks": page.object_list if page else [],
            "query": urlencode({"q": query}) if query else "",
            "nav": "search",
        },
    )


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
