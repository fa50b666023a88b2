"""Calendar sources in the admin: organisers add a URL or a file, preview, import, re-import."""

import datetime as dt

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags

from seminars.models import FeedSource, Speaker, Talk
from tests.factories import ics_calendar, ics_event, make_series
from tests.feed_server import Reply
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

FEED = ics_calendar(
    ics_event("a@x", "First talk", "20300101T100000Z", location="Room 1"),
    ics_event("b@x", "Second talk", "20300108T100000Z"),
    name="Feed name",
)


@pytest.fixture
def logic():
    return make_series("Logic")


@pytest.fixture
def algebra():
    return make_series("Algebra")


@pytest.fixture
def organiser(django_user_model, logic):
    user = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    logic.organisers.add(user)
    return user


@pytest.fixture
def ann(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def allowed(settings):
    """The local test server, allowed as a site administrator would allow an internal host."""
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]


def add_url(client, series, url, **extra):
    data = {"series": series.pk, "url": url, "interval": "01:00:00", **extra}
    return client.post(reverse("admin:seminars_feedsource_add"), data)


def preview(client, source):
    return client.get(reverse("admin:seminars_feedsource_preview", args=[source.pk]))


def run_import(client, source):
    """Press "Import now", let the worker run the queued import, and open the page the press
    led to (now showing what the import did)."""
    pressed = client.post(reverse("admin:seminars_feedsource_import", args=[source.pk]))
    if pressed.status_code != 302:
        return pressed
    run_queued_tasks()
    return client.get(pressed.url)


def test_an_organiser_adds_a_url_and_lands_on_its_preview(ann, logic, server):
    url = f"{server.url}/feed.ics"
    response = add_url(ann, logic, url)
    source = FeedSource.objects.get()
    assert (source.location, source.series, source.public_only) == (url, logic, True)
    assert response.url == reverse("admin:seminars_feedsource_preview", args=[source.pk])


def test_preview_lists_what_an_import_would_do_and_writes_nothing(ann, logic, server, allowed):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    response = preview(ann, source)
    assert response.status_code == 200
    assert "2 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped" in response.text
    assert "First talk" in response.text and "Second talk" in response.text
    assert "nothing has been written" in response.text
    source.refresh_from_db()
    assert (Talk.objects.count(), source.last_run) == (0, None)


def test_import_applies_it_and_the_list_shows_the_run(ann, logic, server, allowed):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    response = run_import(ann, source)
    assert response.status_code == 200
    assert sorted(Talk.objects.values_list("title", "series__name")) == [
        ("First talk", "Logic"),
        ("Second talk", "Logic"),
    ]
    listing = ann.get(reverse("admin:seminars_feedsource_changelist")).text
    assert "2 created, 0 updated, 0 unchanged, 0 cancelled, 0 skipped" in listing


def test_reimport_of_a_changed_feed_keeps_the_organisers_edit_and_says_so(
    ann, logic, server, allowed
):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    run_import(ann, source)
    Talk.objects.filter(uid="a@x").update(venue="Room 9 (moved by the organiser)")
    server.replies["/feed.ics"] = Reply(body=FEED.replace(b"Room 1", b"Room 2"))
    response = preview(ann, source)
    (edit,) = response.context["edits"]
    assert (edit["edit"].uid, edit["label"], edit["ours"], edit["feeds"]) == (
        "a@x",
        "venue",
        "Room 9 (moved by the organiser)",
        "Room 2",
    )
    run_import(ann, source)
    assert Talk.objects.get(uid="a@x").venue == "Room 9 (moved by the organiser)"


def test_a_talk_gone_from_the_feed_is_previewed_as_cancelled(ann, logic, server, allowed):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    run_import(ann, source)
    server.replies["/feed.ics"] = Reply(
        body=ics_calendar(ics_event("a@x", "First talk", "20300101T100000Z", location="Room 1"))
    )
    response = preview(ann, source)
    assert "Cancelled (1)" in response.text and "gone from the feed" in response.text
    assert Talk.objects.get(uid="b@x").status == "confirmed"


def test_an_organisers_url_to_this_machine_is_refused_and_nothing_is_fetched(ann, logic, server):
    add_url(ann, logic, f"{server.url}/feed.ics")
    response = preview(ann, FeedSource.objects.get())
    assert "is not a public address" in response.text
    assert "IMPORT_ALLOWED_HOSTS" in response.text
    assert server.seen == []


def test_a_hostile_or_broken_feed_gets_the_commands_clear_error(ann, logic, server, allowed):
    server.replies["/feed.ics"] = Reply(body=b"<html><body>Sign in</body></html>")
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    response = run_import(ann, source)
    assert "the source is an HTML or XML page, not a calendar" in response.text
    source.refresh_from_db()
    assert source.last_error == "the source is an HTML or XML page, not a calendar"
    assert (
        "the source is an HTML or XML page"
        in ann.get(reverse("admin:seminars_feedsource_changelist")).text
    )


def test_an_uploaded_file_is_a_source_that_previews_and_imports(ann, logic):
    upload = SimpleUploadedFile("term.ics", FEED, content_type="text/calendar")
    ann.post(
        reverse("admin:seminars_feedsource_add"),
        {"series": logic.pk, "file": upload, "interval": "01:00:00"},
    )
    source = FeedSource.objects.get()
    assert source.location == "upload:logic/term.ics"
    assert "2 created" in preview(ann, source).text
    run_import(ann, source)
    assert Talk.objects.filter(series=logic, source=source).count() == 2


def test_an_upload_over_the_size_cap_is_refused_on_the_form(ann, logic, settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.ics", FEED, content_type="text/calendar")
    response = ann.post(
        reverse("admin:seminars_feedsource_add"),
        {"series": logic.pk, "file": upload, "interval": "01:00:00"},
    )
    assert "The file is larger than the 100 bytes limit." in response.text
    assert not FeedSource.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"url": ""}, "Give either a calendar URL or an .ics file."),
        ({"url": "ftp://example.org/x.ics"}, "Give an http://, https:// or webcal:// address."),
        ({"url": "file:///etc/passwd"}, "Give an http://, https:// or webcal:// address."),
    ],
)
def test_a_source_that_is_no_calendar_address_is_refused_on_the_form(ann, logic, data, message):
    response = ann.post(
        reverse("admin:seminars_feedsource_add"),
        {"series": logic.pk, "interval": "01:00:00", **data},
    )
    assert message in response.text
    assert not FeedSource.objects.exists()


def test_an_organiser_cannot_add_a_source_to_another_series(ann, algebra, server):
    response = add_url(ann, algebra, f"{server.url}/feed.ics")
    assert response.status_code == 200  # the form again, with an error
    assert "Select a valid choice" in response.text
    assert not FeedSource.objects.exists()


def test_an_organiser_sees_and_runs_only_the_sources_of_its_series(
    ann, logic, algebra, server, allowed
):
    server.replies["/feed.ics"] = Reply(body=FEED)
    mine = FeedSource.objects.create(location=f"{server.url}/mine.ics", series=logic)
    theirs = FeedSource.objects.create(location=f"{server.url}/feed.ics", series=algebra)
    listing = ann.get(reverse("admin:seminars_feedsource_changelist")).text
    assert "mine.ics" in listing and "/feed.ics" not in listing
    assert preview(ann, theirs).status_code == 404
    assert run_import(ann, theirs).status_code == 404
    assert server.seen == [] and not Talk.objects.exists()
    assert preview(ann, mine).status_code == 200


def test_import_is_a_post_only(ann, logic):
    source = FeedSource.objects.create(location="upload:logic/x.ics", series=logic, upload=FEED)
    response = ann.get(reverse("admin:seminars_feedsource_import", args=[source.pk]))
    assert response.status_code == 405
    assert not Talk.objects.exists()


def test_a_superusers_url_may_reach_internal_hosts(admin_client, logic, server):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(admin_client, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    assert source.public_only is False
    assert "2 created" in run_import(admin_client, source).text


def test_the_sync_interval_is_kept(ann, logic, server):
    add_url(ann, logic, f"{server.url}/feed.ics", interval="1 00:00:00")
    assert FeedSource.objects.get().interval == dt.timedelta(days=1)


# A calendar that is a source already (issue 21, item 4): one URL feeds one series.


def test_a_url_another_series_imports_is_refused_without_naming_it(ann, logic, algebra):
    secret = "https://cal.example.org/bob.ics?private-token=SECRET123"
    FeedSource.objects.create(location=secret, series=algebra)
    response = add_url(ann, logic, secret)
    form = response.context["adminform"].form
    assert form.non_field_errors() == ["This calendar is already imported into another series."]
    assert "Algebra" not in response.text  # the URL itself is the organiser's own input
    assert list(FeedSource.objects.values_list("location", "series__name")) == [(secret, "Algebra")]


def test_a_url_a_series_of_ones_own_imports_is_refused_naming_that_series(
    ann, organiser, logic, algebra
):
    algebra.organisers.add(organiser)
    url = "https://cal.example.org/algebra.ics"
    FeedSource.objects.create(location=url, series=algebra)
    response = add_url(ann, logic, url)
    assert (
        "This calendar is a source of “Algebra” already; open that source to import it."
        in response.text
    )
    assert FeedSource.objects.count() == 1


# The sources' screens (issue 21, item 21).


def test_the_source_list_has_one_column_per_heading(ann, logic):
    FeedSource.objects.create(location="upload:logic/x.ics", series=logic, upload=FEED)
    response = ann.get(reverse("admin:seminars_feedsource_changelist"))
    headers = [str(h["text"]) for h in result_headers(response.context["cl"])]
    # The admin capitalises them on the page.
    assert headers[1:] == ["source", "series", "last run", ""]


def test_the_last_run_shows_its_counts_or_its_error(ann, logic):
    when = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    FeedSource.objects.create(location="https://a.example.org/ok.ics", series=logic)
    FeedSource.objects.filter().update(
        last_run=when, last_success=when, created_count=2, unchanged_count=1
    )
    FeedSource.objects.create(
        location="https://b.example.org/bad.ics", series=logic, last_run=when, last_error="404"
    )
    FeedSource.objects.create(location="https://c.example.org/new.ics", series=logic)
    response = ann.get(reverse("admin:seminars_feedsource_changelist"))
    cl = response.context["cl"]
    cells = [str(cl.model_admin.run(source)) for source in cl.result_list]
    assert cells == [
        "1 Dec 2026, 09:30<br>2 created, 0 updated, 1 unchanged, 0 cancelled, 0 skipped",
        '1 Dec 2026, 09:30<br><span class="errornote-inline">failed: '
        '<span class="truncated error" title="404">404</span></span>',
        "never",
    ]


def test_a_long_url_and_error_are_cut_in_the_list_and_whole_in_their_tooltip(ann, logic):
    url = "https://cal.example.org/" + "x" * 300 + ".ics"
    error = "the server answered 404 Not Found " * 10
    FeedSource.objects.create(
        location=url, series=logic, last_run=dt.datetime.now(dt.UTC), last_error=error
    )
    listing = ann.get(reverse("admin:seminars_feedsource_changelist")).text
    assert f'<span class="truncated source" title="{url}">{url}</span>' in listing
    assert f'<span class="truncated error" title="{error}">{error}</span>' in listing


def test_the_series_filter_shows_only_to_who_runs_more_than_one_series(
    ann, organiser, logic, algebra
):
    url = reverse("admin:seminars_feedsource_changelist")
    assert ann.get(url).context["cl"].has_filters is False
    algebra.organisers.add(organiser)
    assert ann.get(url).context["cl"].has_filters is True


def test_replacing_a_sources_file_opens_its_preview(ann, logic):
    source = FeedSource.objects.create(
        location="upload:logic/term.ics", series=logic, upload=ics_calendar()
    )
    upload = SimpleUploadedFile("term.ics", FEED, content_type="text/calendar")
    url = reverse("admin:seminars_feedsource_change", args=[source.pk])
    response = ann.post(url, {"series": logic.pk, "file": upload})
    assert response.url == reverse("admin:seminars_feedsource_preview", args=[source.pk])
    source.refresh_from_db()
    assert bytes(source.upload) == FEED


def test_saving_a_url_source_returns_to_the_list(ann, logic):
    source = FeedSource.objects.create(location="https://cal.example.org/a.ics", series=logic)
    url = reverse("admin:seminars_feedsource_change", args=[source.pk])
    response = ann.post(url, {"series": logic.pk, "interval": "02:00:00"})
    assert response.url == reverse("admin:seminars_feedsource_changelist")
    source.refresh_from_db()
    assert source.interval == dt.timedelta(hours=2)


def test_an_uploaded_source_has_no_sync_interval_to_set(ann, logic):
    source = FeedSource.objects.create(location="upload:logic/t.ics", series=logic, upload=FEED)
    page = ann.get(reverse("admin:seminars_feedsource_change", args=[source.pk]))
    assert "interval" not in page.context["adminform"].form.fields
    assert "import_ics" not in page.text


def test_the_add_form_explains_the_interval_without_the_command_line(ann, logic):
    page = ann.get(reverse("admin:seminars_feedsource_add"))
    help_text = page.context["adminform"].form.fields["interval"].help_text
    assert help_text == (
        "How often the site fetches a calendar URL again (hh:mm:ss). An uploaded file is "
        "imported only when you import it."
    )
    assert "import_ics" not in page.text


def test_an_organiser_of_one_series_finds_it_chosen(ann, logic):
    page = ann.get(reverse("admin:seminars_feedsource_add"))
    assert page.context["adminform"].form["series"].value() == logic.pk


def test_an_organiser_of_two_series_chooses_one(ann, organiser, logic, algebra):
    algebra.organisers.add(organiser)
    page = ann.get(reverse("admin:seminars_feedsource_add"))
    assert page.context["adminform"].form["series"].value() is None


# The preview talk by talk (issue 21, item 20): a table, old → new, edits kept in words.


@pytest.fixture
def imported(ann, logic, server, allowed):
    """FEED imported from a URL source of Logic; the feed's next version to be set."""
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    source = FeedSource.objects.get()
    run_import(ann, source)
    return source


def cells(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the preview's table of changes."""
    table = html.split('<table class="import-changes">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [" ".join(strip_tags(cell.split(">", 1)[1]).split()) for cell in row.split("<td")[1:]]
        for row in body.split("<tr>")[1:]
    ]


def test_the_preview_lists_each_new_talk_with_its_date_time_title_and_venue(
    ann, logic, server, allowed
):
    server.replies["/feed.ics"] = Reply(body=FEED)
    add_url(ann, logic, f"{server.url}/feed.ics")
    text = preview(ann, FeedSource.objects.get()).text
    assert cells(text) == [
        ["Tue 1 Jan 2030, 10:00 GMT", "First talk", "Room 1"],
        ["Tue 8 Jan 2030, 10:00 GMT", "Second talk", "—"],
    ]


def test_the_preview_shows_each_changed_field_from_old_to_new(ann, server, imported):
    changed = FEED.replace(b"Room 1", b"Room 2").replace(b"20300101T100000Z", b"20300101T110000Z")
    server.replies["/feed.ics"] = Reply(body=changed)
    text = preview(ann, imported).text
    assert cells(text) == [
        [
            "Tue 1 Jan 2030, 11:00 GMT",
            "First talk",
            "Room 2",
            "Start: Tue 1 Jan 2030, 10:00 → Tue 1 Jan 2030, 11:00 Venue: Room 1 → Room 2",
        ]
    ]


def test_an_edit_kept_is_told_in_words_with_the_talks_title_and_date(ann, server, imported):
    Talk.objects.filter(uid="a@x").update(venue="Room 9")
    server.replies["/feed.ics"] = Reply(body=FEED.replace(b"Room 1", b"Room 2"))
    text = preview(ann, imported).text
    sentence = (
        "“First talk” on Tue 1 Jan 2030, 10:00 GMT: you set the venue to “Room 9”; "
        "the calendar says “Room 2”."
    )
    assert sentence in " ".join(strip_tags(text).split())
    assert "a@x" not in strip_tags(text)
    # A preview stores nothing, so there is no calendar value to take yet.
    assert "Use the calendar's venue" not in text


def take(client, source, talk, field, back=()):
    url = reverse("admin:seminars_feedsource_take", args=[source.pk])
    return client.post(url, {"take": f"{talk.pk}:{field}", "talk": [t.pk for t in back]})


def test_after_an_import_the_organiser_takes_the_calendars_value_instead_of_the_edit(
    ann, server, imported
):
    talk = Talk.objects.get(uid="a@x")
    Talk.objects.filter(pk=talk.pk).update(venue="Room 9", title="Organiser's title")
    changed = FEED.replace(b"Room 1", b"Room 2").replace(b"First talk", b"Feed's title")
    server.replies["/feed.ics"] = Reply(body=changed)
    page = run_import(ann, imported)
    assert [e["take"] for e in page.context["edits"]] == [f"{talk.pk}:title", f"{talk.pk}:venue"]
    assert "Use the calendar's title" in page.text
    before = Talk.objects.get(pk=talk.pk).sequence
    response = take(ann, imported, talk, "title", back=[talk])
    edits = reverse("admin:seminars_feedsource_edits", args=[imported.pk])
    assert response.url == f"{edits}?talk={talk.pk}"
    talk.refresh_from_db()
    assert (talk.title, talk.slug, talk.venue) == ("Feed's title", "feeds-title", "Room 9")
    assert talk.sequence == before + 1
    # The venue's edit is still kept, and listed.
    remaining = ann.get(response.url)
    assert [(e["label"], e["ours"], e["feeds"]) for e in remaining.context["edits"]] == [
        ("venue", "Room 9", "Room 2")
    ]
    take(ann, imported, talk, "venue")
    talk.refresh_from_db()
    assert (talk.venue, talk.sequence) == ("Room 2", before + 2)
    assert ann.get(edits).context["edits"] == []
    # The next import finds nothing edited.
    assert "0 conflict(s)" in preview(ann, imported).text


def test_the_calendars_speakers_can_be_taken_back(ann, server, imported):
    feed = ics_calendar(
        ics_event("a@x", "First talk", "20300101T100000Z", description="Speaker: Ann Lee")
    )
    server.replies["/feed.ics"] = Reply(body=feed)
    run_import(ann, imported)
    talk = Talk.objects.get(uid="a@x")
    before = talk.sequence
    talk.talk_speakers.all().delete()
    talk.talk_speakers.create(speaker=Speaker.objects.create(name="Bo Chen", slug="bo"))
    (edit,) = ann.get(reverse("admin:seminars_feedsource_edits", args=[imported.pk])).context[
        "edits"
    ]
    assert (edit["label"], edit["ours"], edit["feeds"]) == ("speakers", "Bo Chen", "Ann Lee")
    take(ann, imported, talk, "speakers")
    assert [s.name for s in Talk.objects.with_speakers().get(pk=talk.pk).speaker_list] == [
        "Ann Lee"
    ]
    assert Talk.objects.get(pk=talk.pk).sequence == before + 1


def test_a_calendar_value_that_would_end_a_talk_before_it_starts_is_refused(ann, server, imported):
    talk = Talk.objects.get(uid="a@x")
    earlier = talk.start - dt.timedelta(days=30)
    Talk.objects.filter(pk=talk.pk).update(start=earlier, end=earlier + dt.timedelta(hours=1))
    response = take(ann, imported, talk, "start")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "Not changed: the calendar's start would make the talk end before it starts."
    ]
    talk.refresh_from_db()
    assert (talk.start, talk.sequence) == (earlier, 0)


def test_taking_is_refused_for_another_series_talk_and_a_field_not_synced(
    ann, logic, algebra, imported
):
    talk = Talk.objects.get(uid="a@x")
    Talk.objects.filter(pk=talk.pk).update(venue="Room 9")
    response = take(ann, imported, talk, "uid")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Not changed: no such field comes from a calendar."
    ]
    # The talk moved to a series Ann does not run: not hers to change any more.
    Talk.objects.filter(pk=talk.pk).update(series=algebra)
    assert take(ann, imported, talk, "venue").status_code == 404
    assert Talk.objects.get(pk=talk.pk).venue == "Room 9"
    theirs = FeedSource.objects.create(location="https://cal.example.org/x.ics", series=algebra)
    assert take(ann, theirs, talk, "venue").status_code == 404
    assert ann.get(reverse("admin:seminars_feedsource_take", args=[imported.pk])).status_code == 405
    url = reverse("admin:seminars_feedsource_take", args=[imported.pk])
    for tampered in ["", "x:venue", f"{talk.pk}", "999999:venue"]:
        assert ann.post(url, {"take": tampered}).status_code == 404, tampered
    assert Talk.objects.get(pk=talk.pk).venue == "Room 9"
