"""Organisers saving talks while an import of their calendar runs (issue 21, item 6).

A real import runs in one thread and the admin, through Django's test client, in another,
in a child process on a database of its own (an SQLite file, or a new PostgreSQL database on
the server the tests use). The import is held at its first progress report, inside its
transaction, with its source locked, while the organiser saves; then it goes on.
"""

import json
import os
import subprocess
import sys
import time

import pytest
from django.utils.html import escape

from seminars.admin.talks import BUSY, SOURCE_BUSY
from seminars.locks import LOCK_WAIT
from tests.subprocesses import ROOT, env_for, manage, own_database

EVENTS = 600  # the import reports progress at 0 and at 500: it holds there
LOCATION = "/feeds/busy.ics"
RESULT = "RESULT "


def _calendar(version: int) -> bytes:
    """EVENTS talks; version 2 changes every title and gives every talk a room."""
    from tests.factories import ics_calendar, ics_event

    extra = {"location": "Room 2"} if version == 2 else {}
    suffix = ", v2" if version == 2 else ""
    events = [
        ics_event(
            f"e{i}@x", f"Talk {i}{suffix}", f"2030{1 + i % 12:02d}01T1000{i % 60:02d}Z", **extra
        )
        for i in range(EVENTS)
    ]
    return ics_calendar(*events, name="Busy")


def _state(talk) -> dict:
    talk.refresh_from_db()
    return {
        "title": talk.title,
        "abstract": talk.abstract,
        "venue": talk.venue,
        "status": talk.status,
    }


def child() -> None:
    """The scenario, run in the child process; prints its observations as one JSON line."""
    import threading

    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from seminars.importing import ImportOptions, import_data
    from seminars.models import Speaker, Talk, TalkSpeaker
    from tests.factories import make_speaker, make_talk
    from tests.html_forms import form_data

    setup_test_environment()
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client()
    client.force_login(user)
    options = ImportOptions(series="Busy")
    assert not import_data(_calendar(1), LOCATION, options).failed
    imported = Talk.objects.get(uid=f"e{EVENTS - 1}@x")  # the last one the import reaches
    here = make_talk(title="Made here")  # in another series, from no calendar
    other = get_user_model().objects.create_user("other", is_staff=True)
    here.series.organisers.add(other)
    other_client = Client()
    other_client.force_login(other)

    def opened(talk, change):
        url = reverse("admin:seminars_talk_change", args=[talk.pk])
        data = form_data(client.get(url).text, "talk_form")
        return url, {**data, **change}

    imported_form = opened(imported, {"abstract": ["Written during the import."]})
    speaker = make_speaker("Ada Lovelace")
    TalkSpeaker.objects.create(talk=imported, speaker=speaker)
    speaker_url = reverse("admin:seminars_speaker_change", args=[speaker.pk])
    speaker_form = form_data(client.get(speaker_url).text, "speaker_form")
    speaker_form["affiliation"] = ["Written during the import"]
    here_form = opened(here, {"abstract": ["Also written during the import."]})

    holding, go, out = threading.Event(), threading.Event(), {}

    def progress(done, total):
        if done == 0:
            holding.set()
            go.wait(15)

    def run_import():
        try:
            report = import_data(_calendar(2), LOCATION, options, progress=progress)
            out["import"] = {"error": report.error, "updated": report.result.updated}
        except Exception as error:  # what a deadlock does to it
            out["import"] = {"error": f"{type(error).__name__}: {error}".splitlines()[0]}
        finally:
            connection.close()

    def post(url, data, client=client):
        start = time.monotonic()
        try:
            response = client.post(url, data)
            seen = {"status": response.status_code, "page": response.content.decode()}
        except Exception as error:  # what the test client raises for a 500
            seen = {"status": 500, "page": f"{type(error).__name__}: {error}"}
        seconds = round(time.monotonic() - start, 1)
        messages = [m.message for m in client.get("/admin/").context["messages"]]
        return {**seen, "seconds": seconds, "messages": messages}

    def get(url):
        try:
            response = client.get(url)
            return {"status": response.status_code, "page": response.content.decode()}
        except Exception as error:  # what the test client raises for a 500
            return {"status": 500, "page": f"{type(error).__name__}: {error}"}

    thread = threading.Thread(target=run_import)
    thread.start()
    assert holding.wait(60), "the import never started"
    out["pages"] = {
        name: get(reverse(f"admin:seminars_{name}", args=[pk]))
        for name, pk in [
            ("talk_change", imported.pk),
            ("talk_delete", imported.pk),
            ("series_change", imported.series_id),
            ("feedsource_change", imported.source_id),
        ]
    }
    out["during"] = post(*imported_form)
    out["speaker"] = post(speaker_url, speaker_form)
    out["speaker_after"] = Speaker.objects.get(pk=speaker.pk).affiliation
    out["action"] = post(
        reverse("admin:seminars_talk_changelist"),
        {"action": "cancel_talks", ACTION_CHECKBOX_NAME: [imported.pk]},
    )
    out["action"].pop("page")
    out["here"] = post(*here_form)
    out["other"] = post(*imported_form, client=other_client)
    out["other"].pop("page")
    delete_url = reverse("admin:seminars_talk_delete", args=[imported.pk])
    out["delete"] = post(delete_url, {"post": "yes"})
    go.set()
    thread.join()
    out["after_import"] = _state(imported)
    out["v2_titles"] = Talk.objects.filter(title__endswith=", v2").count()
    # The organiser saves again the form the refusal gave back.
    url, _ = imported_form
    again = form_data(out["during"]["page"], "talk_form") if out["during"]["status"] == 200 else {}
    out["again"] = post(url, again) if again else {"status": None}
    out["again"].pop("page", None)
    out["after_again"] = _state(imported)
    out["here_after"] = _state(here)
    out["exists_after"] = Talk.objects.filter(pk=imported.pk).exists()
    out["imported_pk"] = imported.pk
    print(RESULT + json.dumps(out))


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """What the child saw."""
    with own_database(tmp_path_factory.mktemp("admin_concurrency"), "admin") as url:
        env = {**env_for(url), "DJANGO_SETTINGS_MODULE": "tests.settings"}
        migrate = manage(env, "migrate", "--no-input", "-v0")
        assert migrate.returncode == 0, migrate.stderr
        code = (
            "import django; django.setup(); from tests.test_admin_concurrency import child; child()"
        )
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    lines = [line for line in run.stdout.splitlines() if line.startswith(RESULT)]
    assert run.returncode == 0 and lines, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(lines[-1].removeprefix(RESULT))


ON_SQLITE = not os.environ.get("DATABASE_URL", "").startswith("postgres")
# Answered well before the 20 s that SQLite's lock wait (or PostgreSQL's blocked commit) took
# before: a margin wide enough for a loaded machine, not a timing to meet.
SOONER = 12


def test_a_save_during_an_import_of_the_talks_calendar_comes_back_at_once_saying_save_again(
    outcome,
):
    during = outcome["during"]
    assert (during["status"], during["seconds"] < SOONER) == (200, True), during
    # SQLite's one lock for the whole database doesn't say who holds it.
    assert escape(BUSY if ON_SQLITE else SOURCE_BUSY) in during["page"]
    assert "Written during the import." in during["page"]  # the form, as posted


def test_the_admins_pages_open_while_an_import_writes(outcome):
    # On SQLite a transaction takes the write lock as it begins (IMMEDIATE): a page that only
    # reads must not wait in one for the import (20 s, then an error page).
    pages = outcome["pages"]
    assert {name: seen["status"] for name, seen in pages.items()} == {
        "talk_change": 200,
        "talk_delete": 200,
        "series_change": 200,
        "feedsource_change": 200,
    }, {name: seen["page"][:300] for name, seen in pages.items()}
    assert f"Talk {EVENTS - 1}" in pages["talk_change"]["page"]


def test_a_speaker_save_during_an_import_of_its_talks_calendar_comes_back_saying_so(outcome):
    speaker = outcome["speaker"]
    assert (speaker["status"], speaker["seconds"] < SOONER) == (200, True), speaker
    refusal = (
        "Another change is being saved (an import, most likely)"
        if ON_SQLITE
        else "A calendar of this speaker's talks is being imported"
    )
    assert f"{escape(refusal)}: nothing was saved." in speaker["page"]
    assert "Written during the import" in speaker["page"]  # the form, as posted
    assert outcome["speaker_after"] == ""


def test_the_import_a_save_met_finishes_whole(outcome):
    assert outcome["import"] == {"error": "", "updated": EVENTS}
    assert outcome["v2_titles"] == EVENTS
    assert outcome["after_import"] == {
        "title": f"Talk {EVENTS - 1}, v2",
        "abstract": "",
        "venue": "Room 2",
        "status": "confirmed",
    }


def test_the_refused_form_saved_again_after_the_import_keeps_both_the_edit_and_the_import(
    outcome,
):
    assert outcome["again"]["status"] == 302
    assert outcome["after_again"] == {
        "title": f"Talk {EVENTS - 1}, v2",
        "abstract": "Written during the import.",
        "venue": "Room 2",
        "status": "confirmed",
    }


def test_cancelling_talks_during_an_import_of_their_calendar_changes_nothing_and_says_why(
    outcome,
):
    assert outcome["action"]["status"] == 302
    assert outcome["action"]["messages"] == [
        "Another change is being saved (an import, most likely): nothing was changed. "
        "Try again in a minute."
        if ON_SQLITE
        else "A calendar of these talks is being imported: nothing was changed. "
        "Try again in a minute."
    ]
    assert outcome["after_import"]["status"] == "confirmed"


def test_a_talk_from_no_calendar_saves_during_an_import_where_the_database_allows_it(outcome):
    here = outcome["here"]
    assert here["seconds"] < SOONER
    if ON_SQLITE:  # one writer at a time: the import
        assert (here["status"], outcome["here_after"]["abstract"]) == (200, ""), here
        assert escape(BUSY) in here["page"]
    else:
        assert (here["status"], outcome["here_after"]["abstract"]) == (
            302,
            "Also written during the import.",
        )


def test_deleting_a_talk_during_an_import_of_its_calendar_keeps_it_and_says_why(outcome):
    delete = outcome["delete"]
    assert (delete["status"], delete["seconds"] < SOONER) == (302, True), delete
    undone = "it was not deleted. Try again in a minute."
    if ON_SQLITE:
        assert delete["messages"] == [
            f"Another change is being saved (an import, most likely): {undone}"
        ]
    else:
        assert delete["messages"] == [f"This talk's calendar is being imported: {undone}"]
    assert outcome["exists_after"] is True


def test_an_organiser_posting_to_another_series_talk_during_its_import_learns_nothing(outcome):
    other = outcome["other"]
    # What it gets at any time: at once, or on SQLite after waiting for the write lock, as
    # every save does there, whichever talk it is for.
    limit = SOONER if ON_SQLITE else LOCK_WAIT
    assert (other["status"], other["seconds"] < limit) == (302, True), other
    assert other["messages"] == [
        f"talk with ID “{outcome['imported_pk']}” doesn’t exist. Perhaps it was deleted?"
    ]
