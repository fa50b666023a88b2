"""A speaker's own edit link: who may make, revoke and email one (a matrix of accounts), the
email as the real SMTP server receives it from the real worker, what the link lets its
speaker change and nothing more (another talk's key, an expired, revoked or changed link
open nothing), photos checked and redrawn with Pillow, every change in the talk's history,
and a re-import that keeps the speaker's edits."""

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from seminars import photos
from seminars.models import FeedSource, Speaker, Talk, TalkSpeaker
from seminars.speaker_links import links
from seminars.speaker_links.models import SpeakerLink
from seminars.speaker_links.tasks import send_link_task
from tests.commands import run_import
from tests.factories import ics_calendar, ics_event, ics_time, make_series, make_speaker, make_talk
from tests.test_mail import SITE, html_of, inbox, subject, text_of  # noqa: F401
from tests.worker import run_queued_tasks

User = get_user_model()
WHO = ["anonymous", "organiser_a", "organiser_b", "staff", "superuser"]
RUNS_A = {"organiser_a", "superuser"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db, inbox, media):  # noqa: F811  (the fixture imported above)
    a, b = make_series("Series A"), make_series("Series B")
    staff = {"is_staff": True}
    users = {
        "organiser_a": User.objects.create_user(
            "organiser_a", "ann@example.org", first_name="Ann", last_name="Org", **staff
        ),
        "organiser_b": User.objects.create_user("organiser_b", "bob@example.org", **staff),
        "staff": User.objects.create_user("staff", "sam@example.org", **staff),
        "superuser": User.objects.create_superuser("superuser", "root@example.org"),
    }
    a.organisers.add(users["organiser_a"])
    b.organisers.add(users["organiser_b"])
    ada = make_speaker("Ada Lovelace", affiliation="Analytical Engines")
    talk = make_talk(series=a, speakers=[ada], title="Notes on the engine", abstract="Old.")
    other = make_talk(series=b, speakers=[ada], title="Another talk")
    return SimpleNamespace(
        series={"a": a, "b": b}, users=users, inbox=inbox, ada=ada, talk=talk, other=other
    )


def place(talk) -> TalkSpeaker:
    return talk.talk_speakers.select_related("speaker", "talk__series").get()


def client_as(world, who) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users[who])
    return client


def links_page(talk) -> str:
    return reverse("admin:seminars_talk_speaker_links", args=[talk.pk])


def edit_data(talk_speaker, **changes) -> dict:
    talk, shown = talk_speaker.talk, talk_speaker.shown_speaker
    data = {
        "title": talk.title,
        "abstract": talk.abstract,
        "name": shown.name,
        "affiliation": shown.affiliation,
        "homepage": shown.homepage,
        "bio": talk_speaker.speaker.bio,
        "slides_url": talk.slides_url,
        "recording_url": talk.recording_url,
    }
    return data | changes


def jpeg(size=(1600, 1200), *, exif=True, colour=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    meta = Image.Exif()
    if exif:
        meta[0x010F] = "SecretCam"  # Make
        meta[0x0132] = "2026:01:02 03:04:05"  # DateTime
    image.save(out, "JPEG", exif=meta.tobytes())
    return out.getvalue()


# Who may make, revoke and email a link (the admin), as a matrix


@pytest.mark.parametrize("who", WHO)
def test_only_organisers_of_the_talks_series_see_its_speaker_links_page(world, who):
    links.make(place(world.talk), by=None)
    response = client_as(world, who).get(links_page(world.talk))
    if who in RUNS_A:
        assert response.status_code == 200
        assert links.url(SpeakerLink.objects.get()) in response.content.decode()
    else:
        assert response.status_code in (302, 403, 404)
        assert b"/speaker/" not in response.content


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", ["make", "revoke", "email"])
def test_only_organisers_of_the_talks_series_make_revoke_or_email_its_links(world, who, action):
    before = links.make(place(world.talk), by=None) if action == "revoke" else None
    data = {"speaker": place(world.talk).pk, "action": action}
    if action == "email":
        data[f"s{place(world.talk).pk}-email"] = "ada@example.org"
    client_as(world, who).post(links_page(world.talk), data)
    run_queued_tasks()
    live = SpeakerLink.objects.live()
    if who not in RUNS_A:
        assert list(live) == ([before] if before else [])
        assert world.inbox.messages == []
    elif action == "make":
        assert live.count() == 1
    elif action == "revoke":
        assert not live.exists() and SpeakerLink.objects.get().revoked_at is not None
    else:
        (message,) = world.inbox.messages
        assert message["To"] == "ada@example.org"
        assert live.get().emailed_to == "ada@example.org"


def test_a_speaker_not_on_the_talk_is_refused_on_its_links_page(world):
    stranger = place(world.other)
    client = client_as(world, "superuser")
    response = client.post(links_page(world.talk), {"speaker": stranger.pk, "action": "make"})
    assert response.status_code == 302
    assert not SpeakerLink.objects.exists()


# The email


def test_the_link_goes_by_email_through_the_worker_once(world):
    client = client_as(world, "organiser_a")
    data = {
        "speaker": place(world.talk).pk,
        "action": "email",
        f"s{place(world.talk).pk}-email": "ada@example.org",
    }
    client.post(links_page(world.talk), data)
    assert world.inbox.messages == []  # the worker sends it
    link = SpeakerLink.objects.get()
    send_link_task.enqueue(link_pk=link.pk)  # a second run finds nothing waiting
    run_queued_tasks()
    (message,) = world.inbox.messages
    assert subject(message) == "Your talk at Series A: your link to edit it"
    assert message["Reply-To"] == "ann@example.org"
    assert message["List-Unsubscribe"] is None
    text = text_of(message)
    assert 'Ann Org sent you a link to your talk "Notes on the engine"' in text
    url = re.search(rf"{re.escape(SITE)}(/talks/\d+/speaker/\S+/)", text).group(1)
    assert url == links.path(link)
    assert f'href="{SITE}{url}"' in html_of(message)
    assert Client().get(url).status_code == 200
    link.refresh_from_db()
    assert link.emailed_at is not None and link.email_failure == ""


def test_emailing_a_revoked_link_sends_nothing(world):
    link = links.make(place(world.talk), by=None)
    SpeakerLink.objects.filter(pk=link.pk).update(emailed_to="ada@example.org")
    links.revoke(place(world.talk))
    send_link_task.enqueue(link_pk=link.pk)
    run_queued_tasks()
    assert world.inbox.messages == []


def test_an_address_the_server_refuses_is_shown_to_the_organiser_who_may_send_again(world):
    world.inbox.refuse.add("gone@example.org")
    client = client_as(world, "organiser_a")
    speaker = place(world.talk).pk
    data = {"speaker": speaker, "action": "email", f"s{speaker}-email": "gone@example.org"}
    client.post(links_page(world.talk), data)
    run_queued_tasks()
    link = SpeakerLink.objects.get()
    assert (link.emailed_at, link.email_failure) == (None, "The mail server refused the address.")
    assert "Not emailed to gone@example.org" in client.get(links_page(world.talk)).content.decode()
    data[f"s{speaker}-email"] = "ada@example.org"
    client.post(links_page(world.talk), data)
    run_queued_tasks()
    (message,) = world.inbox.messages
    assert message["To"] == "ada@example.org"
    link.refresh_from_db()
    assert link.email_failure == "" and link.emailed_at is not None


# What the link lets the speaker do


def test_the_speaker_edits_the_talk_and_how_they_are_shown_on_it(world):
    link = links.make(place(world.talk), by=world.users["organiser_a"])
    url = links.path(link)
    sequence = world.talk.sequence
    page = Client().get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert "noindex" in page["X-Robots-Tag"]
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    data = edit_data(
        place(world.talk),
        title="Notes on the Analytical Engine",
        abstract="New abstract.",
        name="Augusta Ada King",
        affiliation="Countess of Lovelace",
        homepage="https://ada.example.org/",
        bio="Mathematician; wrote the first program.",
    )
    response = Client().post(url, data)
    assert response.status_code == 302
    talk = Talk.objects.get(pk=world.talk.pk)
    assert (talk.title, talk.abstract) == ("Notes on the Analytical Engine", "New abstract.")
    assert talk.sequence > sequence
    ts = place(talk)
    assert (ts.shown_name, ts.shown_affiliation, ts.shown_homepage) == (
        "Augusta Ada King",
        "Countess of Lovelace",
        "https://ada.example.org/",
    )
    ada = Speaker.objects.get(pk=world.ada.pk)
    assert ada.name == "Ada Lovelace"  # the speaker's record is theirs on other talks
    assert ada.bio == "Mathematician; wrote the first program."
    shown = Client().get(talk.get_absolute_url()).content.decode()
    assert "Augusta Ada King" in shown and "Countess of Lovelace" in shown
    assert "Mathematician; wrote the first program." in shown
    elsewhere = Client().get(world.other.get_absolute_url()).content.decode()
    assert "Augusta Ada King" not in elsewhere and "Ada Lovelace" in elsewhere
    assert SpeakerLink.objects.get().last_used is not None


def test_the_speakers_edits_are_in_the_talks_history_as_theirs(world):
    link = links.make(place(world.talk), by=None)
    Client().post(links.path(link), edit_data(place(world.talk), title="Engines", bio="Bio."))
    page = client_as(world, "organiser_a").get(
        reverse("admin:seminars_talk_history", args=[world.talk.pk])
    )
    text = page.content.decode()
    assert "Speaker link of Ada Lovelace" in text
    assert "Notes on the engine" in text and "Engines" in text  # old and new title
    assert "Bio." in text


def test_a_speakers_text_is_escaped_on_every_page(world):
    link = links.make(place(world.talk), by=None)
    script = "<script>alert(1)</script>"
    data = edit_data(place(world.talk), title=f"T {script}", bio=script, affiliation=script)
    Client().post(links.path(link), data)
    talk = Talk.objects.get(pk=world.talk.pk)
    for url in (talk.get_absolute_url(), world.ada.get_absolute_url(), links.path(link)):
        page = Client().get(url).content.decode()
        assert script not in page
        assert "&lt;script&gt;" in page


def test_a_key_of_another_talks_link_opens_nothing_here(world):
    other = links.make(place(world.other), by=None)
    url = reverse("seminars:speaker_edit", kwargs={"pk": world.talk.pk, "key": links.key(other)})
    assert Client().get(url).status_code == 404
    response = Client().post(url, edit_data(place(world.talk), title="Hijacked"))
    assert response.status_code == 404
    assert Talk.objects.get(pk=world.talk.pk).title == "Notes on the engine"


@pytest.mark.parametrize("change", ["cut", "flipped", "forged"])
def test_a_changed_key_opens_nothing(world, change):
    link = links.make(place(world.talk), by=None)
    key = links.key(link)
    key = {
        "cut": key[:-4],
        "flipped": key[:-1] + ("A" if key[-1] != "A" else "B"),
        "forged": key.replace(key.split(":")[0], "eyJsIjoxLCJuIjoieCJ9"),
    }[change]
    url = reverse("seminars:speaker_edit", kwargs={"pk": world.talk.pk, "key": key})
    response = Client().post(url, edit_data(place(world.talk), title="Hijacked"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert Talk.objects.get(pk=world.talk.pk).title == "Notes on the engine"


def test_a_revoked_link_says_so_and_changes_nothing(world):
    link = links.make(place(world.talk), by=None)
    links.revoke(place(world.talk))
    response = Client().post(links.path(link), edit_data(place(world.talk), title="Late"))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert Talk.objects.get(pk=world.talk.pk).title == "Notes on the engine"


def test_a_new_link_stops_the_old_one(world):
    old = links.make(place(world.talk), by=None)
    new = links.make(place(world.talk), by=None)
    assert Client().get(links.path(old)).status_code == 410
    assert Client().get(links.path(new)).status_code == 200


def test_the_link_works_until_thirty_days_after_the_talk(world):
    now = timezone.now()
    Talk.objects.filter(pk=world.talk.pk).update(
        start=now - dt.timedelta(days=29, hours=2), end=now - dt.timedelta(days=29, hours=1)
    )
    link = links.make(place(world.talk), by=None)
    assert Client().get(links.path(link)).status_code == 200
    Talk.objects.filter(pk=world.talk.pk).update(
        start=now - dt.timedelta(days=30, hours=2), end=now - dt.timedelta(days=30, hours=1)
    )
    response = Client().post(links.path(link), edit_data(place(world.talk), title="Late"))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert Talk.objects.get(pk=world.talk.pk).title == "Notes on the engine"


def test_a_link_edits_only_its_own_talk_and_speaker(world):
    grace = make_speaker("Grace Hopper")
    TalkSpeaker.objects.create(talk=world.talk, speaker=grace, position=1)
    ada_place = world.talk.talk_speakers.get(speaker=world.ada)
    link = links.make(ada_place, by=None)
    data = edit_data(ada_place, bio="Ada's bio.", affiliation="Somewhere")
    data["speaker"] = grace.pk  # a field the form does not have changes nothing
    Client().post(links.path(link), data)
    grace.refresh_from_db()
    assert grace.bio == "" and world.talk.talk_speakers.get(speaker=grace).shown_affiliation == ""
    assert Talk.objects.get(pk=world.other.pk).title == "Another talk"


def test_a_form_error_is_shown_and_nothing_is_saved(world):
    link = links.make(place(world.talk), by=None)
    response = Client().post(
        links.path(link), edit_data(place(world.talk), title="", homepage="javascript:alert(1)")
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Talk.objects.get(pk=world.talk.pk).title == "Notes on the engine"
    assert place(world.talk).shown_homepage == ""


# Photos


def test_a_photo_is_scaled_and_stripped_of_its_metadata(world, media):
    link = links.make(place(world.talk), by=None)
    upload = SimpleUploadedFile("../../etc/passwd.jpg", jpeg(), content_type="image/jpeg")
    response = Client().post(links.path(link), edit_data(place(world.talk)) | {"photo": upload})
    assert response.status_code == 302
    ada = Speaker.objects.get(pk=world.ada.pk)
    assert re.fullmatch(r"photos/speaker-\d+-[0-9a-f]{16}\.jpg", ada.photo.name)
    with Image.open(ada.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == photos.MAX_SIDE and stored.size == (800, 600)
        assert not stored.getexif() and "exif" not in stored.info
    served = Client().get(ada.photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"SecretCam" not in b"".join(served.streaming_content)
    for url in (world.talk.get_absolute_url(), ada.get_absolute_url()):
        assert f'src="{ada.photo_url.replace("&", "&amp;")}"' in Client().get(url).content.decode()


def test_a_speaker_with_no_photo_shows_their_initials(world):
    Speaker.objects.filter(pk=world.ada.pk).update(bio="A bio.")
    page = Client().get(world.talk.get_absolute_url()).content.decode()
    assert '<span class="speaker-photo speaker-initials" aria-hidden="true">AL</span>' in page
    assert "<img" not in page.split("about-speakers")[1]
    speaker_page = Client().get(world.ada.get_absolute_url()).content.decode()
    assert (
        '<span class="speaker-photo speaker-initials" aria-hidden="true">AL</span>' in speaker_page
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"<?php system($_GET['c']); ?>", "not an image we can read"),
        (b"%PDF-1.4 not a photo", "not an image we can read"),
        (jpeg()[: len(jpeg()) // 3], "not an image we can read"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(world, media, content, message):
    link = links.make(place(world.talk), by=None)
    upload = SimpleUploadedFile("me.jpg", content, content_type="image/jpeg")
    response = Client().post(links.path(link), edit_data(place(world.talk)) | {"photo": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Speaker.objects.get(pk=world.ada.pk).photo
    assert not (media / "photos").exists()


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(world, media):
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # tiny file, 64 million pixels
    link = links.make(place(world.talk), by=None)
    upload = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    response = Client().post(links.path(link), edit_data(place(world.talk)) | {"photo": upload})
    assert "8000 × 8000 pixels" in response.content.decode()
    assert not Speaker.objects.get(pk=world.ada.pk).photo


def test_slides_the_speaker_uploads_are_checked_as_a_pdf(world, media):
    link = links.make(place(world.talk), by=None)
    fake = SimpleUploadedFile("slides.pdf", b"<html>not a pdf</html>")
    response = Client().post(links.path(link), edit_data(place(world.talk)) | {"slides_file": fake})
    assert "not a PDF" in response.content.decode()
    real = SimpleUploadedFile("evil name<>.pdf", b"%PDF-1.7\n%%EOF\n")
    Client().post(links.path(link), edit_data(place(world.talk)) | {"slides_file": real})
    stored = Talk.objects.get(pk=world.talk.pk).slides_file.name
    assert re.fullmatch(r"slides/talk-\d+-[0-9a-f]{16}\.pdf", stored)


# A re-import keeps the speaker's edits


def test_a_reimport_keeps_the_speakers_edits_and_takes_the_feeds_other_changes(world, tmp_path):
    start = timezone.now() + dt.timedelta(days=3)

    def feed(title, description):
        event = ics_event(
            "engine@example.org",
            title,
            ics_time(start),
            ics_time(start + dt.timedelta(hours=1)),
            description=description,
            location="Room 1",
        )
        path = tmp_path / "feed.ics"
        path.write_bytes(ics_calendar(event))
        return str(path)

    code, _, err = run_import(feed("Engines", "From the feed."), "--series", "Series A")
    assert code == 0, err
    talk = Talk.objects.get(uid="engine@example.org")
    TalkSpeaker.objects.create(talk=talk, speaker=world.ada, position=0)
    link = links.make(place(talk), by=None)
    Client().post(
        links.path(link), edit_data(place(talk), title="Engines, by Ada", affiliation="Here")
    )
    code, _, err = run_import(
        feed("Engines (room change)", "Changed in the feed."), "--series", "Series A"
    )
    assert code == 0, err
    talk.refresh_from_db()
    assert talk.title == "Engines, by Ada"  # the speaker's edit, kept
    assert talk.abstract == "Changed in the feed."  # not edited here: the feed's
    assert place(talk).shown_affiliation == "Here"
    reasons = set(talk.history.values_list("history_change_reason", flat=True))
    assert "Speaker link of Ada Lovelace" in reasons
    assert any(r and r.startswith("Import from") for r in reasons)


def test_a_links_source_is_its_feed_not_the_speaker(world):
    # An imported talk's speaker link edits it like an organiser: FeedSource untouched.
    source = FeedSource.objects.create(location="/feeds/a.ics", series=world.series["a"])
    Talk.objects.filter(pk=world.talk.pk).update(source=source)
    link = links.make(place(world.talk), by=None)
    Client().post(links.path(link), edit_data(place(world.talk), title="Edited"))
    assert Talk.objects.get(pk=world.talk.pk).source_id == source.pk


def test_a_new_photo_replaces_the_old_file(world, media, django_capture_on_commit_callbacks):
    link = links.make(place(world.talk), by=None)
    for colour in ((10, 10, 10), (250, 250, 250)):
        upload = SimpleUploadedFile("me.jpg", jpeg(colour=colour), content_type="image/jpeg")
        data = edit_data(place(world.talk)) | {"photo": upload}
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(links.path(link), data)
    ada = Speaker.objects.get(pk=world.ada.pk)
    assert [p.name for p in (media / "photos").iterdir()] == [ada.photo.name.split("/")[1]]
