"""The read-only JSON API: its shape, filters, paging, caching, CORS, cookies and queries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.models import Talk
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

TALK_KEYS = {
    "id",
    "uid",
    "title",
    "start",
    "end",
    "all_day",
    "status",
    "series",
    "speakers",
    "venue",
    "attendance",
    "online",
    "abstract",
    "url",
    "ics_url",
}
SERIES_KEYS = {"name", "slug", "description", "contact", "urls", "upcoming_count"}
SPEAKER_KEYS = {"name", "slug", "affiliation", "homepage", "url", "ics_url", "upcoming", "recent"}


def soon(days=1, hour=14, minute=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def get(client, url, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    return response.json()


def titles(client, **params) -> list[str]:
    return [talk["title"] for talk in get(client, "/api/talks.json", **params)["talks"]]


@pytest.fixture
def logic():
    """Two series; Ada speaks first at an upcoming talk and a past one."""
    logic = make_series(
        "Logic Seminar", slug="logic", description="Proofs.", contact="ann@example.org"
    )
    make_series("Algebra Colloquium", slug="algebra")
    ada = make_speaker("Ada Lovelace", slug="ada", affiliation="Analytical Society")
    bo = make_speaker("Bo Bell", slug="bo", homepage="https://example.org/bo")
    talk = make_talk(
        title="Proofs as programs",
        series=logic,
        speakers=[ada, bo],
        start=soon(1),
        venue="Room 5",
        abstract="How a proof\n\nbecomes a program.",
        uid="proofs@example.org",
    )
    make_talk(title="Long ago", series=logic, speakers=[ada], start=soon(-30))
    return talk


# The shape


def test_talks_have_exactly_these_fields(client, logic):
    data = get(client, "/api/talks.json")
    assert set(data) == {"talks", "next"}
    (talk,) = data["talks"]
    assert set(talk) == TALK_KEYS
    start = soon(1)
    assert talk == {
        "id": logic.pk,
        "uid": "proofs@example.org",
        "title": "Proofs as programs",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "all_day": False,
        "status": "confirmed",
        "series": {
            "name": "Logic Seminar",
            "slug": "logic",
            "url": "http://testserver/series/logic/",
        },
        "speakers": [
            {
                "name": "Ada Lovelace",
                "slug": "ada",
                "affiliation": "Analytical Society",
                "url": "http://testserver/speakers/ada/",
            },
            {
                "name": "Bo Bell",
                "slug": "bo",
                "affiliation": "",
                "url": "http://testserver/speakers/bo/",
            },
        ],
        "venue": "Room 5",
        "attendance": "in person",
        "online": {"join": "", "livestream": "", "recording": "", "slides": ""},
        "abstract": "How a proof\n\nbecomes a program.",
        "url": f"http://testserver{logic.get_absolute_url()}",
        "ics_url": f"http://testserver/talks/{logic.pk}.ics",
    }


def test_series_have_exactly_these_fields(client, logic):
    make_talk(series=logic.series, start=soon(-1, hour=0), duration=dt.timedelta(days=3))
    data = get(client, "/api/series.json")
    assert set(data) == {"series"}
    algebra, series = data["series"]  # by name
    assert set(series) == set(algebra) == SERIES_KEYS
    assert series == {
        "name": "Logic Seminar",
        "slug": "logic",
        "description": "Proofs.",
        "contact": "ann@example.org",
        "urls": {
            "page": "http://testserver/series/logic/",
            "ics": "http://testserver/series/logic.ics",
            "atom": "http://testserver/series/logic.atom",
            "embed": "http://testserver/embed/series/logic/",
        },
        "upcoming_count": 2,  # the one to come and the one in progress, not the past one
    }
    assert algebra["upcoming_count"] == 0


def test_a_speaker_has_exactly_these_fields_with_upcoming_and_recent_talks(client, logic):
    data = get(client, "/api/speakers/ada.json")
    assert set(data) == SPEAKER_KEYS
    assert {k: v for k, v in data.items() if k not in ("upcoming", "recent")} == {
        "name": "Ada Lovelace",
        "slug": "ada",
        "affiliation": "Analytical Society",
        "homepage": "",
        "url": "http://testserver/speakers/ada/",
        "ics_url": "http://testserver/speakers/ada.ics",
    }
    assert [talk["title"] for talk in data["upcoming"]] == ["Proofs as programs"]
    assert [talk["title"] for talk in data["recent"]] == ["Long ago"]
    assert set(data["recent"][0]) == TALK_KEYS


def test_an_unknown_speaker_is_a_json_404(client):
    assert get(client, "/api/speakers/nobody.json", 404) == {"error": "No speaker with that slug."}


# Times


def test_times_are_iso_8601_with_the_offset_of_the_site_zone(client, settings):
    settings.TIME_ZONE = "America/New_York"
    make_talk(start=dt.datetime(2030, 1, 15, 17, 0, tzinfo=dt.UTC), end=None, duration=None)
    (talk,) = get(client, "/api/talks.json", **{"from": "2030-01-15"})["talks"]
    assert (talk["start"], talk["end"]) == ("2030-01-15T12:00:00-05:00", None)


def test_all_day_talks_are_dates_ending_on_the_last_day(client):
    first = timezone.localdate() + dt.timedelta(days=3)
    make_talk(
        start=dt.datetime.combine(first, dt.time(0), tzinfo=LONDON),
        duration=dt.timedelta(days=2),
        all_day=True,
    )
    (talk,) = get(client, "/api/talks.json")["talks"]
    last = first + dt.timedelta(days=1)
    assert (talk["start"], talk["end"], talk["all_day"]) == (
        first.isoformat(),
        last.isoformat(),
        True,
    )


# Filters


def test_default_is_talks_not_yet_over_soonest_first_then_by_id(client):
    now = timezone.now()
    make_talk(title="Over", start=now - dt.timedelta(hours=3))
    make_talk(title="Later", start=soon(5))
    make_talk(title="Twin A", start=soon(2))
    make_talk(title="Twin B", start=soon(2))
    make_talk(title="Running", start=now - dt.timedelta(minutes=20))
    assert titles(client) == ["Running", "Twin A", "Twin B", "Later"]


def test_from_and_to_are_inclusive_days_of_the_site_zone(client):
    day = dt.date(2031, 6, 10)
    for title, start in [
        ("Too early", dt.datetime(2031, 6, 9, 23, 30, tzinfo=LONDON)),
        ("First day", dt.datetime(2031, 6, 10, 0, 0, tzinfo=LONDON)),
        ("Last day late", dt.datetime(2031, 6, 11, 23, 30, tzinfo=LONDON)),
        ("Too late", dt.datetime(2031, 6, 12, 0, 0, tzinfo=LONDON)),
    ]:
        make_talk(title=title, start=start)
    until = (day + dt.timedelta(days=1)).isoformat()
    assert titles(client, **{"from": day.isoformat(), "to": until}) == [
        "First day",
        "Last day late",
    ]
    assert titles(client, **{"from": until}) == ["Last day late", "Too late"]


def test_from_in_the_past_includes_past_talks(client):
    make_talk(title="Past", start=soon(-10))
    make_talk(title="Soon", start=soon(1))
    from_day = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    assert titles(client, **{"from": from_day}) == ["Past", "Soon"]
    assert titles(client, to=timezone.localdate().isoformat()) == ["Past"]


def test_dates_at_the_ends_of_the_calendar_are_accepted(client):
    make_talk(title="Soon", start=soon(1))
    assert titles(client, **{"from": "0001-01-01", "to": "9999-12-31"}) == ["Soon"]


def test_filters_by_several_series_speaker_and_status(client, logic):
    rings = make_talk(title="Rings", series=logic.series, start=soon(2))
    make_talk(title="Elsewhere", series=make_series(slug="other"), start=soon(3))
    make_talk(title="Not chosen", start=soon(4))
    assert titles(client, series="logic,other") == ["Proofs as programs", "Rings", "Elsewhere"]
    assert titles(client, series="logic", speaker="bo") == ["Proofs as programs"]
    Talk.objects.filter(pk=rings.pk).cancel()
    assert titles(client, series="logic", status="cancelled") == ["Rings"]
    assert titles(client, series="logic", status="confirmed") == ["Proofs as programs"]


def test_series_are_read_from_repeated_values_and_old_slugs_as_elsewhere(client, logic):
    make_talk(title="Elsewhere", series=make_series(slug="other"), start=soon(3))
    logic.series.slug = "logic-seminar"
    logic.series.save()
    assert titles(client, series=["logic", "other"]) == ["Proofs as programs", "Elsewhere"]
    assert titles(client, series="logic,,") == ["Proofs as programs"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"from": "2030-13-01"}, "from"),
        ({"from": "tomorrow"}, "from"),
        ({"from": "20300101"}, "from"),
        ({"to": "2030-01-01T10:00"}, "to"),
        ({"from": "2030-02-01", "to": "2030-01-31"}, "to"),
        ({"status": "postponed"}, "status"),
        ({"series": "logic,nope"}, "series"),
        ({"series": ""}, "series"),
        ({"series": ",".join(f"s{i}" for i in range(21))}, "series"),
        ({"speaker": "nobody"}, "speaker"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page": "²"}, "page"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(client, logic, params, parameter):
    data = get(client, "/api/talks.json", 400, **params)
    assert data["parameter"] == parameter
    assert set(data) == {"error", "parameter"}
    assert data["error"]


# Paging


def test_pages_follow_next_links_in_a_stable_order(client):
    for day in (3, 1, 2, 2, 5):
        make_talk(start=soon(day))
    expected = list(Talk.objects.order_by("start", "id").values_list("title", flat=True))
    for first in ({"limit": "2"}, {"limit": "2", "page": "1"}):  # by cursor, by page number
        data = get(client, "/api/talks.json", **first)
        seen = [talk["title"] for talk in data["talks"]]
        while data["next"]:
            data = client.get(data["next"]).json()
            seen += [talk["title"] for talk in data["talks"]]
        assert seen == expected
    assert get(client, "/api/talks.json", limit="2", page="9") == {"talks": [], "next": None}


def test_next_links_carry_a_cursor_and_old_page_links_page_on_by_number(client):
    for day in (3, 1, 2, 2, 5):
        make_talk(start=soon(day))
    two = list(Talk.objects.order_by("start", "id")[:2])
    us = (two[1].start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    data = get(client, "/api/talks.json", limit="2")
    assert data["next"] == f"http://testserver/api/talks.json?limit=2&after={us}.{two[1].pk}"
    data = get(client, "/api/talks.json", limit="2", page="2")
    assert data["next"] == "http://testserver/api/talks.json?limit=2&page=3"


@pytest.mark.parametrize(
    "after",
    ["x", "1.2.3", "", "9" * 19 + ".1", "1." + "9" * 19, "-" + "9" * 19 + ".1", "1e5.2", " 1.2"],
)
def test_a_bad_cursor_is_a_400_naming_it(client, after):
    response = client.get("/api/talks.json", {"after": after})
    assert response.status_code == 400
    assert response.json()["parameter"] == "after"


def test_a_cursor_and_a_page_number_together_are_refused(client):
    response = client.get("/api/talks.json", {"after": "0.1", "page": "2"})
    assert response.status_code == 400
    assert response.json() == {"error": "Give 'after' or 'page', not both.", "parameter": "after"}


def test_a_deep_cursor_page_asks_the_same_queries_as_the_first_and_counts_no_rows_off(client):
    series = make_series()
    for hour in range(30):
        make_talk(series=series, start=soon(1) + dt.timedelta(hours=hour))
    data, cursors = get(client, "/api/talks.json", limit="2"), []
    while data["next"]:
        cursors.append(data["next"].split("after=")[1])
        data = client.get(data["next"]).json()
    assert len(cursors) == 14
    counts = []
    for params in ({"limit": "2"}, {"limit": "2", "after": cursors[-1]}):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/talks.json", params).status_code == 200
        counts.append(len(queries))
        assert not [q for q in queries if "OFFSET" in q["sql"].upper()]
    assert counts[0] == counts[1]


def test_the_page_size_is_50(client):
    series = make_series()
    for hour in range(51):
        make_talk(series=series, start=soon(1) + dt.timedelta(hours=hour))
    data = get(client, "/api/talks.json")
    assert len(data["talks"]) == 50
    assert data["next"].startswith("http://testserver/api/talks.json?after=")


# HTTP: methods, CORS, cookies, validators, headers


def test_every_answer_may_be_read_from_any_origin(client, logic):
    for response in (
        client.get("/api/talks.json"),
        client.get("/api/talks.json", {"from": "x"}),
        client.get("/api/series.json"),
        client.get("/api/speakers/nobody.json"),
        client.options("/api/talks.json"),
        client.post("/api/talks.json"),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_options_says_get_and_head_and_other_methods_are_405(logic):
    client = Client(enforce_csrf_checks=True)
    response = client.options("/api/series.json")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    for method in (client.post, client.put, client.delete, client.patch):
        response = method("/api/talks.json")
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert response.json() == {"error": "Only GET and HEAD are allowed."}
    assert client.head("/api/talks.json").status_code == 200


@pytest.mark.parametrize("url", ["/api/talks.json", "/api/series.json", "/api/speakers/ada.json"])
def test_no_cookie_is_set_or_varied_on_even_for_a_logged_in_visitor(admin_client, logic, url):
    admin_client.cookies["csrftoken"] = "x" * 32
    response = admin_client.get(url)
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


@pytest.mark.parametrize("url", ["/api/talks.json", "/api/series.json", "/api/speakers/ada.json"])
def test_a_request_with_the_etag_gets_a_304(client, logic, url):
    response = client.get(url)
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "public, max-age=60"
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.headers["ETag"] == etag
    assert not_modified.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_changes_with_the_body(client, logic):
    before = client.get("/api/talks.json").headers["ETag"]
    logic.title = "Renamed"
    logic.save()
    after = client.get("/api/talks.json", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before
    assert after.json()["talks"][0]["title"] == "Renamed"


def test_a_repeated_request_costs_one_query(client, logic, django_assert_num_queries):
    first = client.get("/api/talks.json?series=logic")
    with django_assert_num_queries(1):  # the content version
        second = client.get("/api/talks.json?series=logic")
    assert second.content == first.content


def test_json_keeps_the_sites_security_headers(client, logic):
    response = client.get("/api/talks.json")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


# Queries


@pytest.mark.parametrize(
    "url",
    [
        "/api/talks.json",
        "/api/talks.json?series=s,t&speaker=ann&status=confirmed",
        "/api/talks.json?from=2000-01-01&to=2100-01-01&limit=100",
        "/api/series.json",
        "/api/speakers/ann.json",
    ],
)
def test_api_query_count_is_the_same_for_2_and_30_talks(client, url, django_assert_num_queries):
    series = [make_series("S", slug="s"), make_series("T", slug="t")]
    speakers = [make_speaker("Ann", slug="ann"), make_speaker("Bo", slug="bo")]

    def fill(n):  # upcoming and past talks, taking turns
        for i in range(n):
            days = (i + 1) * (1 if i % 2 == 0 else -1)
            make_talk(series=series[i // 2 % 2], speakers=speakers, start=soon(days))

    fill(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    fill(28)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
