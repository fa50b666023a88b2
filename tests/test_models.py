import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from seminars.models import Series, Speaker, Talk
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db


def test_talk_ending_before_it_starts_is_refused_by_the_database():
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(start=start, end=start - dt.timedelta(minutes=1), duration=None)


def test_talk_without_end_is_allowed():
    talk = make_talk(duration=None)
    assert Talk.objects.get(pk=talk.pk).end is None


def test_two_talks_cannot_share_a_uid():
    make_talk(uid="same@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_talk(uid="same@example.org")


def test_talks_created_here_get_distinct_domain_qualified_uids():
    a, b = make_talk(), make_talk()
    assert a.uid != b.uid
    assert a.uid.endswith("@seminars.localhost")


def test_series_slug_is_unique():
    make_series("Logic", slug="logic")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_series("Logic seminar", slug="logic")


def test_speaker_slug_is_unique():
    make_speaker("Ada Lovelace", slug="ada")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_speaker("Ada King", slug="ada")


def test_deleting_a_series_with_talks_is_refused():
    talk = make_talk()
    with pytest.raises(Exception, match="protected"):
        talk.series.delete()
    assert Series.objects.filter(pk=talk.series_id).exists()


def test_speakers_come_back_in_their_given_order():
    c, a, b = make_speaker("Carol"), make_speaker("Alice"), make_speaker("Bob")
    talk = make_talk(speakers=[c, a, b])
    fetched = Talk.objects.with_speakers().get(pk=talk.pk)
    assert [s.name for s in fetched.speaker_list] == ["Carol", "Alice", "Bob"]


def test_talk_url_is_id_based_and_survives_a_title_edit():
    talk = make_talk(title="First title")
    assert talk.get_absolute_url() == f"/talks/{talk.pk}/first-title/"
    talk.title = "A better title"
    talk.save()
    assert talk.get_absolute_url() == f"/talks/{talk.pk}/a-better-title/"


def test_series_and_speaker_urls_use_their_slugs():
    assert make_series("X", slug="x").get_absolute_url() == "/series/x/"
    assert make_speaker("Y", slug="y").get_absolute_url() == "/speakers/y/"


def test_upcoming_includes_talks_in_progress_and_excludes_finished_ones():
    now = timezone.now()
    running = make_talk(title="running", start=now - dt.timedelta(minutes=30))
    later = make_talk(title="later", start=now + dt.timedelta(days=1))
    make_talk(title="over", start=now - dt.timedelta(hours=3))
    assert list(Talk.objects.upcoming(now)) == [running, later]


def test_past_lists_finished_talks_newest_first():
    now = timezone.now()
    old = make_talk(start=now - dt.timedelta(days=10))
    recent = make_talk(start=now - dt.timedelta(days=1))
    make_talk(start=now + dt.timedelta(days=1))
    assert list(Talk.objects.past(now)) == [recent, old]


def test_a_month_long_event_still_running_is_upcoming():
    now = timezone.now()
    running = make_talk(start=now - dt.timedelta(days=30), duration=dt.timedelta(days=35))
    assert list(Talk.objects.upcoming(now)) == [running]


def test_talk_without_end_counts_as_over_once_started():
    now = timezone.now()
    make_talk(start=now - dt.timedelta(minutes=1), duration=None)
    assert Talk.objects.upcoming(now).count() == 0


def test_a_talk_is_over_exactly_when_past_lists_it():
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    talks = [
        make_talk(start=now - 2 * hour, duration=hour),  # over
        make_talk(start=now - hour, duration=None),  # no end: over once started
        make_talk(start=now - hour / 2, duration=hour),  # in progress
        make_talk(start=now - dt.timedelta(days=100), duration=dt.timedelta(days=101)),
        make_talk(start=now + hour, duration=None),  # to come
    ]
    assert [talk.is_over(now) for talk in talks] == [True, True, False, False, False]
    assert {talk for talk in talks if talk.is_over(now)} == set(Talk.objects.past(now))


def _plan(queryset) -> str:
    """The database's plan for a page of `queryset`."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # PostgreSQL plans a table of a few rows by its statistics of the moment, which
            # other tests leave behind. Forbid every other way: a plan that still sorts shows
            # that the index cannot give the order.
            cursor.execute("ANALYZE seminars_talk")
            for method in ("seqscan", "bitmapscan", "sort"):
                cursor.execute(f"SET LOCAL enable_{method} = off")
    return queryset[:25].explain()


# How each database names reading an index, and sorting all rows in memory. (PostgreSQL's
# "Incremental Sort" only orders talks of the same start by id, as the index yields them.)
INDEX_READ = {"sqlite": "USING INDEX {}", "postgresql": "using {}"}
FULL_SORT = {"sqlite": r"TEMP B-TREE", "postgresql": r"(^|-> +)Sort "}


def _reads_index_in_order(plan: str, index: str) -> bool:
    full_sort = re.search(FULL_SORT[connection.vendor], plan, re.MULTILINE)
    return INDEX_READ[connection.vendor].format(index) in plan and full_sort is None


def test_upcoming_talks_walk_the_start_index_without_sorting():
    assert _reads_index_in_order(_plan(Talk.objects.upcoming()), "talk_start_idx")


def test_past_talks_walk_the_start_index_without_sorting():
    assert _reads_index_in_order(_plan(Talk.objects.past()), "talk_start_idx")


def test_talks_of_a_series_by_date_walk_the_series_index_without_sorting():
    # A site of many series, where reading every talk by date to keep one series' is slow.
    many = [make_series() for _ in range(20)]
    now = timezone.now()
    Talk.objects.bulk_create(
        Talk(series=many[i % 20], title="T", slug="t", start=now + dt.timedelta(hours=i))
        for i in range(1000)
    )
    plan = _plan(many[0].talks.order_by("start"))
    assert _reads_index_in_order(plan, "talk_series_start_idx")


def test_a_talk_in_progress_counts_as_upcoming_for_its_series_and_speakers():
    now = timezone.now()
    speaker = make_speaker()
    series = make_series()
    make_talk(series=series, speakers=[speaker], start=now - dt.timedelta(minutes=30))
    make_talk(series=series, speakers=[speaker], start=now - dt.timedelta(days=3))
    make_talk(series=series, speakers=[speaker], start=now + dt.timedelta(days=3))
    counted = Series.objects.with_talk_counts(now).get(pk=series.pk)
    assert (counted.talk_count, counted.upcoming_count) == (3, 2)
    assert Talk.objects.upcoming(now).count() == counted.upcoming_count
    counted = Speaker.objects.with_talk_counts(now).get(pk=speaker.pk)
    assert (counted.talk_count, counted.upcoming_count) == (3, 2)


def test_cancel_and_reconfirm_raise_the_sequence_only_when_status_changes():
    talk = make_talk()
    assert Talk.objects.filter(pk=talk.pk).cancel() == 1
    assert Talk.objects.filter(pk=talk.pk).cancel() == 0
    talk.refresh_from_db()
    assert (talk.status, talk.sequence) == ("cancelled", 1)
    Talk.objects.filter(pk=talk.pk).reconfirm()
    talk.refresh_from_db()
    assert (talk.status, talk.sequence) == ("confirmed", 2)


def test_speaker_str_shows_affiliation():
    assert str(Speaker(name="Ada", affiliation="Analytical Engines")) == "Ada (Analytical Engines)"


def test_a_renamed_series_remembers_its_old_slug():
    series = make_series("Logic", slug="logic")
    series.slug = "logic-seminar"
    series.save()
    series.slug = "logic-and-computation"
    series.save()
    assert sorted(series.old_slugs.values_list("slug", flat=True)) == ["logic", "logic-seminar"]
    for slug in ("logic", "logic-seminar", "logic-and-computation"):
        assert list(Series.objects.by_slugs([slug])) == [series]
    assert list(Series.objects.by_slugs(["nothing"])) == []


def test_a_slug_given_back_to_its_series_is_no_longer_old():
    series = make_series("Logic", slug="logic")
    series.slug = "other"
    series.save()
    series.slug = "logic"
    series.save()
    assert list(series.old_slugs.values_list("slug", flat=True)) == ["other"]


@pytest.mark.parametrize(
    "venue, join, livestream, attendance",
    [
        ("Room 1", "", "", "in person"),
        ("", "https://meet.example.org/x", "", "online"),
        ("", "", "https://stream.example.org/x", "online"),
        ("Room 1", "https://meet.example.org/x", "", "hybrid"),
        ("", "", "", ""),
    ],
)
def test_attendance_follows_the_room_and_the_online_links(venue, join, livestream, attendance):
    talk = Talk(venue=venue, join_url=join, livestream_url=livestream)
    assert talk.attendance == attendance


def test_only_web_links_are_offered():
    over = timezone.now() - dt.timedelta(days=1)  # materials are shown once the talk is over
    talk = Talk(join_url="javascript:alert(1)", slides_url="https://example.org/s.pdf", start=over)
    assert talk.online_links() == [("Slides", "https://example.org/s.pdf")]
