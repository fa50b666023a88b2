"""Organisers and email: "Announce selected talks" (a preview, then once per talk, sent by the
worker), subscriber counts on the series pages, and the subscriber addresses, which only
site administrators see and remove. The accounts are test_admin_permissions.py's."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from seminars.mail.models import Address, Announcement, Delivery, Subscription, new_token
from seminars.models import Talk
from tests import test_admin_permissions as permissions
from tests import test_mail
from tests.factories import make_talk
from tests.test_admin_permissions import WHO, action
from tests.test_mail import header, html_of, subject, text_of
from tests.worker import run_queued_tasks

inbox = test_mail.inbox  # the fixtures: the SMTP server, and the accounts and series
world = permissions.world
as_user = permissions.as_user

pytestmark = pytest.mark.django_db

SOON = dt.timedelta(days=10)  # beyond the reminders' 24 hours: an announcement only


def follower(email, *series, confirmed=True, reminders=True, digest=False) -> Address:
    address = Address.objects.create(
        email=email,
        zone="Europe/Berlin",
        token=new_token(),
        confirmed_at=timezone.now() if confirmed else None,
    )
    for s in series:
        Subscription.objects.create(address=address, series=s, reminders=reminders, digest=digest)
    return address


@pytest.fixture
def upcoming(world):
    """A talk in ten days in each series, and followers of A."""
    for key, talk in world.talks.items():
        Talk.objects.filter(pk=talk.pk).update(start=timezone.now() + SOON, end=None)
        world.talks[key] = Talk.objects.get(pk=talk.pk)
    a = world.series["a"]
    follower("ada@example.org", a)
    follower("dig@example.org", a, reminders=False, digest=True)
    follower("new@example.org", a, confirmed=False)
    follower("bob@example.org", world.series["b"])
    return world


def announce(client, talks, *, send=True):
    url, data = action("talk", "announce_talks", talks)
    if send:
        data["post"] = "yes"
    return client.post(url, data, follow=send)


def test_the_preview_shows_the_email_as_subscribers_get_it_and_sends_nothing(
    as_user, upcoming, inbox
):
    talk = upcoming.talks["a"]
    page = announce(as_user("organiser_a"), [talk], send=False)
    assert page.status_code == 200
    assert page.context["ready"] == [(talk, 2)]  # ada and dig; new is unconfirmed
    email = page.context["preview"]
    assert email.subject.startswith("Talk in A – ")
    assert "The organisers of Series A announce this talk." in email.body
    text = page.content.decode()
    assert "Send to subscribers" in text and "to 2 subscribers" in text
    assert 'sandbox srcdoc="&lt;!DOCTYPE html&gt;' in text  # the HTML, escaped into the frame
    assert not Announcement.objects.exists()
    run_queued_tasks()
    assert inbox.messages == [] and not Delivery.objects.exists()


def test_announcing_sends_one_email_to_each_confirmed_follower_through_the_worker(
    as_user, upcoming, inbox
):
    talk = upcoming.talks["a"]
    page = announce(as_user("organiser_a"), [talk])
    assert "1 talk announced" in page.content.decode()
    assert inbox.messages == []  # the worker sends them
    run_queued_tasks()
    assert sorted(m["To"] for m in inbox.messages) == ["ada@example.org", "dig@example.org"]
    message = inbox.to("ada@example.org")[0]
    assert subject(message).startswith("Talk in A – ") and "(Europe/Berlin)" in subject(message)
    assert "The organisers of Series A announce this talk." in text_of(message)
    assert "announce this talk" in html_of(message)
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in message.iter_attachments()] == ["text/calendar"]
    announcement = Announcement.objects.get()
    assert (announcement.talk, announcement.announced_by) == (talk, upcoming.users["organiser_a"])
    kinds = set(Delivery.objects.values_list("kind", "status"))
    assert kinds == {("announcement", "sent")}


def test_a_second_press_says_when_it_was_announced_and_sends_nothing_more(as_user, upcoming, inbox):
    talk = upcoming.talks["a"]
    client = as_user("organiser_a")
    announce(client, [talk])
    run_queued_tasks()
    page = announce(client, [talk], send=False)
    assert "already announced on" in page.content.decode()
    assert "preview" not in page.context and "Nothing to send." in page.content.decode()
    page = announce(client, [talk])
    assert "was already announced on" in page.content.decode()
    run_queued_tasks()
    test_mail.send_email()
    assert len(inbox.messages) == 2
    assert Announcement.objects.count() == 1


def test_only_those_following_when_it_was_announced_get_it(as_user, upcoming, inbox):
    announce(as_user("organiser_a"), [upcoming.talks["a"]])
    later = follower("later@example.org", upcoming.series["a"])
    Subscription.objects.filter(address=later).update(created=timezone.now() + dt.timedelta(1))
    run_queued_tasks()
    assert "later@example.org" not in {m["To"] for m in inbox.messages}


def test_a_cancelled_or_started_talk_is_not_announced(as_user, upcoming, inbox):
    cancelled = upcoming.talks["a"]
    Talk.objects.filter(pk=cancelled.pk).cancel()
    started = make_talk(series=upcoming.series["a"], start=timezone.now() - dt.timedelta(hours=1))
    page = announce(as_user("organiser_a"), [cancelled, started])
    text = page.content.decode()
    assert "“Talk in A” was not announced: it is cancelled." in text
    assert "was not announced: it has started." in text
    run_queued_tasks()
    assert not Announcement.objects.exists() and inbox.messages == []


def test_an_announced_talk_cancelled_later_gets_its_cancelled_notice(as_user, upcoming, inbox):
    talk = upcoming.talks["a"]
    announce(as_user("organiser_a"), [talk])
    run_queued_tasks()
    inbox.messages.clear()
    Talk.objects.filter(pk=talk.pk).cancel()
    assert "Sent 2 change notices." in test_mail.send_email()
    assert {subject(m).split(":")[0] for m in inbox.messages} == {"Cancelled"}


@pytest.mark.parametrize("who", WHO)
def test_announcing_is_for_the_organisers_of_the_talks_series(as_user, upcoming, inbox, who):
    client = as_user(who)
    # A forged POST naming both talks: only those of series the account runs are announced.
    response = announce(client, [upcoming.talks["a"], upcoming.talks["b"]])
    run_queued_tasks()
    announced = set(Announcement.objects.values_list("talk__series__name", flat=True))
    expected = {
        "organiser_a": {"Series A"},
        "organiser_ab": {"Series A", "Series B"},
        "staff": set(),
        "superuser": {"Series A", "Series B"},
    }[who]
    assert announced == expected
    recipients = {m["To"] for m in inbox.messages}
    assert ("bob@example.org" in recipients) is ("Series B" in expected)
    assert ("ada@example.org" in recipients) is ("Series A" in expected)
    if who == "staff":
        assert response.status_code == 403


def test_anonymous_visitors_cannot_announce(client, upcoming, inbox):
    response = announce(client, [upcoming.talks["a"]], send=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    run_queued_tasks()
    assert not Announcement.objects.exists() and inbox.messages == []
    assert not DBTaskResult.objects.exists()


# Subscriber counts and addresses


@pytest.mark.parametrize("who", ["organiser_a", "organiser_ab", "superuser"])
def test_organisers_see_their_series_subscriber_counts_and_no_address(as_user, upcoming, who):
    client = as_user(who)
    listing = client.get(reverse("admin:seminars_series_changelist"))
    counts = {s.name: s.subscriber_count for s in listing.context["cl"].result_list}
    assert counts.get("Series A") == 2  # confirmed ones only
    page = client.get(reverse("admin:seminars_series_change", args=[upcoming.series["a"].pk]))
    text = page.content.decode()
    assert "Email subscribers" in text
    for email in ("ada@example.org", "dig@example.org", "new@example.org"):
        assert email not in listing.content.decode() and email not in text


def test_the_series_list_counts_subscribers_in_the_same_queries_for_more(as_user, upcoming):
    client = as_user("superuser")
    url = reverse("admin:seminars_series_changelist")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        follower(f"more{n}@example.org", upcoming.series["a"], upcoming.series["b"])
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more.captured_queries) == len(few.captured_queries)


ADDRESS_ACCESS = {"organiser_a": 403, "organiser_ab": 403, "staff": 403, "superuser": 200}


@pytest.mark.parametrize("who", WHO)
def test_only_site_administrators_see_the_addresses(as_user, upcoming, who):
    client = as_user(who)
    ada = Address.objects.get(email="ada@example.org")
    listing = client.get(reverse("admin:seminars_address_changelist"))
    page = client.get(reverse("admin:seminars_address_change", args=[ada.pk]))
    assert (listing.status_code, page.status_code) == (ADDRESS_ACCESS[who],) * 2
    if who == "superuser":
        assert "ada@example.org" in listing.content.decode()
        assert "Series A" in page.content.decode()  # what it follows
    index = client.get("/admin/")
    names = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert ("Address" in names) is (who == "superuser")


@pytest.mark.parametrize("who", WHO)
def test_removing_an_address_removes_all_its_data_and_only_a_site_administrator_may(
    as_user, upcoming, inbox, who
):
    announce(as_user("superuser"), [upcoming.talks["a"]])
    run_queued_tasks()
    ada = Address.objects.get(email="ada@example.org")
    client = as_user(who)
    url = reverse("admin:seminars_address_delete", args=[ada.pk])
    response = client.post(url, {"post": "yes"})
    gone = not Address.objects.filter(pk=ada.pk).exists()
    assert gone is (who == "superuser")
    if gone:
        assert response.status_code == 302
        assert not Subscription.objects.filter(address_id=ada.pk).exists()
        assert not Delivery.objects.filter(address_id=ada.pk).exists()
        # The others are untouched.
        assert Address.objects.filter(email="dig@example.org").exists()
    else:
        assert response.status_code == 403
        assert Delivery.objects.filter(address=ada).exists()
