"""The public pages through Django's test client."""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from seminars.models import Talk
from seminars.paging import cursor
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def soon(days=1, hour=14):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


# Upcoming


def test_upcoming_lists_talks_in_date_order_with_speakers_series_and_venue(client):
    series = make_series("Logic Seminar")
    ada = make_speaker("Ada Lovelace", affiliation="Analytical Society")
    later = make_talk(title="Later talk", start=soon(3), series=series)
    first = make_talk(
        title="First talk", start=soon(1), series=series, speakers=[ada], venue="Room 5"
    )
    page = html(client.get("/"))
    assert page.index("First talk") < page.index("Later talk")
    assert f'href="{first.get_absolute_url()}"' in page
    assert f'href="{later.get_absolute_url()}"' in page
    assert '<a href="/speakers/ada-lovelace/">Ada Lovelace</a>' in page
    assert "(Analytical Society)" in page
    assert f'href="{series.get_absolute_url()}">Logic Seminar</a>' in page
    assert "Room 5" in page


def test_upcoming_includes_a_talk_in_progress_and_not_a_finished_one(client):
    now = timezone.now()
    make_talk(title="Running now", start=now - dt.timedelta(minutes=20))
    make_talk(title="Finished", start=now - dt.timedelta(hours=3))
    page = html(client.get("/"))
    assert "Running now" in page
    assert "Finished" not in page


def test_upcoming_groups_talks_under_day_headings_in_the_site_zone(client):
    # 18:30 and 23:30 on one day, 00:30 on the next, in London time.
    base = timezone.localdate() + dt.timedelta(days=2)
    late = dt.datetime.combine(base, dt.time(23, 30), tzinfo=LONDON)
    make_talk(title="Late", start=late, duration=dt.timedelta(minutes=30))
    make_talk(title="After midnight", start=late + dt.timedelta(hours=1))
    make_talk(title="Same day late", start=late - dt.timedelta(hours=5))
    page = html(client.get("/"))
    headings = re.findall(r'<h2 class="day-heading"><time datetime="([\d-]+)">', page)
    assert headings == [base.isoformat(), (base + dt.timedelta(days=1)).isoformat()]
    first_day = page.split('<h2 class="day-heading">')[1]
    assert "Same day late" in first_day and "Late" in first_day
    assert "After midnight" not in first_day


def test_day_grouping_and_zone_abbreviation_follow_daylight_saving(client, settings):
    settings.TIME_ZONE = "Europe/London"
    # The last Sunday of October 2030 is the 27th: BST before, GMT after.
    before = dt.datetime(2030, 10, 26, 23, 30, tzinfo=dt.UTC)  # 00:30 BST on the 27th
    after = dt.datetime(2030, 10, 27, 12, 0, tzinfo=dt.UTC)  # 12:00 GMT on the 27th
    make_talk(title="Early", start=before)
    make_talk(title="Noon", start=after)
    page = html(client.get("/"))
    assert re.findall(r'<h2 class="day-heading"><time datetime="([\d-]+)">', page) == ["2030-10-27"]
    assert '<time datetime="2030-10-27T00:30:00+01:00">00:30</time>' in page
    assert '<time datetime="2030-10-27T12:00:00+00:00">12:00</time>' in page
    assert ">BST</abbr>" in page and ">GMT</abbr>" in page


def test_upcoming_is_paginated(client):
    series = make_series()
    for i in range(30):
        make_talk(title=f"Talk number {i:02d}", start=soon(1 + i), series=series)
    first = html(client.get("/"))
    second = html(client.get("/" + _link(first, "next")))
    assert "Talk number 00" in first and "Talk number 25" not in first
    assert "Talk number 25" in second and "Talk number 00" not in second
    assert _link(second, "prev") == "?page=1"
    assert 'rel="next"' not in second
    assert "Page 2" in second
    assert _titles(html(client.get("/?page=2"))) == _titles(second)  # an old link, by offset
    assert client.get("/?page=3").status_code == 404
    assert "Talk number 00" in html(client.get("/?page=nonsense"))


def _link(page: str, rel: str) -> str:
    return re.search(rf'rel="{rel}" href="([^"]*)"', page)[1].replace("&amp;", "&")


def _titles(page: str) -> list[str]:
    return re.findall(r"Talk number \d+", page)


def test_paging_on_and_back_by_cursor_walks_every_past_talk_once_in_order(client):
    series = make_series()
    for i in range(80):  # some at the same time: the id tells them apart
        make_talk(title=f"Talk number {i:02d}", start=soon(-(1 + i // 2)), series=series)
    pages, address = [], "/archive/"
    while True:
        page = html(client.get(address))
        pages.append(page)
        if 'rel="next"' not in page:
            break
        address = "/archive/" + _link(page, "next")
    assert [f"Page {n}" in page for n, page in enumerate(pages, 1)] == [True] * 4
    seen = [title for page in pages for title in _titles(page)]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 80
    assert [Talk.objects.get(title=t).start for t in seen] == sorted(
        (Talk.objects.get(title=t).start for t in seen), reverse=True
    )
    for n in (4, 3):  # back from the last page, by cursor, to the same pages
        back = html(client.get("/archive/" + _link(pages[n - 1], "prev")))
        assert _titles(back) == _titles(pages[n - 2])
        assert f"Page {n - 1}" in back


def test_a_deep_page_by_cursor_asks_the_queries_of_the_second(client, django_assert_num_queries):
    series = make_series()
    for i in range(120):
        make_talk(start=soon(1 + i), series=series)
    second = html(client.get("/"))
    with CaptureQueriesContext(connection) as at_second:
        client.get("/" + _link(second, "next"))
    deep = Talk.objects.upcoming()[100]
    with CaptureQueriesContext(connection) as deeper:
        response = client.get("/", {"page": 5, "after": cursor(deep)})
    assert response.status_code == 200
    assert len(deeper.captured_queries) == len(at_second.captured_queries)
    assert not any(" OFFSET " in q["sql"] for q in deeper.captured_queries)


@pytest.mark.parametrize("value", ["", "x", "1.2.3", "99999999999999999999.1", "1." + "9" * 19])
def test_a_cursor_that_is_not_ours_is_a_404(client, value):
    make_talk(start=soon(1))
    for name in ("after", "before"):
        assert client.get("/", {name: value}).status_code == 404
        assert client.get("/archive/", {name: value}).status_code == 404


def test_upcoming_filters_by_series(client):
    logic, algebra = make_series("Logic"), make_series("Algebra")
    make_talk(title="Logic talk", series=logic, start=soon())
    make_talk(title="Algebra talk", series=algebra, start=soon())
    page = html(client.get("/", {"series": logic.slug}))
    assert "Logic talk" in page and "Algebra talk" not in page
    assert f'href="/series/{logic.slug}.ics"' in page
    assert client.get("/", {"series": "no-such-series"}).status_code == 404


def test_cancelled_talks_are_marked(client):
    make_talk(title="Called off", start=soon(), status=Talk.Status.CANCELLED)
    page = html(client.get("/"))
    assert 'class="talk is-cancelled"' in page
    assert '<strong class="badge">Cancelled</strong>' in page


# Archive


def test_archive_lists_past_talks_newest_first_and_by_year(client):
    make_talk(title="Old 2021", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    make_talk(title="Newer 2023", start=dt.datetime(2023, 5, 1, 10, tzinfo=dt.UTC))
    make_talk(title="Future", start=soon())
    page = html(client.get(reverse("seminars:archive")))
    assert page.index("Newer 2023") < page.index("Old 2021")
    assert "Future" not in page
    assert 'href="/archive/2023/"' in page and 'href="/archive/2021/"' in page
    year = html(client.get("/archive/2021/"))
    assert "Old 2021" in year and "Newer 2023" not in year


# Talk page


def test_talk_page_shows_everything_about_the_talk(client):
    speaker = make_speaker("Grace Hopper", affiliation="Navy")
    talk = make_talk(
        title="Compilers",
        start=dt.datetime(2030, 6, 3, 13, 0, tzinfo=dt.UTC),
        speakers=[speaker],
        venue="Hall A",
        abstract="First paragraph with https://example.org/slides.\n\nSecond paragraph.",
        url="https://example.org/talk",
        contact="Ann Organiser",
    )
    page = html(client.get(talk.get_absolute_url()))
    assert "<h1>Compilers</h1>" in page
    assert (
        '<a href="/speakers/grace-hopper/">Grace Hopper</a>, <span class="affiliation">Navy</span>'
        in page
    )
    assert f'<a href="{talk.series.get_absolute_url()}">{talk.series.name}</a>' in page
    assert '<time datetime="2030-06-03T14:00:00+01:00">Mon 3 Jun 2030, 14:00</time>' in page
    assert '<time datetime="2030-06-03T15:00:00+01:00">15:00</time>' in page
    assert ">BST</abbr>" in page
    assert (
        '<p>First paragraph with <a href="https://example.org/slides" rel="nofollow">https://example.org/slides</a>.</p>'
        in page
    )
    assert "<p>Second paragraph.</p>" in page
    assert '<a href="https://example.org/talk" rel="noopener nofollow">' in page
    assert "Ann Organiser" in page and "Hall A" in page
    assert f'href="/talks/{talk.pk}.ics"' in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "dates=20300603T130000Z%2F20300603T140000Z" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert '<meta property="og:title" content="Compilers">' in page


def test_talk_page_has_schema_org_event_data_with_its_status(client):
    talk = make_talk(
        title="Gone", start=soon(), status=Talk.Status.CANCELLED, speakers=[make_speaker("Ann")]
    )
    page = html(client.get(talk.get_absolute_url()))
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["@type"] == "Event"
    assert data["name"] == "Gone"
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["performer"] == [{"@type": "Person", "name": "Ann"}]
    assert 'class="banner"' in page and "Cancelled." in page


def test_all_day_talk_shows_dates_not_times(client):
    start = dt.datetime(2030, 7, 1, tzinfo=LONDON)
    talk = make_talk(
        title="Summer school", start=start, all_day=True, duration=dt.timedelta(days=3)
    )
    page = html(client.get(talk.get_absolute_url()))
    first = '<time datetime="2030-07-01">Mon 1 Jul 2030</time>'
    last = '<time datetime="2030-07-03">Wed 3 Jul 2030</time>'
    assert f"{first} – {last}" in page
    assert ", all day" in page
    assert "00:00" not in page


def test_stale_slug_redirects_to_the_canonical_url(client):
    talk = make_talk(title="New title")
    response = client.get(f"/talks/{talk.pk}/old-title/")
    assert response.status_code == 301
    assert response["Location"] == f"/talks/{talk.pk}/new-title/"
    assert client.get(f"/talks/{talk.pk}/")["Location"] == f"/talks/{talk.pk}/new-title/"


@pytest.mark.parametrize(
    "url", ["/talks/999999/x/", "/series/nope/", "/speakers/nope/", "/archive/1999/x/"]
)
def test_missing_things_are_friendly_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# Hostile text from feeds


def test_hostile_text_is_escaped_everywhere(client):
    evil = make_speaker('<script>alert("s")</script>', affiliation='"><img src=x onerror=alert(1)>')
    series = make_series('<b onmouseover="x">S</b>')
    talk = make_talk(
        title='<script>alert("t")</script>',
        abstract="<img src=x onerror=alert(2)> and javascript:alert(3)",
        venue='"><svg onload=alert(4)>',
        url="javascript:alert(5)",
        contact='<a href="javascript:alert(6)">c</a>',
        series=series,
        speakers=[evil],
        start=soon(),
    )
    pages = [
        html(client.get("/")),
        html(client.get(talk.get_absolute_url())),
        html(client.get(series.get_absolute_url())),
        html(client.get(evil.get_absolute_url())),
        html(client.get("/search/", {"q": "script"})),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<svg" not in page
        assert 'href="javascript:' not in page
        assert "<b onmouseover" not in page
    talk_page = pages[1]
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in talk_page
    assert "\\u003C/script\\u003E" in talk_page  # inside JSON-LD


# Series and speakers


def test_series_index_lists_series_with_counts(client):
    series = make_series("Number Theory", description="Primes and more.")
    make_talk(series=series, start=soon())
    make_talk(series=series, start=timezone.now() - dt.timedelta(days=3))
    page = html(client.get("/series/"))
    assert '<a href="/series/number-theory/">Number Theory</a>' in page
    assert "1 upcoming, 2 in all" in page


def test_series_page_has_upcoming_past_and_a_subscribe_block(client):
    series = make_series("Number Theory", description="Primes and more.")
    make_talk(title="Coming", series=series, start=soon())
    make_talk(title="Been", series=series, start=timezone.now() - dt.timedelta(days=3))
    page = html(client.get(series.get_absolute_url()))
    assert "Primes and more." in page
    assert page.index("Coming") < page.index("Been")
    assert 'href="webcal://testserver/series/number-theory.ics"' in page
    assert 'href="http://testserver/series/number-theory.ics"' in page
    assert (
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftestserver%2Fseries%2Fnumber-theory.ics"
        in page
    )
    assert "https://outlook.live.com/calendar/0/addfromweb?url=" in page


def test_speaker_page_lists_their_talks(client):
    speaker = make_speaker(
        "Emmy Noether", affiliation="Göttingen", homepage="https://example.org/emmy"
    )
    make_talk(title="Rings", speakers=[speaker], start=soon())
    make_talk(title="Ideals", speakers=[speaker], start=timezone.now() - dt.timedelta(days=30))
    make_talk(title="Someone else's")
    page = html(client.get(speaker.get_absolute_url()))
    assert "Göttingen" in page and 'href="https://example.org/emmy"' in page
    assert "Rings" in page and "Ideals" in page and "Someone else" not in page


# Feeds declared, sitemap, robots


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        (
            "home",
            'type="text/calendar" title="All talks (iCalendar)" href="/talks.ics">',
        ),
        (
            "home",
            'type="application/atom+xml" title="Upcoming talks (Atom)" href="/upcoming.atom">',
        ),
        ("talk", 'type="text/calendar" title="This talk (iCalendar)" href="/talks/{talk}.ics">'),
        ("series", 'type="text/calendar" title="S (iCalendar)" href="/series/s.ics">'),
        ("series", 'type="application/atom+xml" title="S (Atom)" href="/series/s.atom">'),
        (
            "speaker",
            'type="text/calendar" title="Talks by Ann (iCalendar)" href="/speakers/ann.ics">',
        ),
    ],
)
def test_pages_declare_their_feeds_in_the_head(client, url_name, expected):
    series = make_series("S", slug="s")
    speaker = make_speaker("Ann", slug="ann")
    talk = make_talk(series=series, speakers=[speaker])
    urls = {
        "home": "/",
        "talk": talk.get_absolute_url(),
        "series": series.get_absolute_url(),
        "speaker": speaker.get_absolute_url(),
    }
    page = html(client.get(urls[url_name]))
    head = page.split("</head>")[0]
    assert expected.format(talk=talk.pk) in head


def test_atom_feeds_list_upcoming_talks(client):
    series = make_series("S", slug="s")
    make_talk(title="Next up", series=series, speakers=[make_speaker("Ann")], start=soon())
    make_talk(title="Elsewhere", start=soon())
    site = client.get("/upcoming.atom")
    assert site["Content-Type"].startswith("application/atom+xml")
    assert "<title>Next up (Ann)</title>" in site.content.decode()
    series_feed = client.get("/series/s.atom").content.decode()
    assert "Next up" in series_feed and "Elsewhere" not in series_feed


def test_sitemap_lists_talks_series_and_speakers(client):
    talk = make_talk(speakers=[make_speaker("Ann", slug="ann")])
    body = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://testserver{talk.get_absolute_url()}</loc>" in body
    assert f"<loc>http://testserver{talk.series.get_absolute_url()}</loc>" in body
    assert "<loc>http://testserver/speakers/ann/</loc>" in body


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Sitemap: http://testserver/sitemap.xml",
    ]


def test_every_page_links_the_svg_favicon(client):
    talk = make_talk()
    for url in ("/", talk.get_absolute_url(), "/search/", "/no-such-page/"):
        page = client.get(url).content.decode()
        assert '<link rel="icon" href="/static/seminars/favicon.svg" type="image/svg+xml">' in page


@pytest.mark.parametrize("method", ["get", "head"])
def test_favicon_ico_sends_browsers_to_the_svg_icon(client, method):
    response = getattr(client, method)("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/seminars/favicon.svg")

    icon = client.get(response["Location"])
    assert (icon.status_code, icon["Content-Type"]) == (200, "image/svg+xml")
    assert b"".join(icon.streaming_content).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


# Query counts: the same at 1 and at 200 talks


def _fill(n, series, speakers):
    for i in range(n):
        make_talk(
            title=f"T{i}",
            series=series,
            speakers=speakers,
            start=timezone.now() + dt.timedelta(hours=5 * (i - n // 2)),
        )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?series=s",
        "/archive/",
        "/series/",
        "/series/s/",
        "/speakers/ann/",
        "/search/?q=T1",
        "/upcoming.atom",
        "/series/s.atom",
        "/sitemap.xml",
    ],
)
def test_page_query_count_is_the_same_for_1_and_200_talks(client, url, django_assert_num_queries):
    series = make_series("S", slug="s")
    speakers = [make_speaker("Ann", slug="ann"), make_speaker("Bo", slug="bo")]
    _fill(2, series, speakers)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(200, series, speakers)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_talk_page_query_count_does_not_grow_with_speakers(client, django_assert_num_queries):
    one = make_talk(speakers=[make_speaker()])
    many = make_talk(speakers=[make_speaker() for _ in range(8)])
    # The content version (for the page cache), then the talk, then its speakers.
    with django_assert_num_queries(3):
        client.get(one.get_absolute_url())
    with django_assert_num_queries(3):
        client.get(many.get_absolute_url())


def test_server_error_page_renders_in_the_site_style(rf):
    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in body
    assert "/static/seminars/site.css" in body


# Addresses no page has: 404, never 500


@pytest.mark.parametrize(
    "url",
    [
        "/?page=99999999999999999999999",
        "/?series=s&page=99999999999999999999999",
        "/archive/?page=100000000000000000000",
        "/archive/2021/?page=100000000000000000000",
        "/archive/0/",
        "/archive/10000/",
        "/archive/99999999999999999999/",
    ],
)
def test_page_numbers_and_years_beyond_any_talk_are_404s(client, url):
    series = make_series("S", slug="s")
    make_talk(title="Old", series=series, start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    make_talk(title="Soon", series=series, start=soon())
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_archive_lists_only_years_with_past_talks(client):
    make_talk(title="Old 2021", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    make_talk(title="Newer 2023", start=dt.datetime(2023, 5, 1, 10, tzinfo=dt.UTC))
    next_year = timezone.localdate().year + 1
    make_talk(title="Next year", start=dt.datetime(next_year, 6, 1, 10, tzinfo=dt.UTC))
    page = html(client.get("/archive/"))
    assert re.findall(r'href="/archive/(\d+)/"', page) == ["2023", "2021"]
    for year in (2022, 2020, next_year):
        assert client.get(f"/archive/{year}/").status_code == 404


def test_archive_years_are_years_of_the_site_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    new_years_eve = dt.datetime(2021, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    make_talk(title="Last of 2021", start=new_years_eve)  # 2022 in UTC
    assert Talk.objects.past().years() == [2021]
    assert "Last of 2021" in html(client.get("/archive/2021/"))
    assert client.get("/archive/2022/").status_code == 404


def test_archive_year_query_count_is_the_same_for_1_and_200_talks(
    client, django_assert_num_queries
):
    series, speaker = make_series(), make_speaker()
    new_year = dt.datetime(2021, 1, 1, 12, tzinfo=dt.UTC)
    make_talk(series=series, speakers=[speaker], start=new_year)
    with CaptureQueriesContext(connection) as small:
        html(client.get("/archive/2021/"))
    for day in range(1, 200):
        start = new_year + dt.timedelta(days=day * 2)  # over 2021 and 2022
        make_talk(series=series, speakers=[speaker], start=start)
    with django_assert_num_queries(len(small.captured_queries)):
        html(client.get("/archive/2021/"))


# Talks dated at the ends of what a datetime can hold (typed in, or stored before the importer
# refused them): in the site's zone they may fall before year 1 or after year 9999.

EDGE_ZONES = ["Europe/London", "Asia/Tokyo", "America/New_York"]
YEAR_1 = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
YEAR_9999 = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("zone", EDGE_ZONES)
def test_archive_years_count_talks_at_the_ends_of_time_in_the_first_and_last_year(settings, zone):
    settings.TIME_ZONE = zone
    make_talk(title="Year one", start=YEAR_1, duration=None)
    make_talk(title="Year 9999", start=YEAR_9999, duration=None)
    make_talk(title="Recent", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    assert Talk.objects.years() == [9999, 2021, 1]
    assert Talk.objects.past().years() == [2021, 1]


@pytest.mark.parametrize("zone", EDGE_ZONES)
def test_archive_year_pages_find_talks_at_the_ends_of_time(client, settings, zone):
    settings.TIME_ZONE = zone
    make_talk(title="Year one", start=YEAR_1, duration=None)
    make_talk(title="Year 9999", start=YEAR_9999, duration=None)
    make_talk(title="Recent", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    archive = html(client.get("/archive/"))
    assert re.findall(r'href="/archive/(\d+)/"', archive) == ["2021", "1"]
    year_one = html(client.get("/archive/1/"))
    assert "Year one" in year_one and "Recent" not in year_one
    assert "Recent" in html(client.get("/archive/2021/"))
    assert client.get("/archive/9999/").status_code == 404  # not past yet


def test_the_home_page_offers_a_series_menu_up_to_60_series_and_a_link_to_them_all_beyond(
    client,
):
    for i in range(60):
        make_talk(series=make_series(f"Series {i:02d}"), start=soon(1))
    page = html(client.get("/"))
    assert page.count("<option value=") == 61  # "All series" and each
    make_talk(series=make_series("One too many"), start=soon(1))
    page = html(client.get("/"))
    assert 'id="series-filter"' not in page
    assert f'href="{reverse("seminars:series_list")}">Choose a series</a>' in page


def test_the_series_list_pages_by_name_with_each_series_counts(client):
    for i in range(101):
        series = make_series(f"Series {i:03d}")
        make_talk(series=series, start=soon(1))
        make_talk(series=series, start=soon(-1))
    first, second = html(client.get("/series/")), html(client.get("/series/?page=2"))
    assert "Series 000" in first and "Series 099" in first and "Series 100" not in first
    assert "Series 100" in second and "Series 000" not in second
    assert first.count("1 upcoming, 2 in all") == 100
    assert 'rel="next" href="?page=2"' in first and 'rel="prev" href="?page=1"' in second


def test_the_series_list_asks_the_same_queries_for_2_and_40_series(client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/series/").status_code == 200
        return len(captured.captured_queries)

    for i in range(2):
        make_talk(series=make_series(f"Small {i}"), start=soon(1))
    few = queries()
    for i in range(38):
        make_talk(series=make_series(f"More {i}"), start=soon(1))
    assert queries() == few
