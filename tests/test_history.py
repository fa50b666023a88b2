"""A talk's history (seminars.history, django-simple-history's records): admin edits with
their account, admin actions, imports and the speakers' own edits, each with its old and new
values, read only by the organisers of the talk's series."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from seminars.history import talk_history
from seminars.models import Talk
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, ics_time
from tests.test_mail import inbox  # noqa: F401
from tests.test_speaker_links import RUNS_A, WHO, client_as, media, world  # noqa: F401


@pytest.mark.parametrize("who", WHO)
def test_only_organisers_of_the_talks_series_read_its_history(world, who):  # noqa: F811  (the fixture imported above)
    world.talk.title = "A new title"
    world.talk.save()
    response = client_as(world, who).get(
        reverse("admin:seminars_talk_history", args=[world.talk.pk])
    )
    if who in RUNS_A:
        assert response.status_code == 200
        page = response.content.decode()
        assert "Notes on the engine" in page and "A new title" in page
    else:
        assert response.status_code in (302, 403)
        assert b"Notes on the engine" not in response.content


def test_an_admin_edit_is_in_the_history_with_its_account_and_both_values(world):  # noqa: F811  (the fixture imported above)
    client = client_as(world, "organiser_a")
    talk = world.talk
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("speakers", "slides_file")  # no file is posted back
    }
    data.update(
        {
            "series": talk.series_id,
            "title": "Edited in the admin",
            "start_0": talk.start.strftime("%d/%m/%Y"),
            "start_1": talk.start.strftime("%H:%M:%S"),
            "end_0": talk.end.strftime("%d/%m/%Y"),
            "end_1": talk.end.strftime("%H:%M:%S"),
            "talk_speakers-TOTAL_FORMS": "0",
            "talk_speakers-INITIAL_FORMS": "0",
        }
    )
    assert client.post(url, data).status_code == 302
    (latest, *_) = talk.history.order_by("-history_date", "-history_id")
    assert latest.history_user == world.users["organiser_a"]
    page = client.get(reverse("admin:seminars_talk_history", args=[talk.pk])).content.decode()
    (entry, *_) = talk_history(talk)
    assert (entry.who, entry.what) == ("Ann Org", "Talk changed")
    assert ("Title", "Notes on the engine", "Edited in the admin") in entry.changes
    assert "Ann Org" in page.split("<tbody>")[1]


def test_an_admin_action_is_in_the_history_with_its_account(world):  # noqa: F811  (the fixture imported above)
    client = client_as(world, "organiser_a")
    client.post(
        reverse("admin:seminars_talk_changelist"),
        {"action": "cancel_talks", ACTION_CHECKBOX_NAME: [world.talk.pk]},
    )
    (entry, *_) = talk_history(Talk.objects.get(pk=world.talk.pk))
    assert entry.who == "Ann Org"
    assert ("Status", "confirmed", "cancelled") in entry.changes


def test_an_import_is_in_the_history_as_the_imports(world, tmp_path):  # noqa: F811  (the fixture imported above)
    start = timezone.now() + dt.timedelta(days=3)
    path = tmp_path / "feed.ics"
    for title in ("First", "Second"):
        event = ics_event(
            "h@example.org", title, ics_time(start), ics_time(start + dt.timedelta(hours=1))
        )
        path.write_bytes(ics_calendar(event))
        code, _, err = run_import(str(path), "--series", "Series A")
        assert code == 0, err
    entries = talk_history(Talk.objects.get(uid="h@example.org"))
    assert [(e.what, e.changes) for e in entries] == [
        ("Talk changed", [("Title", "First", "Second")]),
        ("Talk added", []),
    ]
    assert {e.who for e in entries} == {f"Import from {path}"[:100]}


def test_cancelling_more_talks_than_a_statement_holds_records_each_once(world):  # noqa: F811  (the fixture imported above)
    from seminars import bulk_history
    from tests.factories import make_talk

    series = world.series["a"]
    extra = bulk_history.BATCH + 7
    Talk.objects.bulk_create(
        [
            Talk(series=series, title=f"T{n}", slug="t", start=world.talk.start, uid=f"u{n}")
            for n in range(extra)
        ]
    )
    make_talk(series=series)
    talks = Talk.objects.filter(series=series)
    count = talks.count()
    assert talks.cancel(why="Testing") == count
    history = Talk.history.filter(history_change_reason="Testing")
    assert history.count() == count
    assert set(history.values_list("status", flat=True)) == {"cancelled"}
