"""Organisers run their own series from the admin, and nothing else.

Four accounts face two series, A and B: an organiser of A, an organiser of A and B, a staff
account that organises nothing, and a superuser. Each test asks one page or action of each
of them and checks what is listed, what the admin answers, and what the database holds after.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seminars.models import FeedSource, Series, Speaker, Talk
from tests.factories import ics_calendar, ics_event, make_series, make_speaker, make_talk
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

WHO = ["organiser_a", "organiser_ab", "staff", "superuser"]
# The series each account runs.
RUNS = {"organiser_a": {"a"}, "organiser_ab": {"a", "b"}, "staff": set(), "superuser": {"a", "b"}}
# The speakers each account may change: those with no talk outside its series.
CHANGES_SPEAKERS = {
    "organiser_a": {"a", "free"},
    "organiser_ab": {"a", "b", "ab", "free"},
    "staff": set(),
    "superuser": {"a", "b", "ab", "free"},
}
EVERY_SPEAKER = {"a", "b", "ab", "free"}


@pytest.fixture
def world(django_user_model):
    """Series A and B with a talk each; speakers of A only, of B only, of both, and of none."""
    a, b = make_series("Series A"), make_series("Series B")
    speakers = {
        "a": make_speaker("Speaker of A"),
        "b": make_speaker("Speaker of B"),
        "ab": make_speaker("Speaker of both"),
        "free": make_speaker("Speaker of none"),
    }
    talks = {
        "a": make_talk(series=a, title="Talk in A", speakers=[speakers["a"], speakers["ab"]]),
        "b": make_talk(series=b, title="Talk in B", speakers=[speakers["b"], speakers["ab"]]),
    }
    staff = {"is_staff": True}
    users = {
        "organiser_a": django_user_model.objects.create_user("organiser_a", **staff),
        "organiser_ab": django_user_model.objects.create_user("organiser_ab", **staff),
        "staff": django_user_model.objects.create_user("staff", **staff),
        "superuser": django_user_model.objects.create_superuser("superuser"),
        "visitor": django_user_model.objects.create_user("visitor"),
    }
    a.organisers.add(users["organiser_a"], users["organiser_ab"])
    b.organisers.add(users["organiser_ab"])
    return SimpleNamespace(series={"a": a, "b": b}, talks=talks, speakers=speakers, users=users)


@pytest.fixture
def as_user(client, world):
    def log_in(who):
        client.force_login(world.users[who])
        return client

    return log_in


def outcome(response) -> str:
    """The admin's answer in a word: "ok" (a page), "done" (saved, on to another page),
    "missing" (the admin's "doesn't exist" redirect), "forbidden" (403) or "login"."""
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 200:
        return "ok"
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return "login"
    return "missing" if location == reverse("admin:index") else "done"


def refused(who, key) -> str:
    """How the admin refuses a row of series `key`: another series' row doesn't exist for an
    organiser; an account that organises nothing may not even ask."""
    return "missing" if RUNS[who] else "forbidden"


def talk_data(talk, **changes) -> dict:
    """The talk form as its page would post it, with `changes`."""
    start = talk.start.astimezone(timezone.get_default_timezone())
    return {
        "series": talk.series_id,
        "title": talk.title,
        "status": talk.status,
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "talk_speakers-TOTAL_FORMS": "0",
        "talk_speakers-INITIAL_FORMS": "0",
        **changes,
    }


def action(model, name, rows, **extra) -> tuple[str, dict]:
    data = {"action": name, ACTION_CHECKBOX_NAME: [r.pk for r in rows], **extra}
    return reverse(f"admin:seminars_{model}_changelist"), data


def autocomplete(client, model_name, field_name, term=""):
    params = {"app_label": "seminars", "model_name": model_name, "field_name": field_name}
    return client.get(reverse("admin:autocomplete"), {**params, "term": term})


def autocompleted(response) -> set[str]:
    return {row["text"] for row in response.json()["results"]}


def offered_actions(response) -> set[str]:
    """The actions a changelist offers."""
    form = response.context["action_form"]
    return set(dict(form.fields["action"].choices)) - {""} if form else set()


def listed(response) -> set[str]:
    return {str(row) for row in response.context["cl"].result_list}


def keys(mapping, names) -> set[str]:
    """The keys of `mapping` whose rows are called `names`."""
    return {key for key, row in mapping.items() if str(row) in names}


# Who gets in at all


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/seminars/talk/",
        "/admin/seminars/talk/add/",
        "/admin/seminars/series/",
        "/admin/seminars/speaker/",
    ],
)
def test_a_visitor_without_staff_status_gets_the_login_page(as_user, url):
    client = as_user("visitor")
    response = client.get(url, follow=True)
    assert response.redirect_chain[0][0].startswith(f"{reverse('admin:login')}?next=")
    assert "not authorized to access this page" in response.text


def test_a_staff_account_that_organises_nothing_sees_an_admin_with_nothing_to_edit(as_user):
    response = as_user("staff").get("/admin/")
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert "There is nothing for you to edit yet" in response.text


@pytest.mark.parametrize("who", ["organiser_a", "superuser"])
def test_the_admin_index_lists_what_each_account_edits(as_user, who):
    response = as_user(who).get("/admin/")
    names = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Series", "Speaker", "Talk", "FeedSource"} <= names
    assert ({"User", "Group"} <= names) is (who == "superuser")


# Talks


@pytest.mark.parametrize("who", WHO)
def test_the_talk_list_shows_only_the_talks_of_the_series_one_runs(as_user, world, who):
    response = as_user(who).get(reverse("admin:seminars_talk_changelist"))
    if not RUNS[who]:
        assert outcome(response) == "forbidden"
        return
    assert keys(world.talks, listed(response)) == RUNS[who]
    series_filter = next(f for f in response.context["cl"].filter_specs if f.title == "series")
    assert {name for _, name in series_filter.lookup_choices} == {
        world.series[k].name for k in RUNS[who]
    }


def test_the_talk_list_filtered_by_another_series_shows_nothing(as_user, world):
    url = reverse("admin:seminars_talk_changelist")
    response = as_user("organiser_a").get(url, {"series": world.series["b"].pk})
    assert response.status_code == 200
    assert listed(response) == set()


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_a_talk_opens_only_for_organisers_of_its_series(as_user, world, who, key):
    client = as_user(who)
    talk, runs = world.talks[key], key in RUNS[who]
    page = client.get(reverse("admin:seminars_talk_change", args=[talk.pk]))
    assert outcome(page) == ("ok" if runs else refused(who, key))
    # The history asks whether the talk exists before whether the account may see it.
    history = client.get(reverse("admin:seminars_talk_history", args=[talk.pk]))
    assert outcome(history) == ("ok" if runs else "missing")


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_a_talk_is_changed_only_by_organisers_of_its_series(as_user, world, who, key):
    talk = world.talks[key]
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    response = as_user(who).post(url, talk_data(talk, title="Changed"))
    runs = key in RUNS[who]
    assert outcome(response) == ("done" if runs else refused(who, key))
    talk.refresh_from_db()
    assert (talk.title, talk.sequence) == (
        ("Changed", 1) if runs else (f"Talk in {key.upper()}", 0)
    )


@pytest.mark.parametrize("who", ["organiser_a", "organiser_ab"])
def test_the_series_choices_of_the_talk_form_are_the_series_one_runs(as_user, world, who):
    response = as_user(who).get(reverse("admin:seminars_talk_add"))
    choices = response.context["adminform"].form.fields["series"].queryset
    assert {s.name for s in choices} == {world.series[k].name for k in RUNS[who]}


def test_a_talk_cannot_be_moved_into_a_series_its_organiser_does_not_run(as_user, world):
    talk = world.talks["a"]
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    data = talk_data(talk, series=world.series["b"].pk, title="Moved")
    response = as_user("organiser_a").post(url, data)
    assert response.status_code == 200
    assert "series" in response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert (talk.series, talk.title, talk.sequence) == (world.series["a"], "Talk in A", 0)


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_a_talk_is_added_only_to_a_series_one_runs(as_user, world, who, key):
    start = timezone.now() + dt.timedelta(days=3)
    data = talk_data(Talk(series=world.series[key], title="New talk", start=start))
    response = as_user(who).post(reverse("admin:seminars_talk_add"), data)
    if key in RUNS[who]:
        assert outcome(response) == "done"
    elif RUNS[who]:  # the form refuses a series the organiser doesn't run
        assert outcome(response) == "ok"
        assert "series" in response.context["adminform"].form.errors
    else:
        assert outcome(response) == "forbidden"
    added = Talk.objects.filter(title="New talk")
    assert [t.series for t in added] == ([world.series[key]] if key in RUNS[who] else [])


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_a_talk_is_deleted_only_by_organisers_of_its_series(as_user, world, who, key):
    client = as_user(who)
    url = reverse("admin:seminars_talk_delete", args=[world.talks[key].pk])
    runs = key in RUNS[who]
    assert outcome(client.get(url)) == ("ok" if runs else refused(who, key))
    assert outcome(client.post(url, {"post": "yes"})) == ("done" if runs else refused(who, key))
    assert Talk.objects.filter(pk=world.talks[key].pk).exists() is not runs


def _state(world) -> dict[str, tuple]:
    """Each series' talks as (title, status, sequence), in order."""
    return {
        key: sorted(series.talks.values_list("title", "status", "sequence"))
        for key, series in world.series.items()
    }


@pytest.mark.parametrize(
    "name, extra, before, after",
    [
        ("cancel_talks", {}, "confirmed", lambda t: [(t, "cancelled", 1)]),
        ("reconfirm_talks", {}, "cancelled", lambda t: [(t, "confirmed", 1)]),
        ("repeat_next_week", {}, "confirmed", lambda t: [(t, "confirmed", 0)] * 2),
        ("delete_selected", {"post": "yes"}, "confirmed", lambda t: []),
    ],
)
@pytest.mark.parametrize("who", WHO)
def test_a_bulk_action_on_talks_touches_only_those_of_the_series_one_runs(
    as_user, world, who, name, extra, before, after
):
    Talk.objects.update(status=before)
    untouched = _state(world)
    url, data = action("talk", name, world.talks.values(), **extra)
    response = as_user(who).post(url, data)
    assert outcome(response) == ("done" if RUNS[who] else "forbidden")
    expected = {
        key: after(f"Talk in {key.upper()}") if key in RUNS[who] else untouched[key]
        for key in world.series
    }
    assert _state(world) == expected


def test_select_all_in_a_bulk_action_takes_only_the_talks_one_runs(as_user, world):
    url, data = action("talk", "cancel_talks", [world.talks["a"]], select_across="1")
    as_user("organiser_a").post(url, data)
    assert set(Talk.objects.values_list("title", "status")) == {
        ("Talk in A", "cancelled"),
        ("Talk in B", "confirmed"),
    }


@pytest.mark.parametrize("who", WHO)
def test_the_talk_autocomplete_offers_only_the_talks_one_runs(as_user, world, who):
    response = autocomplete(as_user(who), "talkspeaker", "talk", term="talk")
    if not RUNS[who]:
        assert outcome(response) == "forbidden"
        return
    assert autocompleted(response) == {world.talks[k].title for k in RUNS[who]}


@pytest.mark.parametrize("who", WHO)
def test_the_series_autocomplete_of_the_talk_form_offers_only_the_series_one_runs(
    as_user, world, who
):
    response = autocomplete(as_user(who), "talk", "series")
    if not RUNS[who]:
        assert outcome(response) == "forbidden"
        return
    assert autocompleted(response) == {world.series[k].name for k in RUNS[who]}


# Speakers


@pytest.mark.parametrize("who", WHO)
def test_every_organiser_sees_every_speaker(as_user, world, who):
    client = as_user(who)
    response = client.get(reverse("admin:seminars_speaker_changelist"))
    offered = autocomplete(client, "talkspeaker", "speaker", term="speaker")
    if not RUNS[who]:
        assert (outcome(response), outcome(offered)) == ("forbidden", "forbidden")
        return
    assert keys(world.speakers, listed(response)) == EVERY_SPEAKER
    assert keys(world.speakers, autocompleted(offered)) == EVERY_SPEAKER


@pytest.mark.parametrize("key", sorted(EVERY_SPEAKER))
@pytest.mark.parametrize("who", WHO)
def test_a_speaker_is_changed_only_by_organisers_of_all_its_talks(as_user, world, who, key):
    client = as_user(who)
    speaker = world.speakers[key]
    url = reverse("admin:seminars_speaker_change", args=[speaker.pk])
    may = key in CHANGES_SPEAKERS[who]
    page = client.get(url)
    if RUNS[who]:  # shown to every organiser, editable only for those who may change it
        assert outcome(page) == "ok"
        assert ('name="affiliation"' in page.text) is may
    else:
        assert outcome(page) == "forbidden"
    data = {"name": speaker.name, "slug": speaker.slug, "affiliation": "Changed"}
    assert outcome(client.post(url, data)) == ("done" if may else "forbidden")
    speaker.refresh_from_db()
    assert speaker.affiliation == ("Changed" if may else "")


@pytest.mark.parametrize("key", sorted(EVERY_SPEAKER))
@pytest.mark.parametrize("who", WHO)
def test_a_speaker_is_deleted_only_by_organisers_of_all_its_talks(as_user, world, who, key):
    speaker = world.speakers[key]
    url = reverse("admin:seminars_speaker_delete", args=[speaker.pk])
    may = key in CHANGES_SPEAKERS[who]
    assert outcome(as_user(who).post(url, {"post": "yes"})) == ("done" if may else "forbidden")
    assert Speaker.objects.filter(pk=speaker.pk).exists() is not may


@pytest.mark.parametrize("who", WHO)
def test_any_organiser_adds_a_speaker(as_user, who):
    data = {"name": "New Speaker", "slug": "new-speaker"}
    response = as_user(who).post(reverse("admin:seminars_speaker_add"), data)
    assert outcome(response) == ("done" if RUNS[who] else "forbidden")
    assert Speaker.objects.filter(name="New Speaker").exists() is bool(RUNS[who])


@pytest.mark.parametrize("who", WHO)
def test_an_organiser_attaches_any_speaker_to_a_talk_of_its_own(as_user, world, who):
    talk, other = world.talks["a"], world.speakers["b"]  # a speaker of B only
    data = talk_data(
        talk,
        **{
            "talk_speakers-TOTAL_FORMS": "1",
            "talk_speakers-0-speaker": other.pk,
            "talk_speakers-0-position": "",
        },
    )
    response = as_user(who).post(reverse("admin:seminars_talk_change", args=[talk.pk]), data)
    runs = "a" in RUNS[who]
    assert outcome(response) == ("done" if runs else "forbidden")
    names = [s.name for s in Talk.objects.with_speakers().get(pk=talk.pk).speaker_list]
    expected = ["Speaker of A", "Speaker of both"]
    assert names == ([*expected, "Speaker of B"] if runs else expected)


@pytest.mark.parametrize("who", WHO)
def test_bulk_deleting_speakers_needs_the_right_to_delete_every_one(as_user, world, who):
    chosen = [world.speakers["a"], world.speakers["b"]]
    url, data = action("speaker", "delete_selected", chosen, post="yes")
    may = {"a", "b"} <= CHANGES_SPEAKERS[who]
    assert outcome(as_user(who).post(url, data)) == ("done" if may else "forbidden")
    assert Speaker.objects.filter(pk__in=[s.pk for s in chosen]).count() == (0 if may else 2)


@pytest.mark.parametrize("who", WHO)
def test_only_site_administrators_merge_speakers(as_user, world, who):
    chosen = [world.speakers["a"], world.speakers["free"]]
    url, data = action("speaker", "merge_selected", chosen, keep=chosen[0].pk)
    client = as_user(who)
    offered = client.get(reverse("admin:seminars_speaker_changelist"))
    response = client.post(url, data, follow=True)
    if who == "superuser":
        assert "merge_selected" in offered_actions(offered)
        assert "Merged 1 speaker(s) into Speaker of A" in response.text
        assert not Speaker.objects.filter(pk=chosen[1].pk).exists()
        return
    if RUNS[who]:  # not offered, and refused as an unknown action
        assert "merge_selected" not in offered_actions(offered)
        assert "No action selected." in response.text
    else:
        assert response.status_code == 403
    assert Speaker.objects.filter(pk__in=[s.pk for s in chosen]).count() == 2


# Series


@pytest.mark.parametrize("who", WHO)
def test_the_series_list_shows_only_the_series_one_runs(as_user, world, who):
    response = as_user(who).get(reverse("admin:seminars_series_changelist"))
    if not RUNS[who]:
        assert outcome(response) == "forbidden"
        return
    assert keys(world.series, listed(response)) == RUNS[who]
    assert ("delete_selected" in offered_actions(response)) is (who == "superuser")


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_an_organiser_edits_what_visitors_read_of_its_series_and_no_more(as_user, world, who, key):
    client = as_user(who)
    series = world.series[key]
    url = reverse("admin:seminars_series_change", args=[series.pk])
    runs = key in RUNS[who]
    page = client.get(url)
    assert outcome(page) == ("ok" if runs else refused(who, key))
    if runs:  # only a site administrator edits the name, slug and organisers
        for field in ("name", "slug", "organisers"):
            assert (f'name="{field}"' in page.text) is (who == "superuser"), field
    data = {
        "name": "Renamed",
        "slug": "renamed",
        "description": "About it",
        "website": "https://example.org/",
        "contact": "Ann",
        "organisers": [world.users["staff"].pk],
        "join_access": "open",  # the select's choice, as a browser posts it
    }
    assert outcome(client.post(url, data)) == ("done" if runs else refused(who, key))
    series.refresh_from_db()
    texts = (series.description, series.website, series.contact)
    assert texts == (("About it", "https://example.org/", "Ann") if runs else ("", "", ""))
    renamed = (series.name, series.slug) == ("Renamed", "renamed")
    assert renamed is (who == "superuser")
    organisers = {u.username for u in series.organisers.all()}
    if who == "superuser":
        assert organisers == {"staff"}
    elif key == "a":
        assert organisers == {"organiser_a", "organiser_ab"}
    else:
        assert organisers == {"organiser_ab"}


@pytest.mark.parametrize("who", WHO)
def test_only_site_administrators_add_and_delete_series(as_user, world, who):
    client = as_user(who)
    empty = make_series("Empty")
    empty.organisers.add(world.users[who])
    data = {"name": "Added", "slug": "added", "join_access": "open"}
    admin_only = "done" if who == "superuser" else "forbidden"
    assert outcome(client.post(reverse("admin:seminars_series_add"), data)) == admin_only
    url = reverse("admin:seminars_series_delete", args=[empty.pk])
    assert outcome(client.post(url, {"post": "yes"})) == admin_only
    url, data = action("series", "delete_selected", [empty], post="yes")
    client.post(url, data)
    names = set(Series.objects.values_list("name", flat=True))
    expected = {"Series A", "Series B"} | ({"Added"} if who == "superuser" else {"Empty"})
    assert names == expected


def test_a_new_series_organiser_runs_it_at_once_with_no_permission_granted(as_user, world):
    client = as_user("staff")
    assert outcome(client.get(reverse("admin:seminars_talk_changelist"))) == "forbidden"
    world.series["b"].organisers.add(world.users["staff"])
    response = client.get(reverse("admin:seminars_talk_changelist"))
    assert keys(world.talks, listed(response)) == {"b"}
    assert not world.users["staff"].user_permissions.exists()


def test_an_organiser_who_lost_staff_status_runs_nothing(client, world):
    user = world.users["organiser_a"]
    user.is_staff = False
    user.save()
    client.force_login(user)
    assert outcome(client.get(reverse("admin:seminars_talk_changelist"))) == "login"


def test_an_organisers_pages_ask_the_database_a_bounded_number_of_times(
    as_user, world, django_assert_max_num_queries
):
    for _ in range(30):
        make_talk(series=world.series["a"], speakers=[make_speaker(), make_speaker()])
    client = as_user("organiser_a")
    talk, speaker = world.talks["a"], world.speakers["a"]
    for url in [
        "/admin/",
        reverse("admin:seminars_talk_changelist"),
        reverse("admin:seminars_talk_change", args=[talk.pk]),
        reverse("admin:seminars_speaker_changelist"),
        reverse("admin:seminars_speaker_change", args=[speaker.pk]),
        reverse("admin:seminars_series_change", args=[world.series["a"].pk]),
    ]:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200, url


# Across series: what an import into A may touch of B (issue 21). An import acts for every
# organiser of its series, whoever presses the button: in A, for organiser_a and organiser_ab.

IMPORTERS = ["organiser_a", "organiser_ab", "superuser"]  # those who run A
# The speakers an import into A may change: those every organiser of A may change.
IMPORT_INTO_A_CHANGES = CHANGES_SPEAKERS["organiser_a"] & CHANGES_SPEAKERS["organiser_ab"]


def upload_into_a(client, world, calendar: bytes, name="term.ics"):
    """Add an uploaded calendar to series A and import it now, as `client`; the worker runs
    the import, and the page the press led to shows what it did."""
    upload = SimpleUploadedFile(name, calendar, content_type="text/calendar")
    data = {"series": world.series["a"].pk, "file": upload, "interval": "01:00:00"}
    assert outcome(client.post(reverse("admin:seminars_feedsource_add"), data)) == "done"
    source = FeedSource.objects.get(location=f"upload:{world.series['a'].slug}/{name}")
    pressed = client.post(reverse("admin:seminars_feedsource_import", args=[source.pk]))
    run_queued_tasks()
    return client.get(pressed.url)


@pytest.mark.parametrize("who", IMPORTERS)
def test_an_import_into_a_fills_in_only_speakers_every_organiser_of_a_may_change(
    as_user, world, who
):
    names = {key: speaker.name for key, speaker in world.speakers.items()}
    events = [
        ics_event(
            f"{key}@evil",
            f"Talk by {key}",
            "20300101T100000Z",
            description=(f"Speaker: {name} (Evil Corp\\, defaced by {who})"),
        )
        for key, name in names.items()
    ]
    response = upload_into_a(as_user(who), world, ics_calendar(*events))
    assert "4 created" in response.text
    defaced = f"Evil Corp, defaced by {who}"
    for key, speaker in world.speakers.items():
        speaker.refresh_from_db()
        may = key in IMPORT_INTO_A_CHANGES
        assert speaker.affiliation == (defaced if may else ""), key
        # The imported talk shows the calendar's affiliation either way: on the shared
        # speaker where A may change it, else on a speaker of A's own.
        talk = Talk.objects.with_speakers().get(uid=f"{key}@evil")
        (linked,) = talk.speaker_list
        assert (linked.name, linked.affiliation) == (names[key], defaced)
        assert (linked == speaker) is may
    # B's talk, whose speakers B keeps, did not change in any calendar.
    assert Talk.objects.get(pk=world.talks["b"].pk).sequence == 0


@pytest.mark.parametrize("who", IMPORTERS)
def test_an_import_into_a_skips_a_uid_of_b_naming_b_never_its_source(as_user, world, who):
    secret = "https://cal.example.org/b.ics?private-token=SECRET123"
    b_source = FeedSource.objects.create(location=secret, series=world.series["b"])
    Talk.objects.filter(pk=world.talks["b"].pk).update(uid="b-talk@b", source=b_source)
    made_here = make_talk(series=world.series["b"], title="Made in B", uid="made@b")
    calendar = ics_calendar(
        ics_event("b-talk@b", "Taken by A", "20300101T100000Z"),
        ics_event(made_here.uid, "Also taken by A", "20300101T100000Z"),
    )
    response = upload_into_a(as_user(who), world, calendar)
    assert "SECRET123" not in response.text and "cal.example.org" not in response.text
    assert [str(n) for n in response.context["skipped"]] == [
        "b-talk@b: skipped: the UID belongs to a talk of the series “Series B”",
        "made@b: skipped: the UID belongs to a talk created on this site in the series “Series B”",
    ]
    assert set(Talk.objects.values_list("uid", "title", "series__name", "sequence")) == {
        (world.talks["a"].uid, "Talk in A", "Series A", 0),
        ("b-talk@b", "Talk in B", "Series B", 0),
        ("made@b", "Made in B", "Series B", 0),
    }


@pytest.mark.parametrize("who", IMPORTERS)
def test_a_url_b_imports_is_refused_for_a_naming_b_only_to_its_organisers(as_user, world, who):
    url = "https://cal.example.org/b.ics?private-token=SECRET123"
    FeedSource.objects.create(location=url, series=world.series["b"])
    data = {"series": world.series["a"].pk, "url": url, "interval": "01:00:00"}
    response = as_user(who).post(reverse("admin:seminars_feedsource_add"), data)
    assert outcome(response) == "ok"  # the form again, with the error
    errors = response.context["adminform"].form.non_field_errors()
    if "b" in RUNS[who]:
        assert errors == [
            "This calendar is a source of “Series B” already; open that source to import it."
        ]
    else:
        assert errors == ["This calendar is already imported into another series."]
    assert list(FeedSource.objects.values_list("location", "series__name")) == [(url, "Series B")]
