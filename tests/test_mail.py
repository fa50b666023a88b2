"""Subscriptions by email, end to end through a real SMTP server (aiosmtpd on loopback):
the form, the confirmation, reminders sent exactly once, unsubscribing and the links."""

import datetime as dt
import email
import re
import socket
import threading
import time
from email import policy
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.core import signing
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.mail import links, sending
from seminars.mail.models import Address, Delivery, Subscription
from seminars.models import Talk
from tests.factories import make_series, make_speaker, make_talk
from tests.worker import run_queued_tasks

SITE = "https://talks.example.org"
BERLIN = ZoneInfo("Europe/Berlin")


class Inbox:
    """What the SMTP server received; it refuses the addresses in `refuse` with a 550."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_OFFERED = True
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "talks@example.org"
    settings.REMINDER_HOURS = 24
    yield inbox
    controller.stop()


def header(message, name) -> str:
    """A header as a mail client shows it (unfolded)."""
    return " ".join(str(message[name]).split())


def subject(message) -> str:
    return header(message, "Subject")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, name) -> str:
    """The path of the first link to /mail/<name>/ in the message's text."""
    url = re.search(rf"{re.escape(SITE)}/mail/{name}/\S+/", text_of(message)).group(0)
    return urlsplit(url).path


def subscribe(client, address, *series, reminders=True, digest=False, tz="Europe/Berlin"):
    data = {"email": address, "series": [s.slug for s in series], "tz": tz}
    if reminders:
        data["reminders"] = "on"
    if digest:
        data["digest"] = "on"
    response = client.post("/mail/subscribe/", data, REMOTE_ADDR="192.0.2.1")
    run_queued_tasks()  # the worker sends the confirmation
    return response


def subscribed(client, inbox, address, *series):
    """Subscribe through the form and confirm from the email; the address."""
    subscribe(client, address, *series)
    (message,) = inbox.to(address)
    client.post(link_in(message, "confirm"))
    inbox.messages.clear()
    return Address.objects.get(email=address)


def send_email() -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_email", stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_a_series_page_has_an_email_form_that_works_without_javascript(client, inbox):
    series = make_series("Number Theory")
    page = client.get(series.get_absolute_url()).content.decode()
    assert '<form method="post" action="/mail/subscribe/">' in page
    assert '<input id="mail-email" type="email" name="email"' in page
    assert '<input type="hidden" name="series" value="number-theory">' in page
    # Reminders ticked, the weekly digest offered but not ticked.
    assert '<input type="checkbox" name="reminders" checked>' in page
    assert '<input type="checkbox" name="digest">' in page


@pytest.mark.django_db
def test_the_follow_page_form_subscribes_to_the_chosen_series(client, inbox):
    a, b = make_series("Algebra"), make_series("Botany")
    page = client.get("/follow/?series=algebra&series=botany").content.decode()
    assert '<input type="hidden" name="series" value="algebra">' in page
    assert '<input type="hidden" name="series" value="botany">' in page
    subscribe(client, "x@example.org", a, b)
    client.post(link_in(inbox.to("x@example.org")[0], "confirm"))
    assert set(Subscription.objects.values_list("series__name", flat=True)) == {"Algebra", "Botany"}


@pytest.mark.django_db
def test_without_email_in_production_the_form_says_email_is_not_offered(client, settings):
    settings.EMAIL_OFFERED = False
    series = make_series("Quiet")
    page = client.get(series.get_absolute_url()).content.decode()
    assert "This site does not offer email" in page
    assert 'type="email"' not in page


@pytest.mark.django_db
def test_subscribing_sends_only_a_confirmation_and_its_link_makes_the_subscription(client, inbox):
    series = make_series("Number Theory")
    make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    answer = subscribe(client, "Ada@Example.org", series)
    assert "Check your inbox" in answer.content.decode()
    (message,) = inbox.messages
    assert message["To"] == "ada@example.org"
    assert subject(message) == "Confirm your subscription to Seminars"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Number Theory" in text_of(message) and "Europe/Berlin" in text_of(message)
    address = Address.objects.get()
    assert address.confirmed_at is None and not Subscription.objects.exists()

    assert send_email() == "Sent 0 confirmations and 0 reminders."  # not confirmed: nothing
    assert len(inbox.messages) == 1

    confirm = link_in(message, "confirm")
    page = client.get(confirm)
    assert '<button type="submit">Confirm</button>' in page.content.decode()
    assert Address.objects.get().confirmed_at is None  # a GET (a mail scanner) confirms nothing
    assert "Subscribed" in client.post(confirm).content.decode()
    address.refresh_from_db()
    assert address.confirmed_at is not None and address.zone == "Europe/Berlin"
    assert list(Subscription.objects.values_list("series__name", "reminders", "digest")) == [
        ("Number Theory", True, False)
    ]


@pytest.mark.django_db
def test_a_talk_in_three_hours_is_reminded_exactly_once_across_two_runs(client, inbox, settings):
    settings.ALLOWED_HOSTS = ["testserver", "talks.example.org"]
    series = make_series("Number Theory")
    speaker = make_speaker("Emmy Noether", affiliation="Göttingen")
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), title="Rings")
    talk.talk_speakers.create(speaker=speaker)
    far = make_talk(series=series, start=timezone.now() + dt.timedelta(days=3))
    address = subscribed(client, inbox, "ada@example.org", series)

    assert send_email() == "Sent 0 confirmations and 1 reminder."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    (message,) = inbox.messages
    local = timezone.localtime(talk.start, timezone=BERLIN)
    day = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    assert subject(message) == f"Rings – {day} (Europe/Berlin)"
    assert message["List-Id"] == '"Number Theory" <number-theory.talks.example.org>'
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"<{SITE}/mail/unsubscribe/\S+/>", header(message, "List-Unsubscribe"))
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@talks.example.org>")
    assert f"{SITE}{talk.get_absolute_url()}" in text_of(message)
    assert "Emmy Noether (Göttingen)" in text_of(message)
    assert f'href="{SITE}{talk.get_absolute_url()}"' in html_of(message)
    assert "<img" not in html_of(message) and "<style" not in html_of(message)
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    download = client.get(f"/talks/{talk.pk}.ics", secure=True, HTTP_HOST="talks.example.org")
    assert attachment.get_content().encode() == download.content  # the same UID and SEQUENCE
    assert list(Delivery.objects.values_list("address", "talk", "kind", "status")) == [
        (address.pk, talk.pk, "reminder", "sent")
    ]
    assert far.pk not in Delivery.objects.values_list("talk", flat=True)


@pytest.mark.django_db
def test_a_talk_nearer_than_the_reminder_time_when_confirmed_is_reminded_at_the_next_run(
    client, inbox
):
    series = make_series()
    make_talk(series=series, start=timezone.now() + dt.timedelta(minutes=30))
    make_talk(series=series, start=timezone.now() - dt.timedelta(minutes=5))  # started
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 1 reminder."


@pytest.mark.django_db
def test_a_cancelled_talk_is_never_reminded(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    Talk.objects.filter(pk=talk.pk).cancel()
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert inbox.messages == [] and not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_moved_talk_is_reminded_for_its_new_time(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), title="Moved")
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    new_start = talk.start + dt.timedelta(hours=5)
    Talk.objects.filter(pk=talk.pk).changed(start=new_start, end=new_start + dt.timedelta(hours=1))
    # Within the reminder window: the "Moved:" notice stands for the new time's reminder.
    assert send_email() == "Sent 0 confirmations and 0 reminders. Sent 1 change notice."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    old, new = inbox.messages
    assert subject(new).startswith("Moved: Moved – ")
    local = timezone.localtime(new_start, timezone=BERLIN)
    assert f"{local:%H:%M} (Europe/Berlin)" in subject(new)
    assert "SEQUENCE:1" in next(new.iter_attachments()).get_content()
    assert sorted(Delivery.objects.values_list("kind", "start", "status")) == [
        ("moved", new_start, "sent"),
        ("reminder", talk.start, "sent"),
        ("reminder", new_start, "sent"),
    ]


@pytest.mark.django_db
def test_a_one_click_unsubscribe_post_stops_mail_at_once(client, inbox):
    series = make_series()
    make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    later = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=30))
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    (message,) = inbox.messages
    url = urlsplit(header(message, "List-Unsubscribe").strip("<>")).path
    assert link_in(message, "unsubscribe") == url  # the same link in the body

    client.get(url)  # a mail scanner following the link
    assert Subscription.objects.count() == 1
    answer = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and "No more emails about" in answer.content.decode()
    assert not Subscription.objects.exists()
    Talk.objects.filter(pk=later.pk).changed(start=timezone.now() + dt.timedelta(hours=2))
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert len(inbox.messages) == 1


@pytest.mark.django_db
def test_the_unsubscribe_link_takes_no_other_post_body(client, inbox):
    series = make_series()
    address = subscribed(client, inbox, "ada@example.org", series)
    url = urlsplit(links.unsubscribe_url(address, series.pk)).path
    answer = client.post(url, {"List-Unsubscribe": "Yes"})
    assert answer.status_code == 400
    assert "does not say List-Unsubscribe=One-Click" in answer.content.decode()
    assert Subscription.objects.count() == 1


@pytest.mark.django_db
def test_the_form_answers_the_same_for_a_known_an_unknown_and_a_throttled_address(client, inbox):
    series = make_series()
    subscribed(client, inbox, "known@example.org", series)
    Address.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=11))

    def answer(address):
        page = subscribe(client, address, series).content.decode()
        return page.replace(address, "ADDRESS")

    known, unknown = answer("known@example.org"), answer("new@example.org")
    throttled = answer("new@example.org")  # a second time within ten minutes
    assert known == unknown == throttled
    assert [m["To"] for m in inbox.messages] == ["known@example.org", "new@example.org"]


@pytest.mark.django_db
def test_an_address_gets_one_confirmation_per_ten_minutes(client, inbox):
    series = make_series()
    for _ in range(3):
        subscribe(client, "ada@example.org", series)
    assert len(inbox.messages) == 1
    Address.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=11))
    subscribe(client, "ada@example.org", series)
    assert len(inbox.messages) == 2


@pytest.mark.django_db
def test_a_client_may_ask_five_times_an_hour(client, inbox):
    series = make_series()
    for n in range(7):
        subscribe(client, f"person{n}@example.org", series)
    assert [m["To"] for m in inbox.messages] == [f"person{n}@example.org" for n in range(5)]
    assert Address.objects.count() == 5


@pytest.mark.django_db
def test_a_confirmation_the_smtp_server_could_not_take_is_sent_by_send_email(
    client, inbox, settings
):
    series = make_series()
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens
    subscribe(client, "ada@example.org", series)
    assert inbox.messages == [] and Address.objects.get().confirmation_waiting
    settings.EMAIL_PORT = port
    assert send_email() == "Sent 1 confirmation and 0 reminders."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert [m["To"] for m in inbox.messages] == ["ada@example.org"]


class _Old(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)


@pytest.mark.django_db
def test_a_tampered_or_expired_confirmation_link_does_nothing_and_says_so(client, inbox):
    series = make_series()
    subscribe(client, "ada@example.org", series)
    address = Address.objects.get()
    good = link_in(inbox.messages[0], "confirm")
    tampered = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    assert tampered != good
    answer = client.post(tampered)
    assert answer.status_code == 400
    assert "This link is not valid: it may have been cut short or changed." in (
        answer.content.decode()
    )
    payload = {"a": address.pk, "t": address.token, "r": address.requested}
    expired = _Old(salt=links.CONFIRM).sign_object(payload)
    answer = client.post(f"/mail/confirm/{expired}/")
    assert answer.status_code == 400 and "This link has expired." in answer.content.decode()
    other_kind = links.manage_key(address)  # a manage link does not confirm
    assert client.post(f"/mail/confirm/{other_kind}/").status_code == 400
    assert Address.objects.get().confirmed_at is None and not Subscription.objects.exists()


@pytest.mark.django_db
def test_a_tampered_manage_or_unsubscribe_link_changes_nothing(client, inbox):
    series = make_series()
    address = subscribed(client, inbox, "ada@example.org", series)
    for path in (
        urlsplit(links.manage_url(address)).path,
        urlsplit(links.unsubscribe_url(address)).path,
    ):
        flipped = "x" if path[-4] != "x" else "y"
        answer = client.post(path[:-4] + flipped + path[-3:], {"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 400 and "Nothing was changed." in answer.content.decode()
    assert Subscription.objects.count() == 1 and Address.objects.count() == 1


@pytest.mark.django_db
def test_the_manage_page_shows_and_changes_the_subscriptions(client, inbox):
    a, b = make_series("Algebra"), make_series("Botany")
    address = subscribed(client, inbox, "ada@example.org", a, b)
    path = urlsplit(links.manage_url(address)).path
    page = client.get(path).content.decode()
    assert "Algebra" in page and "Botany" in page
    client.post(path, {f"reminders-{b.pk}": "on"})
    assert list(Subscription.objects.values_list("series__name", "reminders", "digest")) == [
        ("Botany", True, False)
    ]


@pytest.mark.django_db
def test_an_unconfirmed_address_is_forgotten_after_a_week(client, inbox):
    subscribe(client, "ada@example.org", make_series())
    Address.objects.update(created=timezone.now() - dt.timedelta(days=8))
    assert send_email() == "Sent 0 confirmations and 0 reminders. Forgot 1 unconfirmed address."
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_three_permanent_refusals_stop_mail_to_an_address(client, inbox):
    series = make_series()
    subscribed(client, inbox, "gone@example.org", series)
    inbox.refuse.add("gone@example.org")
    for hours in (3, 4, 5):
        make_talk(series=series, start=timezone.now() + dt.timedelta(hours=hours))
        send_email()
    assert Address.objects.get().refusals == 3
    assert Delivery.objects.filter(status="failed").count() == 3
    inbox.refuse.clear()
    make_talk(series=series, start=timezone.now() + dt.timedelta(hours=6))
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert inbox.messages == []


@pytest.mark.django_db
def test_a_claim_left_by_a_crashed_run_is_sent_by_a_later_one(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    address = subscribed(client, inbox, "ada@example.org", series)
    claimed = timezone.now() - sending.STALE_CLAIM
    Delivery.objects.create(
        address=address, talk=talk, kind="reminder", start=talk.start, run="x", claimed_at=claimed
    )
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    assert Delivery.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_message_sent_again_after_a_crash_keeps_its_message_id(client, inbox):
    series = make_series()
    talks = [make_talk(series=series, start=timezone.now() + dt.timedelta(hours=h)) for h in (3, 4)]
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 2 reminders."
    first = {subject(m): m["Message-ID"] for m in inbox.messages}
    assert len(set(first.values())) == 2  # one per message
    assert all(
        re.fullmatch(r"<delivery\.\d+\.[0-9a-f]{20}@talks\.example\.org>", i)
        for i in first.values()
    )
    # A crash after the SMTP server took the first talk's reminder, before the run recorded
    # it: the row is left pending, and a later run takes it over and sends it again.
    Delivery.objects.filter(talk=talks[0]).update(
        status="pending", claimed_at=timezone.now() - sending.STALE_CLAIM, sent_at=None
    )
    inbox.messages.clear()
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    (again,) = inbox.messages
    assert again["Message-ID"] == first[subject(again)]  # mail systems keep one of the two


@pytest.mark.django_db
def test_a_fresh_claim_of_another_run_is_left_to_it(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3))
    address = subscribed(client, inbox, "ada@example.org", series)
    Delivery.objects.create(
        address=address,
        talk=talk,
        kind="reminder",
        start=talk.start,
        run="other",
        claimed_at=timezone.now(),
    )
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert inbox.messages == []


def _queries_to_remind(client, inbox, subscribers):
    series = make_series()
    for n in range(subscribers):
        subscribed(client, inbox, f"p{subscribers}-{n}@example.org", series)
    for hours in (2, 3):
        make_talk(series=series, start=timezone.now() + dt.timedelta(hours=hours))
    with CaptureQueriesContext(connection) as queries:
        summary = sending.send_due()
    assert summary.reminders == 2 * subscribers
    return len(queries)


@pytest.mark.django_db
def test_sending_reminders_takes_as_many_queries_for_two_subscribers_as_for_five(client, inbox):
    small = _queries_to_remind(client, inbox, 2)
    Talk.objects.all().delete()
    Subscription.objects.all().delete()
    from django.core.cache import cache

    cache.clear()  # the per-client limit
    assert _queries_to_remind(client, inbox, 5) == small


@pytest.mark.django_db
def test_a_reminded_talk_that_is_cancelled_gets_one_cancelled_notice(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), title="Gone")
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    Talk.objects.filter(pk=talk.pk).cancel()
    assert send_email() == "Sent 0 confirmations and 0 reminders. Sent 1 change notice."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    reminder, notice = inbox.messages
    assert subject(notice).startswith("Cancelled: Gone – ")
    assert text_of(notice).startswith("CANCELLED: this talk will not take place.")
    assert "STATUS:CANCELLED" in next(notice.iter_attachments()).get_content()


@pytest.mark.django_db
def test_a_reminded_talk_moved_to_another_time_gets_one_moved_notice(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), title="Later")
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    new_start = talk.start + dt.timedelta(days=3)  # beyond the reminder window
    Talk.objects.filter(pk=talk.pk).changed(start=new_start, end=new_start + dt.timedelta(hours=1))
    send_email()
    send_email()
    reminder, notice = inbox.messages
    local = timezone.localtime(new_start, timezone=BERLIN)
    assert (
        subject(notice)
        == f"Moved: Later – {local:%a} {local.day} {local:%b %Y, %H:%M} (Europe/Berlin)"
    )
    assert list(Delivery.objects.order_by("pk").values_list("kind", "start")) == [
        ("reminder", talk.start),
        ("moved", new_start),
    ]


def _reminded(client, inbox, **fields):
    """A talk of a followed series, in three hours, once its reminder is sent; the talk."""
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), **fields)
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    return talk


@pytest.mark.django_db
def test_a_reminded_talk_moved_to_another_venue_gets_one_moved_notice(client, inbox):
    talk = _reminded(client, inbox, title="Rooms", venue="MR2")
    Talk.objects.filter(pk=talk.pk).changed(venue="Lecture Hall <B>")
    assert send_email() == "Sent 0 confirmations and 0 reminders. Sent 1 change notice."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    reminder, notice = inbox.messages
    assert subject(notice).startswith("Moved: Rooms – ")
    assert text_of(notice).startswith(
        "MOVED: this talk is now at another venue: Lecture Hall <B> (was: MR2)."
    )
    assert "Moved: this talk is now at another venue: Lecture Hall &lt;B&gt; (was: MR2)." in (
        html_of(notice)
    )
    assert "LOCATION:Lecture Hall <B>" in next(notice.iter_attachments()).get_content()
    rows = Delivery.objects.order_by("pk").values_list("kind", "start", "venue", "previous_venue")
    assert list(rows) == [
        ("reminder", talk.start, "MR2", ""),
        ("moved", talk.start, "Lecture Hall <B>", "MR2"),
    ]


@pytest.mark.django_db
def test_a_talk_moved_in_time_and_venue_at_once_gets_one_notice_saying_both(client, inbox):
    talk = _reminded(client, inbox, title="Both", venue="MR2")
    new_start = talk.start + dt.timedelta(days=2)
    Talk.objects.filter(pk=talk.pk).changed(
        start=new_start, end=new_start + dt.timedelta(hours=1), venue="MR3"
    )
    assert send_email() == "Sent 0 confirmations and 0 reminders. Sent 1 change notice."
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    _, notice = inbox.messages
    old = timezone.localtime(talk.start, timezone=BERLIN)
    was = f"{old:%a} {old.day} {old:%b %Y, %H:%M} (Europe/Berlin)"
    assert text_of(notice).startswith(
        f"MOVED: this talk is now at another time and venue, below (was: {was}, MR2)."
    )
    assert "Where: MR3" in text_of(notice)


@pytest.mark.django_db
def test_a_time_moved_notice_says_the_time_it_was(client, inbox):
    talk = _reminded(client, inbox, venue="MR2")
    new_start = talk.start + dt.timedelta(days=2)
    Talk.objects.filter(pk=talk.pk).changed(start=new_start, end=new_start + dt.timedelta(hours=1))
    send_email()
    _, notice = inbox.messages
    old = timezone.localtime(talk.start, timezone=BERLIN)
    was = f"{old:%a} {old.day} {old:%b %Y, %H:%M} (Europe/Berlin)"
    assert text_of(notice).startswith(f"MOVED: this talk is now at the time below (was: {was}).")


@pytest.mark.django_db
def test_a_talk_moved_to_another_venue_and_back_is_told_each_time(client, inbox):
    talk = _reminded(client, inbox, venue="MR2")
    for venue in ("MR3", "MR2"):
        Talk.objects.filter(pk=talk.pk).changed(venue=venue)
        assert send_email() == "Sent 0 confirmations and 0 reminders. Sent 1 change notice."
    Talk.objects.filter(pk=talk.pk).changed(title="Retitled")  # not a move: nothing
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    _, there, back = inbox.messages
    assert "another venue: MR3 (was: MR2)." in text_of(there)
    assert "another venue: MR2 (was: MR3)." in text_of(back)


@pytest.mark.django_db
def test_an_unreminded_talk_moved_to_another_venue_sends_nothing(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(days=3), venue="MR2")
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    Talk.objects.filter(pk=talk.pk).changed(venue="MR3")
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert inbox.messages == []


@pytest.mark.django_db
def test_the_migration_takes_the_talks_venue_as_the_one_earlier_reminders_gave(client, inbox):
    import importlib
    from pathlib import Path

    from django.apps import apps

    talk = _reminded(client, inbox, venue="MR2")
    Delivery.objects.update(venue="")  # as rows made before venues were recorded
    (path,) = Path(__file__).parent.parent.glob("seminars/migrations/*_digest_and_venue_notices.py")
    module = importlib.import_module(f"seminars.migrations.{path.stem}")
    module.reminders_gave_the_talks_venue(apps, None)
    assert list(Delivery.objects.values_list("venue", flat=True)) == ["MR2"]
    assert send_email() == "Sent 0 confirmations and 0 reminders."  # not taken for a move
    assert Talk.objects.get().venue == talk.venue


@pytest.mark.django_db
def test_an_unreminded_talk_that_is_cancelled_sends_nothing(client, inbox):
    series = make_series()
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(days=3))
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    Talk.objects.filter(pk=talk.pk).cancel()
    assert send_email() == "Sent 0 confirmations and 0 reminders."


# SQLite's in-memory test database shares one cache between connections, whose table locks
# fail at once instead of waiting: two writers at once are for PostgreSQL (as in production).
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(client, inbox):
    series = make_series()
    for n in range(5):  # the per-client limit
        subscribed(client, inbox, f"p{n}@example.org", series)
    for hours in (2, 3, 4):
        make_talk(series=series, start=timezone.now() + dt.timedelta(hours=hours))
    barrier = threading.Barrier(2)
    summaries = []

    def run():
        try:
            barrier.wait()
            summaries.append(sending.send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(s.reminders for s in summaries) == 15
    sent = [(m["To"], subject(m)) for m in inbox.messages]
    assert len(sent) == len(set(sent)) == 15
    assert Delivery.objects.filter(status="sent").count() == 15


@pytest.mark.django_db
def test_a_talks_text_is_escaped_in_the_html_email(client, inbox):
    series = make_series()
    make_talk(
        series=series,
        start=timezone.now() + dt.timedelta(hours=3),
        title="<script>alert(1)</script> & more",
    )
    subscribed(client, inbox, "ada@example.org", series)
    send_email()
    (message,) = inbox.messages
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html_of(message)
    assert "<script>" not in html_of(message)
    assert "<script>alert(1)</script> & more" in text_of(message)


@pytest.mark.django_db
def test_an_address_stopped_by_refusals_gets_no_confirmation_either(client, inbox):
    series = make_series()
    subscribe(client, "gone@example.org", series)
    Address.objects.update(refusals=3, confirmation_sent_at=timezone.now() - dt.timedelta(hours=1))
    inbox.messages.clear()
    assert "Check your inbox" in subscribe(client, "gone@example.org", series).content.decode()
    assert send_email() == "Sent 0 confirmations and 0 reminders."
    assert inbox.messages == []
