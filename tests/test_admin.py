import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from seminars.importing import ImportOptions, import_data
from seminars.models import FeedSource, Speaker, Talk, TalkSpeaker
from tests.factories import ics_calendar, ics_event, make_series, make_speaker, make_talk
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


def _populate(n):
    series = make_series()
    for _ in range(n):
        make_talk(series=series, speakers=[make_speaker(), make_speaker()])
    FeedSource.objects.create(location=f"https://example.org/{n}.ics", series=series)


@pytest.mark.parametrize("model", ["talk", "series", "speaker", "feedsource"])
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, model, django_assert_max_num_queries
):
    url = reverse(f"admin:seminars_{model}_changelist")
    _populate(1)
    with django_assert_max_num_queries(12) as small:
        response = admin_client.get(url)
    assert response.status_code == 200
    _populate(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "make", "field"),
    [
        ("series", make_series, ("talk", "series")),
        ("speaker", make_speaker, ("talkspeaker", "speaker")),
    ],
)
def test_series_and_speakers_are_listed_by_name_with_their_talk_counts(
    admin_client, model, make, field
):
    rows = [make(name) for name in ("Carol", "Alice", "Bob")]
    make_talk(**({"series": rows[0]} if model == "series" else {"speakers": [rows[0]]}))
    response = admin_client.get(reverse(f"admin:seminars_{model}_changelist"))
    listed = response.context["cl"].result_list
    assert [(row.name, row.talk_count) for row in listed] == [
        ("Alice", 0),
        ("Bob", 0),
        ("Carol", 1),
    ]
    params = {"app_label": "seminars", "model_name": field[0], "field_name": field[1]}
    offered = admin_client.get(reverse("admin:autocomplete"), params).json()["results"]
    assert [row["text"] for row in offered] == ["Alice", "Bob", "Carol"]


def test_talk_changelist_shows_speakers_in_order(admin_client):
    talk = make_talk(title="Ordered", speakers=[make_speaker("Zed"), make_speaker("Amy")])
    response = admin_client.get(reverse("admin:seminars_talk_changelist"))
    assert "Zed, Amy" in response.content.decode()
    assert talk.title in response.content.decode()


@pytest.mark.parametrize(
    "model, fields",
    [
        ("talk", ["series", "title", "start_0", "start_1", "end_0", "venue", "status"]),
        ("series", ["name", "slug", "description", "website"]),
        ("speaker", ["name", "slug", "affiliation", "homepage"]),
    ],
)
def test_add_page_offers_the_fields_a_new_row_needs(admin_client, model, fields):
    response = admin_client.get(reverse(f"admin:seminars_{model}_add"))
    for field in fields:
        assert f'name="{field}"' in response.text, field


def test_change_pages_load_with_bounded_queries(admin_client, django_assert_max_num_queries):
    talk = make_talk(speakers=[make_speaker(), make_speaker()])
    source = FeedSource.objects.create(location="/tmp/a.ics")
    pages = [
        ("talk", talk.pk),
        ("series", talk.series_id),
        ("speaker", Speaker.objects.first().pk),
        ("feedsource", source.pk),
    ]
    for model, pk in pages:
        with django_assert_max_num_queries(25):
            response = admin_client.get(reverse(f"admin:seminars_{model}_change", args=[pk]))
        assert response.status_code == 200, model


def test_talk_change_page_links_to_the_site(admin_client):
    talk = make_talk()
    response = admin_client.get(reverse("admin:seminars_talk_change", args=[talk.pk]))
    content_type = ContentType.objects.get_for_model(Talk)
    view_on_site = reverse("admin:view_on_site", args=[content_type.pk, talk.pk])
    assert view_on_site in response.content.decode()


def test_talk_changelist_filters_upcoming_and_past(admin_client):
    make_talk(title="Future thing", start=timezone.now() + dt.timedelta(days=2))
    make_talk(title="Past thing", start=timezone.now() - dt.timedelta(days=2))
    url = reverse("admin:seminars_talk_changelist")
    upcoming = admin_client.get(url, {"when": "upcoming"}).content.decode()
    past = admin_client.get(url, {"when": "past"}).content.decode()
    assert "Future thing" in upcoming and "Past thing" not in upcoming
    assert "Past thing" in past and "Future thing" not in past


def test_talk_search_finds_speaker_names(admin_client):
    make_talk(title="Found", speakers=[make_speaker("Grace Hopper")])
    make_talk(title="Other")
    content = admin_client.get(reverse("admin:seminars_talk_changelist"), {"q": "hopper"})
    assert "Found" in content.content.decode()
    assert "Other" not in content.content.decode()


def test_cancel_action_cancels_and_raises_sequence(admin_client):
    talk = make_talk()
    response = admin_client.post(
        reverse("admin:seminars_talk_changelist"),
        {"action": "cancel_talks", ACTION_CHECKBOX_NAME: [talk.pk]},
        follow=True,
    )
    assert "1 talk cancelled." in response.content.decode()
    talk.refresh_from_db()
    assert (talk.status, talk.sequence) == ("cancelled", 1)


def test_editing_a_talk_in_the_admin_raises_its_sequence(admin_client):
    talk = make_talk(title="Before")
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("speakers", "slides_file")  # no file is posted back
    }
    data.update(
        {
            "series": talk.series_id,
            "title": "After",
            "start_0": talk.start.strftime("%d/%m/%Y"),
            "start_1": talk.start.strftime("%H:%M:%S"),
            "end_0": talk.end.strftime("%d/%m/%Y"),
            "end_1": talk.end.strftime("%H:%M:%S"),
            "talk_speakers-TOTAL_FORMS": "0",
            "talk_speakers-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert (talk.title, talk.sequence) == ("After", 1)


def test_merge_action_asks_which_speaker_to_keep(admin_client):
    a, b = make_speaker("Jane Doe"), make_speaker("J. Doe")
    response = admin_client.post(
        reverse("admin:seminars_speaker_changelist"),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [a.pk, b.pk]},
    )
    assert response.status_code == 200
    assert b'name="keep"' in response.content
    assert Speaker.objects.count() == 2


def test_merge_action_moves_every_talk_onto_the_kept_speaker(admin_client):
    keep, dup = make_speaker("Jane Doe"), make_speaker("J. Doe", affiliation="Oxford")
    other = make_speaker("Co Author")
    t1 = make_talk(speakers=[dup, other])
    t2 = make_talk(speakers=[other, keep, dup])
    response = admin_client.post(
        reverse("admin:seminars_speaker_changelist"),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [keep.pk, dup.pk], "keep": keep.pk},
        follow=True,
    )
    assert "Merged 1 speaker(s) into Jane Doe; 2 talk(s) moved." in response.content.decode()
    assert not Speaker.objects.filter(pk=dup.pk).exists()
    assert _speaker_names(t1) == ["Jane Doe", "Co Author"]
    assert _speaker_names(t2) == ["Co Author", "Jane Doe"]
    assert Speaker.objects.get(pk=keep.pk).affiliation == "Oxford"
    assert TalkSpeaker.objects.filter(speaker=keep).count() == 2


def test_merge_action_needs_two_speakers(admin_client):
    a = make_speaker()
    response = admin_client.post(
        reverse("admin:seminars_speaker_changelist"),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [a.pk]},
        follow=True,
    )
    assert "Select at least two speakers to merge." in response.content.decode()


def _speaker_names(talk):
    return [s.name for s in Talk.objects.with_speakers().get(pk=talk.pk).speaker_list]


# The talk list and its date drill-down take any date, stored or asked for

TALKS = "/admin/seminars/talk/"


@pytest.mark.parametrize(
    "params",
    [
        {"start__year": "9999"},
        {"start__year": "9999", "start__month": "12"},
        {"start__year": "9999", "start__month": "12", "start__day": "31"},
        {"start__year": "0"},
        {"start__year": "99999999999999999999"},
    ],
)
def test_talk_list_drill_down_beyond_year_9999_shows_the_whole_list(admin_client, params):
    make_talk(title="Ordinary talk")
    response = admin_client.get(TALKS, params, follow=True)
    assert response.status_code == 200
    assert "Ordinary talk" in response.content.decode()


def test_talk_list_filtered_from_a_time_past_year_9999_is_no_error(admin_client):
    make_talk(title="Ordinary talk")
    # 10000-01-01 in UTC: SQLite can't hold it (the whole list again), PostgreSQL can (no talks).
    response = admin_client.get(TALKS, {"start__gte": "9999-12-31T23:00:00-05:00"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Select talk to change</h1>" in page
    if connection.vendor == "sqlite":
        assert response.redirect_chain == [(f"{TALKS}?e=1", 302)]
        assert "Ordinary talk" in page and "\n1 talk\n" in page
    else:
        assert response.redirect_chain == []
        assert "Ordinary talk" not in page and "\n0 talks\n" in page


@pytest.mark.parametrize("zone", ["Europe/London", "Asia/Tokyo", "America/New_York"])
def test_talk_list_shows_talks_at_the_ends_of_time(admin_client, settings, zone):
    settings.TIME_ZONE = zone
    make_talk(title="Year one", start=dt.datetime(1, 1, 1, tzinfo=dt.UTC), duration=None)
    make_talk(title="Year 9999", start=dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC), duration=None)
    make_talk(title="Recent", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    page = admin_client.get(TALKS).content.decode()
    assert "Year one" in page and "Year 9999" in page and "Recent" in page
    assert "?start__year=2021" in page
    for year in ("1", "2021", "9999"):
        response = admin_client.get(TALKS, {"start__year": year}, follow=True)
        assert response.status_code == 200, year


def test_talk_list_gives_a_start_the_site_zone_cannot_show_in_utc(admin_client, settings):
    settings.TIME_ZONE = "Europe/London"  # 75 seconds behind UTC in year 1
    make_talk(title="Year one", start=dt.datetime(1, 1, 1, tzinfo=dt.UTC), duration=None)
    make_talk(title="Recent", start=dt.datetime(2021, 5, 1, 10, tzinfo=dt.UTC))
    page = admin_client.get(TALKS).content.decode()
    assert "Mon 1 Jan 0001, 00:00 UTC" in page
    assert "Sat 1 May 2021, 11:00" in page


# Throttled logins: five wrong passwords for one username from one address lock it for an hour

LOGIN = "/admin/login/"


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user("organiser", password="right horse", is_staff=True)


def _log_in(client, password, *, username="organiser", address="203.0.113.5", **headers):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def _fail(client, times, **who) -> list[int]:
    return [_log_in(client, "wrong", **who).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_login_even_against_the_right_one(client, organiser):
    assert _fail(client, 5) == [200, 200, 200, 200, 429]  # the form again, then locked
    response = _log_in(client, "right horse")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="organiser", ip_address="203.0.113.5")
    assert attempt.failures_since_start >= 5


def test_four_wrong_passwords_do_not_lock_and_a_login_forgets_them(client, organiser):
    assert _fail(client, 4) == [200] * 4
    assert _log_in(client, "right horse")["Location"] == "/admin/"
    assert not AccessAttempt.objects.exists()
    client.logout()
    _fail(client, 4)
    assert _log_in(client, "right horse")["Location"] == "/admin/"


def test_a_lockout_holds_one_username_from_one_address(client, organiser, django_user_model):
    django_user_model.objects.create_user("colleague", password="other horse", is_staff=True)
    _fail(client, 5)
    assert _log_in(client, "right horse", address="198.51.100.7")["Location"] == "/admin/"
    client.logout()
    assert _log_in(client, "other horse", username="colleague")["Location"] == "/admin/"


@pytest.mark.parametrize("command", [["axes_reset"], ["axes_reset_username", "organiser"]])
def test_axes_reset_lets_a_locked_out_organiser_in_again(client, organiser, command):
    _fail(client, 5)
    assert _log_in(client, "right horse").status_code == 429
    call_command(*command, stdout=StringIO())
    assert _log_in(client, "right horse")["Location"] == "/admin/"


def test_behind_a_proxy_the_lockout_holds_the_client_address_not_the_proxys(
    client, organiser, settings
):
    settings.PROXY_COUNT = 1  # nginx adds the address it saw to the end of X-Forwarded-For

    def via_proxy(password, forwarded_for):
        return _log_in(client, password, address="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    for forged in range(5):  # what the client itself sends comes first, and changes nothing
        via_proxy("wrong", f"10.9.9.{forged}, 203.0.113.5")
    assert via_proxy("right horse", "203.0.113.5").status_code == 429
    assert via_proxy("right horse", "198.51.100.7")["Location"] == "/admin/"


@pytest.mark.parametrize(
    "start",
    [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)],
)
def test_a_talk_stored_at_an_end_of_time_opens_in_the_admin_to_be_corrected(admin_client, start):
    talk = make_talk(start=start, duration=None)
    response = admin_client.get(reverse("admin:seminars_talk_change", args=[talk.pk]))
    assert response.status_code == 200
    assert f'value="{start:%H:%M:%S}"' in response.text


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "Europe/London"])
@pytest.mark.parametrize("year", ["0001", "1899", "2201", "9999"])
def test_a_talk_typed_outside_the_supported_years_is_refused_with_a_form_error(
    admin_client, settings, zone, year
):
    settings.TIME_ZONE = zone
    series = make_series()
    response = admin_client.post(
        reverse("admin:seminars_talk_add"),
        {
            "series": series.pk,
            "title": "Far away",
            "status": "confirmed",
            "start_0": f"{year}-01-01",
            "start_1": "10:00:00",
            "talk_speakers-TOTAL_FORMS": "0",
            "talk_speakers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Talks take place in the years 1900–2200." in response.text
    assert not Talk.objects.exists()


# An admin fit for organisers: the talk list, the talk form, the weekly repeat


def _listed_titles(response):
    return [t.title for t in response.context["cl"].result_list]


def test_the_talk_list_shows_upcoming_talks_soonest_first_then_past_ones_latest_first(
    admin_client,
):
    now = timezone.now()
    for title, days in [("Last week", -7), ("In a week", 7), ("Yesterday", -1), ("Tomorrow", 1)]:
        make_talk(title=title, start=now + dt.timedelta(days=days))
    response = admin_client.get(TALKS)
    assert _listed_titles(response) == ["Tomorrow", "In a week", "Yesterday", "Last week"]
    # No column claims the order, which none of them shows.
    assert 'class="sorted' not in response.text


def test_a_talk_running_longer_than_90_days_is_listed_where_feeds_keep_it(admin_client):
    now = timezone.now()
    make_talk(title="Yesterday", start=now - dt.timedelta(days=1))
    make_talk(title="Tomorrow", start=now + dt.timedelta(days=1))
    make_talk(
        title="For months", start=now - dt.timedelta(days=100), duration=dt.timedelta(days=101)
    )
    listed = _listed_titles(admin_client.get(TALKS))
    # Not over, so among the talks to come, by its start; the order feeds keep talks in.
    assert listed == ["For months", "Tomorrow", "Yesterday"]
    assert listed == [talk.title for talk in Talk.objects.nearest_first()]


def test_the_talk_list_still_sorts_by_a_column_asked_for(admin_client):
    now = timezone.now()
    for title, days in [("Bravo", -7), ("Charlie", 7), ("Alpha", 1)]:
        make_talk(title=title, start=now + dt.timedelta(days=days))
    by_title = admin_client.get(TALKS, {"o": "2"})  # column 0 is the checkbox
    assert _listed_titles(by_title) == ["Alpha", "Bravo", "Charlie"]
    by_start = admin_client.get(TALKS, {"o": "-1"})
    assert _listed_titles(by_start) == ["Charlie", "Alpha", "Bravo"]


def test_the_talk_list_gives_times_short_in_the_sites_zone(admin_client, settings):
    settings.TIME_ZONE = "Europe/London"
    make_talk(start=dt.datetime(2030, 12, 3, 16, tzinfo=dt.UTC))
    make_talk(start=dt.datetime(2030, 7, 2, 15, tzinfo=dt.UTC))  # 16:00 in summer time
    midnight = dt.datetime(2030, 12, 10, tzinfo=dt.UTC)
    make_talk(start=midnight, all_day=True, duration=dt.timedelta(days=1))
    page = admin_client.get(TALKS).text
    assert ">Tue 3 Dec 2030, 16:00<" in page
    assert ">Tue 2 Jul 2030, 16:00<" in page
    assert ">Tue 10 Dec 2030<" in page


def test_the_talk_list_cuts_long_texts_to_one_line_and_keeps_them_whole_in_a_tooltip(
    admin_client,
):
    title = "A very long title " * 10
    make_talk(title=title.strip(), speakers=[make_speaker("Ada Lovelace")])
    page = admin_client.get(TALKS).text
    assert f'<span class="truncated title" title="{title.strip()}">' in page
    assert '<span class="truncated speakers" title="Ada Lovelace">' in page
    assert "/static/seminars/admin.css" in page


def test_the_talk_list_filters_by_status(admin_client):
    make_talk(title="On")
    make_talk(title="Off", status=Talk.Status.CANCELLED)
    assert _listed_titles(admin_client.get(TALKS, {"status__exact": "cancelled"})) == ["Off"]


def test_talk_search_finds_venues(admin_client):
    make_talk(title="Found", venue="Lecture Theatre B")
    make_talk(title="Other", venue="Room 1")
    assert _listed_titles(admin_client.get(TALKS, {"q": "theatre"})) == ["Found"]


def _repeat(client, *talks):
    data = {"action": "repeat_next_week", ACTION_CHECKBOX_NAME: [t.pk for t in talks]}
    return client.post(TALKS, data, follow=True)


def test_repeat_next_week_copies_a_talk_seven_days_later_with_a_new_uid_and_no_speakers(
    admin_client, settings
):
    source = FeedSource.objects.create(location="https://example.org/cal.ics")
    talk = make_talk(
        title="Weekly",
        abstract="About it.",
        venue="Room 1",
        url="https://example.org/talk",
        join_url="https://meet.example.org/weekly",
        recording_url="https://example.org/recording",
        contact="ann@example.org",
        status=Talk.Status.CANCELLED,
        source=source,
        speakers=[make_speaker()],
        duration=dt.timedelta(minutes=90),
    )
    response = _repeat(admin_client, talk)
    assert "1 talk created a week later." in response.text
    copy = Talk.objects.exclude(pk=talk.pk).get()
    copied = ["series", "title", "abstract", "venue", "all_day", "url", "join_url", "contact"]
    assert [getattr(copy, f) for f in copied] == [getattr(talk, f) for f in copied]
    assert (copy.start, copy.end) == (talk.start + WEEK, talk.end + WEEK)
    assert copy.uid != talk.uid and copy.uid.endswith(f"@{settings.UID_DOMAIN}")
    assert (copy.status, copy.sequence, copy.source, copy.recording_url) == (
        "confirmed",
        0,
        None,
        "",
    )
    assert not copy.talk_speakers.exists()
    talk.refresh_from_db()
    assert (talk.status, talk.sequence, talk.talk_speakers.count()) == ("cancelled", 0, 1)


WEEK = dt.timedelta(days=7)


@pytest.mark.parametrize(
    "start, copy_start",
    [
        # 16:00 in London on the Tuesday before summer time ends, and the Tuesday after.
        (
            dt.datetime(2030, 10, 22, 15, tzinfo=dt.UTC),
            dt.datetime(2030, 10, 29, 16, tzinfo=dt.UTC),
        ),
        (dt.datetime(2030, 3, 26, 16, tzinfo=dt.UTC), dt.datetime(2030, 4, 2, 15, tzinfo=dt.UTC)),
    ],
)
def test_repeat_next_week_keeps_the_time_of_day_across_a_summer_time_change(
    admin_client, settings, start, copy_start
):
    settings.TIME_ZONE = "Europe/London"
    talk = make_talk(start=start)
    _repeat(admin_client, talk)
    copy = Talk.objects.exclude(pk=talk.pk).get()
    assert (copy.start, copy.end) == (copy_start, copy_start + dt.timedelta(hours=1))


def test_repeat_next_week_leaves_out_a_talk_whose_next_week_is_past_the_supported_years(
    admin_client,
):
    late = make_talk(title="Late", start=dt.datetime(2200, 12, 28, 12, tzinfo=dt.UTC))
    fine = make_talk(title="Fine")
    response = _repeat(admin_client, late, fine)
    assert "1 talk created a week later." in response.text
    assert "1 talk not repeated: a week later falls outside 1900–2200." in response.text
    assert sorted(Talk.objects.values_list("title", flat=True)) == ["Fine", "Fine", "Late"]


def test_the_add_page_invents_no_uid_and_the_change_page_shows_it_read_only(admin_client):
    add = admin_client.get(reverse("admin:seminars_talk_add")).text
    assert "Calendar UID" not in add and 'name="uid"' not in add
    talk = make_talk()
    change = admin_client.get(reverse("admin:seminars_talk_change", args=[talk.pk])).text
    assert ">Calendar UID:</label>" in change and talk.uid in change
    assert 'name="uid"' not in change
    labels = ["Revision", "Imported from", "Added", "Last changed", "Join link", "External URL"]
    for label in labels:
        assert f">{label}:</" in change, label


def test_the_admin_is_titled_with_the_site_name(admin_client, settings):
    page = admin_client.get("/admin/").text
    assert f"<title>Series, talks and speakers | {settings.SITE_NAME} admin</title>" in page
    assert f">{settings.SITE_NAME} admin</a>" in page


def test_the_talk_form_lists_its_speakers_in_order_with_their_affiliations(admin_client):
    talk = make_talk(
        speakers=[make_speaker("Zed", affiliation="Oxford"), make_speaker("Amy", affiliation="MIT")]
    )
    page = admin_client.get(reverse("admin:seminars_talk_change", args=[talk.pk])).text
    assert page.index("Zed (Oxford)") < page.index("Amy (MIT)")


def test_a_speaker_added_on_the_talk_form_without_a_position_goes_after_the_others(
    admin_client,
):
    zed, amy, new = make_speaker("Zed"), make_speaker("Amy"), make_speaker("New")
    talk = make_talk(speakers=[zed, amy])
    zed_link, amy_link = TalkSpeaker.objects.filter(talk=talk).order_by("position")
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    form = admin_client.get(url).context["adminform"].form
    start = talk.start.astimezone(timezone.get_default_timezone())
    data = {
        "series": talk.series_id,
        "title": form.initial["title"],
        "status": "confirmed",
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "talk_speakers-TOTAL_FORMS": "3",
        "talk_speakers-INITIAL_FORMS": "2",
    }
    for i, (link, speaker, position) in enumerate(
        [(zed_link, zed, "0"), (amy_link, amy, "1"), (None, new, "")]
    ):
        data[f"talk_speakers-{i}-id"] = link.pk if link else ""
        data[f"talk_speakers-{i}-talk"] = talk.pk
        data[f"talk_speakers-{i}-speaker"] = speaker.pk
        data[f"talk_speakers-{i}-position"] = position
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert _speaker_names(talk) == ["Zed", "Amy", "New"]
    talk.refresh_from_db()
    assert talk.sequence == 1


def test_a_talk_page_without_speakers_says_the_speaker_is_to_be_announced(client):
    bare = make_talk()
    assert "Speaker to be announced" in client.get(bare.get_absolute_url()).text
    with_speaker = make_talk(speakers=[make_speaker("Ada Lovelace")])
    page = client.get(with_speaker.get_absolute_url()).text
    assert "Ada Lovelace" in page and "Speaker to be announced" not in page


def test_renaming_a_speaker_raises_the_sequence_of_its_talks(admin_client):
    speaker = make_speaker("Ada Lovelace")
    talk, other = make_talk(speakers=[speaker]), make_talk()
    url = reverse("admin:seminars_speaker_change", args=[speaker.pk])
    data = {"name": "Ada King", "slug": speaker.slug, "affiliation": ""}
    assert admin_client.post(url, data).status_code == 302
    assert {t.title: t.sequence for t in Talk.objects.all()} == {talk.title: 1, other.title: 0}


def test_deleting_a_speaker_raises_the_sequence_of_its_talks(admin_client):
    speaker = make_speaker()
    talk, other = make_talk(speakers=[speaker]), make_talk()
    url = reverse("admin:seminars_speaker_delete", args=[speaker.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Speaker.objects.filter(pk=speaker.pk).exists()
    assert {t.title: t.sequence for t in Talk.objects.all()} == {talk.title: 1, other.title: 0}


# A form opened before an import and saved after it (issue 21, item 5)

FEED = "/feeds/stale-form.ics"


def _import_feed(*props, title="Stale form talk"):
    """Import one event of the calendar FEED, with the extra properties `props`."""
    event = ics_event("stale@x", title, "20300101T100000Z", "20300101T110000Z", **dict(props))
    report = import_data(ics_calendar(event), FEED, ImportOptions(series="Stale"))
    assert not report.failed, report.error
    return report


def _change_page(client, talk):
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    return url, form_data(client.get(url).text, "talk_form")


def test_a_stale_form_saves_only_what_the_organiser_changed_and_keeps_an_imported_venue(
    admin_client,
):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)  # opened before the calendar gains a room
    _import_feed(("location", "Room V2"))
    data["title"] = ["Renamed here"]
    response = admin_client.post(url, data, follow=True)
    assert [m.message for m in response.context["messages"]][0] == (
        "While you were editing, the venue changed (by an import or another organiser); "
        "the newer value is kept."
    )
    talk.refresh_from_db()
    assert (talk.title, talk.venue, talk.sequence) == ("Renamed here", "Room V2", 2)
    assert (talk.imported["title"], talk.imported["venue"]) == ("Stale form talk", "Room V2")


def test_after_a_stale_form_the_feeds_venue_changes_still_come_through_without_a_conflict(
    admin_client,
):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    _import_feed(("location", "Room V2"))
    data["title"] = ["Renamed here"]
    assert admin_client.post(url, data).status_code == 302
    report = _import_feed(("location", "Room V3"))
    talk.refresh_from_db()
    assert (talk.title, talk.venue) == ("Renamed here", "Room V3")
    assert report.result.conflicts == []


def test_a_stale_form_changing_what_an_import_changed_meanwhile_is_refused_with_the_form_intact(
    admin_client,
):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    _import_feed(("location", "Room V2"), title="Retitled by the feed")
    data["title"] = ["Renamed here"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "__all__": [
            "This talk changed while you were editing it: see the fields marked below. "
            "Nothing was saved; your values are still in the form. Save again to keep them."
        ],
        "title": ["Changed meanwhile (by an import or another organiser) to: Retitled by the feed"],
    }
    assert 'value="Renamed here"' in response.text
    talk.refresh_from_db()
    assert (talk.title, talk.venue, talk.sequence) == ("Retitled by the feed", "Room V2", 1)


def test_a_refused_stale_form_saved_again_keeps_the_organisers_value(admin_client):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    _import_feed(("location", "Room V2"), title="Retitled by the feed")
    data["title"] = ["Renamed here"]
    again = form_data(admin_client.post(url, data).text, "talk_form")
    assert again["title"] == ["Renamed here"]
    response = admin_client.post(url, again)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert (talk.title, talk.venue) == ("Renamed here", "Room V2")


def test_a_stale_form_whose_change_the_import_made_too_saves_without_a_clash(admin_client):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    _import_feed(("location", "Room V2"))
    data["venue"] = ["Room V2"]
    data["abstract"] = ["Written here."]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert (talk.venue, talk.abstract) == ("Room V2", "Written here.")


def test_a_stale_form_changing_the_start_is_checked_against_the_end_the_import_set(
    admin_client,
):
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    event = ics_event("stale@x", "Stale form talk", "20300101T100000Z", "20300101T103000Z")
    import_data(ics_calendar(event), FEED, ImportOptions(series="Stale"))
    zone = timezone.get_default_timezone()
    data["start_1"] = [
        dt.datetime(2030, 1, 1, 10, 45, tzinfo=dt.UTC).astimezone(zone).strftime("%H:%M:%S")
    ]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "__all__": ["A talk cannot end before it starts."]
    }
    talk.refresh_from_db()
    assert (talk.start, talk.end) == (
        dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2030, 1, 1, 10, 30, tzinfo=dt.UTC),
    )


def test_a_stale_form_whose_speakers_an_import_replaced_meanwhile_says_so_and_saves_nothing(
    admin_client,
):
    _import_feed(("description", "Speaker: Ada Lovelace"))
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    _import_feed(("description", "Speaker: Grace Hopper (Navy)"))
    data["title"] = ["Renamed here"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == [
        "The speakers changed while you were editing (by an import or another organiser); "
        "they are now: Grace Hopper (Navy). Nothing was saved: open the talk again to change "
        "its speakers."
    ]
    talk.refresh_from_db()
    assert (talk.title, _speaker_names(talk)) == ("Stale form talk", ["Grace Hopper"])


def test_a_start_both_changed_is_refused_naming_the_feeds_and_saved_again_keeps_the_organisers(
    admin_client, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    _import_feed()
    talk = Talk.objects.get(uid="stale@x")
    url, data = _change_page(admin_client, talk)
    moved = ics_event("stale@x", "Stale form talk", "20300101T090000Z", "20300101T110000Z")
    import_data(ics_calendar(moved), FEED, ImportOptions(series="Stale"))
    data["start_1"] = ["10:30:00"]  # Berlin time: 09:30 UTC
    response = admin_client.post(url, data)
    assert response.context["adminform"].form.errors["start"] == [
        "Changed meanwhile (by an import or another organiser) to: Tue 1 Jan 2030, 10:00"
    ]
    again = form_data(response.text, "talk_form")
    assert (again["start_1"], again["initial-start_1"]) == (["10:30:00"], ["10:00:00"])
    response = admin_client.post(url, again)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert talk.start == dt.datetime(2030, 1, 1, 9, 30, tzinfo=dt.UTC)


def test_a_changed_start_survives_a_form_shown_again_for_another_fields_error(admin_client):
    talk = make_talk(start=dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC))
    url, data = _change_page(admin_client, talk)
    zone = timezone.get_default_timezone()
    data["start_1"] = [
        dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC).astimezone(zone).strftime("%H:%M:%S")
    ]
    data["join_url"] = ["javascript:alert(1)"]
    again = form_data(admin_client.post(url, data).text, "talk_form")
    again["join_url"] = ["https://example.org/call"]
    response = admin_client.post(url, again)
    assert response.status_code == 302, response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert (talk.start, talk.join_url) == (
        dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC),
        "https://example.org/call",
    )
