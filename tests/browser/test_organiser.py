"""An organiser runs a series from the admin, clicked through in Chromium: logs in, sees only
its series, adds a talk with two speakers, repeats it next week, and adds, previews, imports and
re-imports a calendar feed whose talk it has edited."""

import datetime as dt
import re

import pytest
from django.utils import dateformat, timezone

from seminars.models import FeedSource, Talk
from tests.browser.test_accessibility import axe_violations
from tests.factories import ics_calendar, ics_event, ics_time, make_series, make_speaker, make_talk
from tests.feed_server import Reply
from tests.worker import run_queued_tasks

PASSWORD = "correct horse battery staple"
MOVED = "Room 9 (moved by the organiser)"


@pytest.fixture
def organiser(transactional_db, django_user_model):
    """Ann, a staff account running "Logic"; "Algebra", someone else's, has a talk."""
    user = django_user_model.objects.create_user("ann", password=PASSWORD, is_staff=True)
    logic = make_series("Logic", slug="logic")
    logic.organisers.add(user)
    algebra = make_series("Algebra", slug="algebra")
    make_talk(title="Rings and modules", series=algebra, start=day(2, 15))
    make_speaker("Ada Lovelace", affiliation="Analytical Society")
    make_speaker("Alan Turing", affiliation="Manchester")
    return user


@pytest.fixture
def allowed(settings):
    """The feed server is on 127.0.0.1, which organisers' sources may not reach unless a site
    administrator allows it. The live server runs in a thread of this process: it sees this."""
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]


def day(days, hour, minute=0) -> dt.datetime:
    """`days` from today at `hour`:`minute`, by the site's clock."""
    date = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def shown(when: dt.datetime) -> str:
    """`when` as the talk list's "when" column gives it."""
    return dateformat.format(timezone.localtime(when), "D j M Y, H:i")


def feed(venue: str) -> bytes:
    return ics_calendar(
        ics_event(
            "colloquium-1@feed",
            "Proof nets",
            ics_time(day(11, 16)),
            ics_time(day(11, 17)),
            location=venue,
        ),
        ics_event(
            "colloquium-2@feed",
            "Linear logic",
            ics_time(day(18, 16)),
            ics_time(day(18, 17)),
            location=venue,
        ),
        name="Logic colloquium",
    )


def log_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def choose(page, select_id, typed, option):
    """Pick `option` in the admin's autocomplete (select2) for the <select> `select_id`, by
    typing `typed` in its search box, as a person would."""
    page.locator(f"#{select_id} + .select2").get_by_role("combobox").click()
    dropdown = page.locator(".select2-dropdown")
    dropdown.get_by_role("searchbox").fill(typed)
    dropdown.get_by_role("option", name=option, exact=True).click()
    assert page.locator(f"#{select_id} option:checked").inner_text() == option


def rows(page):
    """The talk list's rows as (when, title, series, speakers)."""
    cells = [
        "td.field-when",
        "th.field-title_cell",
        "td.field-series_cell",
        "td.field-speaker_names",
    ]
    return [
        tuple(row.locator(cell).inner_text() for cell in cells)
        for row in page.locator("#result_list tbody tr").all()
    ]


MESSAGES = "ul.messagelist li"


def test_an_organiser_runs_its_series_talks_and_calendar_feed(
    open_page, live_server, organiser, server, allowed, axe_source
):
    from playwright.sync_api import expect  # not at the top: `make test` runs without it

    admin = live_server.url + "/admin/"
    talks = admin + "seminars/talk/"

    # Logs in through the login form.
    page = open_page("/admin/")
    page.wait_for_url(admin + "login/?next=/admin/")
    log_in(page, "ann", PASSWORD)
    page.wait_for_url(admin)

    # Sees only its own series: no talk of Algebra's, and a filter offering Logic alone.
    page.get_by_role("link", name="Talks", exact=True).click()
    page.wait_for_url(talks)
    expect(page.locator("#changelist .paginator")).to_have_text("0 talks")
    expect(page.get_by_text("Rings and modules")).to_have_count(0)
    series_filter = page.locator('#changelist-filter details[data-filter-title="series"]')
    expect(series_filter.get_by_role("link")).to_have_text(["All", "Logic"])

    # Adds a talk with two speakers, picked by typing in the speaker autocomplete.
    page.get_by_role("link", name="Add talk").click()
    page.wait_for_url(talks + "add/")
    choose(page, "id_series", "Log", "Logic")
    page.get_by_label("Title").fill("Cut elimination")
    page.get_by_label("Abstract").fill("Gentzen's Hauptsatz, in one hour.")
    start = day(3, 16)
    # A date and time field's label names neither of its two inputs (Django's MultiWidget).
    page.locator("#id_start_0").fill(start.date().isoformat())
    page.locator("#id_start_1").fill("16:00")
    page.locator("#id_end_0").fill(start.date().isoformat())
    page.locator("#id_end_1").fill("17:00")
    page.get_by_label("Venue").fill("Room 2.14")
    choose(page, "id_talk_speakers-0-speaker", "Ada", "Ada Lovelace (Analytical Society)")
    page.get_by_role("button", name="Add another Speaker").click()
    choose(page, "id_talk_speakers-1-speaker", "Turing", "Alan Turing (Manchester)")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(talks)
    expect(page.locator(MESSAGES)).to_have_text(
        ["The talk “Cut elimination” was added successfully."]
    )
    assert rows(page) == [
        (shown(start), "Cut elimination", "Logic", "Ada Lovelace, Alan Turing"),
    ]
    talk = Talk.objects.get(title="Cut elimination")
    assert (talk.start, talk.end, talk.venue) == (start, day(3, 17), "Room 2.14")
    assert [s.name for s in talk.speaker_list] == ["Ada Lovelace", "Alan Turing"]

    # Repeats it next week: selects it, chooses the action, Go. (The list's address stays the
    # same: the message tells the new page.)
    page.get_by_role("checkbox", name="Select this object for an action - Cut elimination").check()
    actions = page.get_by_role("combobox", name=re.compile("^Action:"))
    actions.select_option(label="Repeat selected talks next week")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(MESSAGES)).to_have_text(["1 talk created a week later."])
    next_week = day(10, 16)
    assert rows(page) == [
        (shown(start), "Cut elimination", "Logic", "Ada Lovelace, Alan Turing"),
        (shown(next_week), "Cut elimination", "Logic", "-"),
    ]
    assert sorted(Talk.objects.filter(title="Cut elimination").values_list("start", flat=True)) == [
        start,
        next_week,
    ]

    # Adds the series' calendar, served by the local feed server, and lands on its preview.
    server.replies["/logic.ics"] = Reply(body=feed("Room 1"))
    url = f"{server.url}/logic.ics"
    page.get_by_role("link", name="Home").click()
    page.wait_for_url(admin)
    page.locator("tr.model-feedsource").get_by_role("link", name="Add").click()
    page.wait_for_url(admin + "seminars/feedsource/add/")
    page.get_by_label("Series").select_option(label="Logic")
    page.get_by_label("Calendar URL").fill(url)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/seminars/feedsource/\d+/preview/$"))
    source = FeedSource.objects.get()
    preview = admin + f"seminars/feedsource/{source.pk}/preview/"
    assert page.url == preview
    assert (source.location, source.series.name, source.public_only) == (url, "Logic", True)

    # The preview lists the feed's talks and writes nothing.
    report = page.locator(".import-report")
    expect(page.get_by_role("heading", name="Preview of " + url)).to_be_visible()
    expect(report.locator(".import-summary")).to_have_text(
        "An import now would give: 2 created, 0 updated, 0 unchanged, 0 cancelled, "
        "0 skipped, 0 conflict(s) into Logic"
    )
    expect(report.get_by_text("This is a preview: nothing has been written.")).to_be_visible()
    expect(report.get_by_role("heading", name="Created (2)")).to_be_visible()
    expect(report.locator(".import-changes tbody td:nth-child(2)")).to_have_text(
        ["Proof nets", "Linear logic"]
    )
    assert not Talk.objects.filter(source__isnull=False).exists()
    assert FeedSource.objects.get().last_run is None
    assert axe_violations(page, axe_source) == []

    # Imports now: queued for the worker, then its page shows what it did, and the feed's
    # talks appear in the talk list.
    status = admin + f"seminars/feedsource/{source.pk}/import/status/"
    page.get_by_role("button", name="Import now").click()
    page.wait_for_url(status)
    expect(page.locator(MESSAGES)).to_have_text(
        [f"The import of {url} is queued: this page shows what it did when it is done."]
    )
    expect(report.locator(".import-summary")).to_contain_text("Queued:")
    run_queued_tasks()
    page.reload()
    expect(report.locator(".import-summary")).to_contain_text(
        "2 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped, 0 conflict(s) into Logic"
    )
    expect(report.get_by_text("This is a preview")).to_have_count(0)
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Talks", exact=True).click()
    page.wait_for_url(talks)
    expect(page.locator("#changelist .paginator")).to_have_text("4 talks")
    assert rows(page) == [
        (shown(start), "Cut elimination", "Logic", "Ada Lovelace, Alan Turing"),
        (shown(next_week), "Cut elimination", "Logic", "-"),
        (shown(day(11, 16)), "Proof nets", "Logic", "-"),
        (shown(day(18, 16)), "Linear logic", "Logic", "-"),
    ]

    # Edits the venue of a talk from the feed.
    page.get_by_role("link", name="Proof nets").click()
    page.wait_for_url(re.compile(r"/admin/seminars/talk/\d+/change/$"))
    expect(page.get_by_label("Venue")).to_have_value("Room 1")
    page.get_by_label("Venue").fill(MOVED)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(talks)
    expect(page.locator(MESSAGES)).to_have_text(["The talk “Proof nets” was changed successfully."])
    assert Talk.objects.get(uid="colloquium-1@feed").venue == MOVED

    # The feed moves both talks to another room: the preview keeps the organiser's edit.
    server.replies["/logic.ics"] = Reply(body=feed("Room 2"))
    page.get_by_role("link", name="Home").click()
    page.locator("tr.model-feedsource").get_by_role("link", name="Feed sources").click()
    page.wait_for_url(admin + "seminars/feedsource/")
    page.get_by_role("link", name="Preview", exact=True).click()
    page.wait_for_url(preview)
    conflict = f"you set the venue to “{MOVED}”; the calendar says “Room 2”."
    expect(report.locator(".import-summary")).to_have_text(
        "An import now would give: 0 created, 1 updated, 1 unchanged, 0 cancelled, "
        "0 skipped, 1 conflict(s) into Logic"
    )
    expect(report.get_by_role("heading", name="Updated (1)")).to_be_visible()
    expect(report.get_by_text("Venue: Room 1 → Room 2")).to_be_visible()
    expect(
        report.get_by_role("heading", name="Your edits kept over the feed's (1)")
    ).to_be_visible()
    expect(report.get_by_text(conflict)).to_be_visible()
    assert Talk.objects.get(uid="colloquium-2@feed").venue == "Room 1"  # a preview writes nothing

    # Imports again: the same conflict, the other talk moved, the edit kept.
    page.get_by_role("button", name="Import now").click()
    page.wait_for_url(status)
    run_queued_tasks()
    page.reload()
    expect(report.locator(".import-summary")).to_contain_text("0 created, 1 updated")
    expect(report.get_by_text(conflict)).to_be_visible()
    expect(report.get_by_role("button", name="Use the calendar's venue")).to_be_visible()
    assert dict(Talk.objects.filter(source=source).values_list("uid", "venue")) == {
        "colloquium-1@feed": MOVED,
        "colloquium-2@feed": "Room 2",
    }
