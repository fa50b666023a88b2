"""The iCalendar feeds over HTTP: content, windows, conditional GET, round trip, queries."""

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import parse_http_date

from seminars.choosing import MAX_CHOSEN_SERIES
from seminars.feeds import calendars as feeds
from seminars.models import ContentVersion, FeedSource, Series, Speaker, Talk, TalkSpeaker
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A host the importer accepts in URLs (it refuses "testserver", which has no domain).
HOST = "localhost"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    client.defaults["HTTP_HOST"] = HOST
    return client


def days(n) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


def parse(response) -> icalendar.Calendar:
    """The feed as icalendar and as vobject read it; both must accept it."""
    text = response.content.decode()
    assert vobject.readOne(text).name == "VCALENDAR"
    return icalendar.Calendar.from_ical(response.content)


def uids(response) -> list[str]:
    ours = [str(event["UID"]) for event in parse(response).walk("VEVENT")]
    events = vobject.readOne(response.content.decode()).contents.get("vevent", [])
    theirs = [event.uid.value for event in events]
    assert ours == theirs
    return ours


def statuses(response) -> dict[str, str]:
    return {str(e["UID"]): str(e["STATUS"]) for e in parse(response).walk("VEVENT")}


def content_changed_seconds_ago(seconds=5):
    """As if the site's content last changed a while ago, so that a change made now shows as a
    later Last-Modified (HTTP dates count whole seconds)."""
    ContentVersion.objects.update(changed=F("changed") - dt.timedelta(seconds=seconds))


# Every feed


@pytest.fixture
def logic():
    """A series with an upcoming talk by two speakers."""
    series = make_series("Logic Seminar", slug="logic", description="Talks on logic.")
    speakers = [make_speaker("Ann Able", slug="ann"), make_speaker("Bo Bell", slug="bo")]
    talk = make_talk(
        series=series, speakers=speakers, start=days(3), venue="Room 1", uid="logic-1@example.org"
    )
    return series, talk


CALENDAR_PROPERTIES = [
    "PRODID",
    "VERSION",
    "CALSCALE",
    "METHOD",
    "NAME",
    "X-WR-CALNAME",
    "X-WR-CALDESC",
    "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL",
]
EVENT_PROPERTIES = [
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "URL",
    "STATUS",
    "SEQUENCE",
    "CREATED",
    "LAST-MODIFIED",
    "CATEGORIES",
]


@pytest.mark.parametrize(
    ("url", "filename", "name"),
    [
        ("/talks.ics", "talks.ics", "Seminars"),
        ("/talks.ics?series=logic", "talks.ics", "Logic Seminar"),
        ("/series/logic.ics", "logic.ics", "Logic Seminar"),
        ("/speakers/ann.ics", "ann.ics", "Talks by Ann Able"),
        ("/talks/{pk}.ics", "proofs.ics", None),
    ],
)
def test_every_feed_is_a_calendar_both_parsers_read(client, logic, settings, url, filename, name):
    settings.SITE_NAME = "Seminars"
    _, talk = logic
    Talk.objects.filter(pk=talk.pk).update(title="Proofs", slug="proofs")

    response = client.get(url.format(pk=talk.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "public, max-age=300"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    calendar = parse(response)
    if name is not None:
        assert [p for p in CALENDAR_PROPERTIES if p not in calendar] == []
        assert str(calendar["X-WR-CALNAME"]) == name
    assert uids(response) == ["logic-1@example.org"]
    (event,) = calendar.walk("VEVENT")
    assert [p for p in EVENT_PROPERTIES if p not in event] == []
    assert str(event["SUMMARY"]) == "Proofs (Ann Able, Bo Bell)"
    assert str(event["URL"]) == f"http://{HOST}/talks/{talk.pk}/proofs/"


@pytest.mark.parametrize(
    "url", ["/talks.ics", "/talks.ics?series=logic", "/series/logic.ics", "/speakers/ann.ics"]
)
def test_every_feeds_events_leave_the_subscribers_time_free(client, logic, url):
    series, _ = logic
    make_talk(series=series, speakers=[Speaker.objects.get(slug="ann")], start=days(4))
    make_talk(
        series=series,
        speakers=[Speaker.objects.get(slug="ann")],
        start=days(5),
        duration=dt.timedelta(days=1),
        all_day=True,
    )

    events = parse(client.get(url)).walk("VEVENT")

    assert [str(e["TRANSP"]) for e in events] == ["TRANSPARENT"] * 3


def test_one_talks_download_leaves_free_or_busy_to_the_calendar_app(client, logic):
    _, talk = logic

    (event,) = parse(client.get(f"/talks/{talk.pk}.ics")).walk("VEVENT")

    assert "TRANSP" not in event


def test_cancelled_talk_in_a_feed_says_cancelled_in_its_summary_and_status(client, logic):
    _, talk = logic
    Talk.objects.filter(pk=talk.pk).update(status=Talk.Status.CANCELLED, title="Proofs")

    (event,) = parse(client.get("/series/logic.ics")).walk("VEVENT")

    assert (str(event["SUMMARY"]), str(event["STATUS"])) == (
        "Cancelled: Proofs (Ann Able, Bo Bell)",
        "CANCELLED",
    )


def test_one_talks_download_is_an_event_that_names_and_makes_no_calendar(client, logic):
    _, talk = logic

    calendar = parse(client.get(f"/talks/{talk.pk}.ics"))

    # A calendar app imports these events into a calendar of its user's choosing.
    named = ["NAME", "X-WR-CALNAME", "X-WR-CALDESC", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"]
    assert [p for p in named if p in calendar] == []
    assert [str(calendar[p]) for p in ("PRODID", "VERSION", "METHOD")] == [
        "-//Seminars//Seminars calendar export//EN",
        "2.0",
        "PUBLISH",
    ]
    assert len(calendar.walk("VEVENT")) == 1


def test_feed_lines_end_with_crlf_and_are_folded_at_75_octets(client, logic):
    _, talk = logic
    Talk.objects.filter(pk=talk.pk).update(abstract="Zoë und Jürgen über Ähnlichkeit. " * 40)

    body = client.get("/series/logic.ics").content

    physical = body.removesuffix(b"\r\n").split(b"\r\n")
    assert body.endswith(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert max(len(line) for line in physical) == 75


def test_feed_has_each_talks_own_uid_once(client):
    series = make_series(slug="s")
    talks = [make_talk(series=series, start=days(d)) for d in (1, 2, 3)]
    imported = make_talk(series=series, start=days(4), uid="event-7@talks.example.org")

    assert uids(client.get("/series/s.ics")) == [t.uid for t in talks] + [imported.uid]


def test_hostile_title_stays_one_event_in_the_feed(client, logic):
    _, talk = logic
    Talk.objects.filter(pk=talk.pk).update(
        title="Hi\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil", abstract="END:VCALENDAR\n\\n;,"
    )

    response = client.get("/series/logic.ics")

    physical = response.content.split(b"\r\n")
    assert (physical.count(b"BEGIN:VEVENT"), physical.count(b"END:VCALENDAR")) == (1, 1)
    assert uids(response) == ["logic-1@example.org"]
    (event,) = parse(response).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Hi END:VEVENT BEGIN:VEVENT UID:evil (Ann Able, Bo Bell)"
    assert "\nEND:VCALENDAR\n\\n;,\n" in str(event["DESCRIPTION"])


def test_unknown_talk_series_and_speaker_are_404(client, logic):
    assert client.get("/talks/999999.ics").status_code == 404
    assert client.get("/series/nope.ics").status_code == 404
    assert client.get("/speakers/nope.ics").status_code == 404


def test_combined_feed_carries_the_chosen_series_only(client):
    a, b, c = (make_series(slug=slug) for slug in "abc")
    talks = {s.slug: make_talk(series=s, start=days(1)) for s in (a, b, c)}

    response = client.get("/talks.ics?series=c,a")

    assert sorted(uids(response)) == sorted([talks["a"].uid, talks["c"].uid])
    # Escaped as TEXT; icalendar leaves X- properties as written, vobject reads them.
    assert f"X-WR-CALNAME:{a.name}\\, {c.name}\r\n".encode() in response.content
    name = vobject.readOne(response.content.decode()).contents["x-wr-calname"][0].value
    assert name == f"{a.name}, {c.name}"


def test_combined_feed_reads_repeated_series_as_a_comma_list(client):
    for slug in "abc":
        make_talk(series=make_series(slug=slug), start=days(1))

    repeated = client.get("/talks.ics?series=c&series=a")

    assert repeated.status_code == 200
    assert repeated.content == client.get("/talks.ics?series=c,a").content


def test_combined_feed_of_too_many_series_is_404(client):
    slugs = [make_series().slug for _ in range(MAX_CHOSEN_SERIES + 1)]

    assert client.get("/talks.ics?series=" + ",".join(slugs)).status_code == 404


def test_post_is_not_allowed(client, logic):
    assert client.post("/series/logic.ics").status_code == 405


# Windows and caps


@pytest.fixture
def spread():
    """Talks of one series at different distances from now, one of them by Ann."""
    series = make_series(slug="spread")
    ann = make_speaker("Ann", slug="ann")
    made = {
        name: make_talk(series=series, speakers=[ann], start=days(d), uid=f"{name}@x")
        for name, d in [
            ("400-days-ago", -400),
            ("300-days-ago", -300),
            ("40-days-ago", -40),
            ("10-days-ago", -10),
            ("in-10-days", 10),
            ("in-500-days", 500),
        ]
    }
    for name, changed in [("cancelled-lately", -10), ("cancelled-long-ago", -40)]:
        made[name] = make_talk(
            series=series,
            speakers=[ann],
            start=days(5),
            uid=f"{name}@x",
            status=Talk.Status.CANCELLED,
        )
        Talk.objects.filter(pk=made[name].pk).update(updated=days(changed))
    return made


def test_series_and_speaker_feeds_carry_the_future_and_a_year_back(client, spread):
    expected = {
        "300-days-ago@x",
        "40-days-ago@x",
        "10-days-ago@x",
        "in-10-days@x",
        "in-500-days@x",
        "cancelled-lately@x",
    }

    assert set(uids(client.get("/series/spread.ics"))) == expected
    assert set(uids(client.get("/speakers/ann.ics"))) == expected


def test_site_feed_carries_the_future_and_the_last_30_days(client, spread):
    assert set(uids(client.get("/talks.ics"))) == {
        "10-days-ago@x",
        "in-10-days@x",
        "in-500-days@x",
        "cancelled-lately@x",
    }


def test_recently_cancelled_talk_stays_in_the_feed_as_cancelled(client, spread):
    found = statuses(client.get("/series/spread.ics"))

    assert (found["cancelled-lately@x"], found["in-10-days@x"]) == ("CANCELLED", "CONFIRMED")


def test_single_talk_feed_has_the_talk_however_old_or_long_cancelled(client, spread):
    for name in ("400-days-ago", "cancelled-long-ago"):
        response = client.get(f"/talks/{spread[name].pk}.ics")
        assert uids(response) == [f"{name}@x"]


def test_feed_keeps_the_nearest_1000_talks(client):
    series = make_series(slug="busy")
    # Two hours apart: the feed counts a talk as past once it is over before the current hour.
    soon = timezone.now() + dt.timedelta(minutes=30)
    Talk.objects.bulk_create(
        Talk(series=series, title="T", slug="t", start=soon + dt.timedelta(hours=2 * i), uid=f"{i}")
        for i in range(-3, 1003)
    )

    found = uids(client.get("/series/busy.ics"))

    # Upcoming talks first, soonest first; written in order of time.
    assert found == [str(i) for i in range(feeds.MAX_EVENTS)]


def test_feed_stays_under_1_mb_keeping_the_nearest_talks(client):
    series = make_series(slug="wordy")
    for d in range(-3, 20):
        start = days(d) + dt.timedelta(hours=1)
        make_talk(series=series, start=start, uid=f"{d:+03d}", abstract="Many words. " * 5000)

    response = client.get("/series/wordy.ics")

    found = uids(response)
    assert len(response.content) <= 1_000_000
    assert 1_000_000 - len(response.content) < 70_000  # no room for one more event
    # Upcoming talks first, soonest first: the past ones and the far future are left out.
    assert found == [f"{d:+03d}" for d in range(len(found))]


def test_feed_full_to_1_mb_keeps_a_talk_running_longer_than_90_days_before_past_ones(client):
    series = make_series(slug="long")
    words = "Many words. " * 5000
    for d in range(-3, 20):
        make_talk(
            series=series, start=days(d) + dt.timedelta(hours=1), uid=f"{d:+03d}", abstract=words
        )
    make_talk(
        series=series,
        start=days(-100),
        duration=dt.timedelta(days=101),
        uid="months",
        abstract=words,
    )

    found = uids(client.get("/series/long.ics"))

    # Not over: kept first, as the admin lists it, while the past talks are left out.
    assert found == ["months", *(f"{d:+03d}" for d in range(len(found) - 1))]


# Conditional GET


def test_if_none_match_with_the_etag_gets_304_without_building_the_feed(
    client, logic, django_assert_max_num_queries
):
    first = client.get("/series/logic.ics")

    # The content version alone (read once a second: none in the same second), the series
    # and the feed from the cache.
    with django_assert_max_num_queries(1):
        again = client.get("/series/logic.ics", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert again["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "url", ["/talks.ics", "/talks.ics?series=logic", "/speakers/ann.ics", "/talks/{pk}.ics"]
)
def test_every_feed_answers_a_conditional_get_with_two_queries_at_most(
    client, logic, url, django_assert_max_num_queries
):
    url = url.format(pk=logic[1].pk)
    first = client.get(url)

    with django_assert_max_num_queries(2):
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_repeated_get_is_served_from_the_cache(client, logic, django_assert_max_num_queries):
    first = client.get("/series/logic.ics")

    with django_assert_max_num_queries(1):  # the content version, once a second
        again = client.get("/series/logic.ics")

    assert again.content == first.content


def test_addresses_naming_the_same_feed_share_its_cached_body(client, logic):
    first = client.get("/talks.ics", {"series": "logic"})
    # A slug that names nothing is left out: the series is looked up, the feed is not built.
    # (The content version is read once or twice: the fast path reads it once a second.)
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/talks.ics", {"series": "logic,nothing-here"})
    asked = [q["sql"] for q in queries if "seminars_contentversion" not in q["sql"]]
    assert len(asked) == 1 and "seminars_series" in asked[0]
    assert "seminars_talk" not in asked[0]
    assert again.content == first.content


def test_a_series_deleted_since_its_feed_was_cached_is_gone_at_once(client, logic):
    series, _ = logic
    assert client.get("/series/logic.ics").status_code == 200
    series.talks.all().delete()
    series.delete()
    assert client.get("/series/logic.ics").status_code == 404


def test_a_server_with_an_empty_cache_answers_the_same_etag_with_304(client, logic):
    first = client.get("/series/logic.ics")
    cache.clear()

    again = client.get("/series/logic.ics", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["Last-Modified"] == first["Last-Modified"]


def test_a_change_elsewhere_on_the_site_keeps_the_feeds_etag(client, logic):
    first = client.get("/series/logic.ics")
    make_talk(start=days(2))  # in another series

    again = client.get("/series/logic.ics", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_if_modified_since_last_modified_gets_304(client, logic):
    first = client.get("/series/logic.ics")

    again = client.get("/series/logic.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304
    assert again.content == b""


def test_changed_talk_gets_200_with_a_new_etag_and_a_later_last_modified(client, logic):
    _, talk = logic
    content_changed_seconds_ago()
    first = client.get("/series/logic.ics")
    talk.title = "Changed"
    talk.save()

    by_etag = client.get("/series/logic.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get("/series/logic.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_etag.status_code == by_date.status_code == 200
    assert by_etag["ETag"] != first["ETag"]
    assert parse_http_date(by_etag["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert b"SUMMARY:Changed (Ann Able\\, Bo Bell)\r\n" in by_etag.content


def test_unchanged_feed_keeps_its_etag_last_modified_and_bytes(client, logic):
    first = client.get("/series/logic.ics")
    warm = client.get("/series/logic.ics")
    cache.clear()
    cold = client.get("/series/logic.ics")

    assert first["ETag"] == warm["ETag"] == cold["ETag"]
    assert first["Last-Modified"] == warm["Last-Modified"] == cold["Last-Modified"]
    assert first.content == warm.content == cold.content


def test_last_modified_moves_forward_when_the_latest_changed_talk_is_deleted(client, logic):
    series, _ = logic
    latest = make_talk(series=series, start=days(9))
    content_changed_seconds_ago()
    first = client.get("/series/logic.ics")
    latest.delete()

    after = client.get("/series/logic.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert after.status_code == 200
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert after["ETag"] != first["ETag"]
    again = client.get("/series/logic.ics", HTTP_IF_MODIFIED_SINCE=after["Last-Modified"])
    assert again.status_code == 304


def test_last_modified_moves_forward_when_a_talk_moves_to_another_series(client, logic):
    series, talk = logic
    make_talk(series=series, start=days(9))
    content_changed_seconds_ago()
    first = client.get("/series/logic.ics")
    talk.series = make_series()
    talk.save()

    after = client.get("/series/logic.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert after.status_code == 200
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(first["Last-Modified"])


def test_a_talk_leaves_the_feed_with_time_alone_under_a_later_last_modified(logic):
    series, talk = logic
    changed = ContentVersion.objects.get().changed
    now = timezone.now()
    year_on = now + dt.timedelta(days=400)
    feed = feeds.series_feed(series)

    before = feeds.calendar_bytes(feed, site_url=f"http://{HOST}", now=now)
    after = feeds.calendar_bytes(feed, site_url=f"http://{HOST}", now=year_on)

    assert talk.uid.encode() in before
    assert talk.uid.encode() not in after
    assert feeds.last_modified(changed, year_on) > feeds.last_modified(changed, now)


def test_last_modified_is_the_later_of_the_last_change_and_the_start_of_the_hour():
    now = dt.datetime(2030, 5, 6, 14, 25, 10, tzinfo=dt.UTC)
    hour = dt.datetime(2030, 5, 6, 14, 0, tzinfo=dt.UTC)
    just_now = now - dt.timedelta(minutes=5)

    assert feeds.last_modified(hour - dt.timedelta(days=3), now) == hour
    assert feeds.last_modified(just_now, now) == just_now
    assert feeds.last_modified(None, now) == hour  # no change since the site began


def test_last_modified_never_goes_back_as_time_passes():
    changed = dt.datetime(2030, 5, 6, 14, 20, tzinfo=dt.UTC)
    times = [changed + dt.timedelta(minutes=7 * i) for i in range(30)]

    stamps = [feeds.last_modified(changed, now) for now in times]

    assert stamps == sorted(stamps)
    assert all(stamp <= now for stamp, now in zip(stamps, times, strict=True))


def test_renamed_speaker_shows_in_the_feed_at_once(client, logic):
    first = client.get("/series/logic.ics")
    ann = Speaker.objects.get(slug="ann")
    ann.name = "Ann Lovelace"
    ann.save()

    after = client.get("/series/logic.ics")

    assert after["ETag"] != first["ETag"]
    assert b"Speaker: Ann Lovelace\\n" in after.content


def test_removed_speaker_leaves_the_feed_at_once(client, logic):
    first = client.get("/series/logic.ics")
    TalkSpeaker.objects.filter(speaker__slug="bo").delete()

    after = client.get("/series/logic.ics")

    assert after["ETag"] != first["ETag"]
    assert b"Bo Bell" not in after.content


def test_renamed_series_renames_the_calendar(client, logic):
    series, _ = logic
    first = client.get("/series/logic.ics")
    series.name = "Logic and Proof"
    series.save()

    after = client.get("/series/logic.ics")

    assert after["ETag"] != first["ETag"]
    assert str(parse(after)["X-WR-CALNAME"]) == "Logic and Proof"
    assert b"CATEGORIES:Logic and Proof\r\n" in after.content


def test_each_host_gets_its_own_links_and_etag(client, logic):
    here = client.get("/series/logic.ics")
    there = client.get("/series/logic.ics", HTTP_HOST="127.0.0.1")

    assert here["ETag"] != there["ETag"]
    assert b"URL:http://127.0.0.1/talks/" in there.content
    assert here["Last-Modified"] == there["Last-Modified"]


def test_head_has_the_headers_of_get_and_no_body(client, logic):
    get = client.get("/series/logic.ics")

    head = client.head("/series/logic.ics")

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    for header in ("Content-Type", "ETag", "Last-Modified", "Content-Disposition"):
        assert head[header] == get[header]


def test_head_with_the_etag_gets_304(client, logic):
    get = client.get("/series/logic.ics")

    assert client.head("/series/logic.ics", HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_feed_of_one_chosen_series_and_the_series_feed_keep_their_own_last_modified(client, logic):
    chosen = client.get("/talks.ics?series=logic")
    series = client.get("/series/logic.ics")

    assert (
        client.get("/talks.ics?series=logic", HTTP_IF_NONE_MATCH=chosen["ETag"]).status_code == 304
    )
    assert client.get("/series/logic.ics", HTTP_IF_NONE_MATCH=series["ETag"]).status_code == 304
    assert chosen["ETag"] != series["ETag"]  # the chosen series' feed has its own description


# Round trip: our feed imported into an empty site gives back the same talks


def talk_facts() -> list[tuple]:
    talks = Talk.objects.with_speakers().order_by("uid")
    return [
        (
            t.uid,
            t.title,
            [(s.name, s.affiliation) for s in t.speaker_list],
            t.start,
            t.end,
            t.all_day,
            t.venue,
            t.abstract,
            t.status,
            t.contact,
            t.url,
            t.series.name,
        )
        for t in talks
    ]


def empty_the_site():
    Talk.objects.all().delete()
    Speaker.objects.all().delete()
    FeedSource.objects.all().delete()
    Series.objects.all().delete()


def import_file(tmp_path, data: bytes) -> str:
    path = tmp_path / "feed.ics"
    path.write_bytes(data)
    out = StringIO()
    call_command("import_ics", str(path), stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def varied():
    """Talks that exercise every field the round trip must keep."""
    series = make_series("Logic Seminar", slug="logic", description="Talks on logic.")
    king = make_speaker("Martin Luther King, Jr.", affiliation="Morehouse College (Atlanta), GA")
    noether = make_speaker("Emmy Noether", affiliation="Universität Göttingen")
    cher = make_speaker("Cher (singer)")
    make_talk(
        series=series,
        speakers=[king, noether, cher],
        start=days(3).replace(microsecond=0),
        title="Rings, ideals; and (some) dreams",
        abstract="First paragraph.\n\nSpeaker: this line is part of the abstract.\nLast line.",
        venue="Room 1, Maths Building",
        contact="logic@example.org",
        url="https://conference.example.org/register?talk=king&lang=en",
        slides_url="https://example.org/king.pdf",
        uid="king@example.org",
    )
    make_talk(
        series=series,
        speakers=[noether],
        start=dt.datetime.combine(days(20).date(), dt.time(0), tzinfo=LONDON),
        duration=dt.timedelta(days=2),
        all_day=True,
        title="Workshop (part 2)",
        uid="workshop@example.org",
    )
    make_talk(
        series=series,
        start=days(5).replace(microsecond=0),
        duration=None,
        title="Open problems (Emmy Noether)",
        abstract="Speaker: nobody in particular",
        url="https://example.org/open-problems",
        status=Talk.Status.CANCELLED,
        uid="cancelled@example.org",
    )
    make_talk(
        series=series,
        speakers=[cher],
        start=days(-20).replace(microsecond=0),
        title="Looking back",
        uid="past@example.org",
    )
    return series


def test_series_feed_imported_into_an_empty_site_gives_back_the_same_talks(
    client, varied, tmp_path
):
    before = talk_facts()
    feed = client.get("/series/logic.ics").content
    empty_the_site()

    out = import_file(tmp_path, feed)

    assert "warning" not in out
    assert "3 created, 0 updated, 0 unchanged, 1 cancelled, 0 skipped" in out
    assert talk_facts() == before
    assert Series.objects.get().description == "Talks on logic."


def test_site_feed_imported_into_an_empty_site_gives_back_the_same_talks(
    client, varied, tmp_path, settings
):
    expected = [(*facts[:-1], settings.SITE_NAME) for facts in talk_facts()]
    feed = client.get("/talks.ics").content
    empty_the_site()

    import_file(tmp_path, feed)

    # One import source is one series: the site's talks come back in a series named after it.
    assert talk_facts() == expected


def test_imported_feed_exported_again_gives_the_same_events(client, varied, tmp_path):
    first = client.get("/series/logic.ics").content
    empty_the_site()
    import_file(tmp_path, first)
    cache.clear()

    again = client.get(f"/series/{Series.objects.get().slug}.ics").content

    assert comparable_events(again) == comparable_events(first)


def comparable_events(data: bytes) -> list[dict]:
    """Each event's properties, less the talk's times of change and its link (a new pk)."""
    events = []
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        props = {
            name: value.to_ical()
            for name, value in event.property_items(recursive=False)
            if name not in ("BEGIN", "END", "DTSTAMP", "CREATED", "LAST-MODIFIED", "URL")
        }
        props["DESCRIPTION"] = str(event["DESCRIPTION"]).removesuffix(str(event["URL"]))
        events.append(props)
    return events


# Queries


@pytest.mark.parametrize(
    "url", ["/talks.ics", "/talks.ics?series=s", "/series/s.ics", "/speakers/ann.ics"]
)
def test_feed_query_count_is_the_same_for_1_and_200_talks(client, url, django_assert_num_queries):
    series = make_series("S", slug="s")
    speakers = [make_speaker("Ann", slug="ann"), make_speaker("Bo", slug="bo")]
    make_talk(series=series, speakers=speakers, start=days(1))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(199):
        make_talk(series=series, speakers=speakers[: 1 + i % 2], start=days(i / 10 - 5))
    cache.clear()

    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)

    assert len(uids(response)) == 200


def test_a_cached_feed_is_answered_by_the_fast_path_with_the_views_headers_and_body(client, logic):
    built = client.get("/series/logic.ics", HTTP_ACCEPT_ENCODING="gzip")
    with CaptureQueriesContext(connection) as queries:
        fast = client.get("/series/logic.ics", HTTP_ACCEPT_ENCODING="gzip")
    # Nothing but the content version is read (in a new second; within one, not even that):
    # neither the series nor the talks are looked up, the view is not run.
    assert all("seminars_contentversion" in q["sql"] for q in queries.captured_queries)
    assert len(queries) <= 1
    assert fast.content == built.content
    assert {k: v for k, v in fast.items() if k != "Date"} == {
        k: v for k, v in built.items() if k != "Date"
    }
    assert "Content-Security-Policy" in fast and fast["X-Frame-Options"] == "DENY"
    assert fast.cookies == {}


def test_a_change_is_in_the_fast_paths_feed_at_once(client, logic):
    talk = make_talk(series=logic[0], title="Before the change")
    client.get("/series/logic.ics")
    client.get("/series/logic.ics")  # the fast path's, within the second
    talk.title = "After the change"
    talk.save()
    assert "After the change" in client.get("/series/logic.ics").content.decode()


def test_an_address_that_only_looks_like_a_feed_goes_on_to_a_404(client):
    assert client.get("/series/nothing-here.ics").status_code == 404
    assert client.get("/talks/999999.ics").status_code == 404
