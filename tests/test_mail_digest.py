"""The weekly digest, through the real SMTP server of test_mail.py: what it lists, when it
is sent, exactly once, and the forms that ask for it."""

import datetime as dt
import email
import re
import threading
from email import policy
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.mail import links, messages, sending
from seminars.mail.models import Address, DigestDelivery, Subscription, new_token
from seminars.models import Talk
from tests import test_mail
from tests.factories import make_series, make_speaker, make_talk
from tests.test_mail import (
    SITE,
    header,
    html_of,
    link_in,
    subject,
    subscribe,
    text_of,
)
from tests.test_settings import _load_settings

inbox = test_mail.inbox  # the fixture: the SMTP server and what it received

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")


def _a_monday_ahead() -> dt.datetime:
    """7:00 London time of a Monday a few weeks ahead: the digest time of the tests."""
    day = timezone.now().astimezone(LONDON).date() + dt.timedelta(days=21)
    day += dt.timedelta(days=-day.weekday())
    return dt.datetime.combine(day, dt.time(7), tzinfo=LONDON)


MONDAY = _a_monday_ahead()


@pytest.fixture(autouse=True)
def _digest_time(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.DIGEST_WEEKDAY = 0
    settings.DIGEST_HOUR = 7


def follower(email, *series, zone="Europe/Berlin", reminders=False, digest=True) -> Address:
    """A confirmed address following `series` (made directly: the form has tests of its own)."""
    address = Address.objects.create(
        email=email, zone=zone, token=new_token(), confirmed_at=timezone.now()
    )
    for s in series:
        Subscription.objects.create(address=address, series=s, reminders=reminders, digest=digest)
    return address


def at(days=0, hours=0, minutes=0) -> dt.datetime:
    """A time from the digest time, by the clock of London."""
    local = MONDAY.replace(tzinfo=None) + dt.timedelta(days=days, hours=hours, minutes=minutes)
    return local.replace(tzinfo=LONDON)


def sent_digests(inbox, address):
    return [m for m in inbox.to(address) if subject(m).startswith("This week at Seminars:")]


@pytest.mark.django_db
def test_a_digest_lists_exactly_the_coming_weeks_talks_of_the_series_followed(inbox):
    algebra, botany, chemistry = make_series("Algebra"), make_series("Botany"), make_series("Chem")
    noether = make_speaker("Emmy Noether", affiliation="Göttingen")
    make_talk(series=algebra, start=at(hours=2), title="Rings", speakers=[noether], venue="MR2")
    make_talk(series=botany, start=at(days=1, hours=16, minutes=30), title="Late leaves")
    make_talk(series=algebra, start=at(days=6, hours=23, minutes=59), title="Last of the week")
    make_talk(series=algebra, start=at(days=7), title="Next week")
    make_talk(series=algebra, start=at(minutes=-30), title="Before the digest")
    gone = make_talk(series=botany, start=at(days=3), title="Cancelled one")
    Talk.objects.filter(pk=gone.pk).cancel()
    make_talk(series=chemistry, start=at(days=2), title="Acids")
    follower("ada@example.org", algebra, botany)
    follower("bob@example.org", chemistry, zone="Europe/London")

    summary = sending.send_due(now=MONDAY)

    assert summary.digests == 2 and summary.reminders == 0
    (digest,) = inbox.to("ada@example.org")
    text = text_of(digest)
    for title in ("Rings", "Late leaves", "Last of the week"):
        assert title in text and title in html_of(digest)
    for title in ("Next week", "Before the digest", "Cancelled one", "Acids"):
        assert title not in text and title not in html_of(digest)
    assert subject(digest) == f"This week at Seminars: 3 talks, {_day(at())} to {_day(at(7))}"
    # Grouped by day in the address's zone: 23:30 on Tuesday in London is 00:30 on Wednesday
    # in Berlin; the last talk is 6:59 next Monday in London, a minute before the week ends.
    assert "Times in Europe/Berlin." in text and "Times in Europe/Berlin." in html_of(digest)
    monday, wednesday, last = (_heading(at()), _heading(at(2)), _heading(at(7)))
    assert text.index(monday) < text.index("10:00–11:00  Rings") < text.index(wednesday)
    assert text.index(wednesday) < text.index("00:30–01:30  Late leaves") < text.index(last)
    assert text.index(last) < text.index("07:59–08:59  Last of the week")
    assert _heading(at(1)) not in text
    # css-inline adds the day headings' style attributes
    assert re.search(rf'<h2 class="day"[^>]*>{wednesday}</h2>', html_of(digest))
    assert "Emmy Noether (Göttingen)" in text and "Algebra · MR2" in text
    (bob,) = inbox.to("bob@example.org")
    assert "Acids" in text_of(bob) and "Rings" not in text_of(bob)
    assert "Times in Europe/London." in text_of(bob)
    assert set(DigestDelivery.objects.values_list("address__email", "week", "status")) == {
        ("ada@example.org", MONDAY.date(), "sent"),
        ("bob@example.org", MONDAY.date(), "sent"),
    }


def _day(when):
    local = when.astimezone(BERLIN)
    return f"{local:%a} {local.day} {local:%b}"


def _heading(when):
    local = when.astimezone(BERLIN)
    return f"{local:%A} {local.day} {local:%B}"


@pytest.mark.django_db
def test_a_digest_links_each_talk_page_and_carries_the_unsubscribe_headers(client, inbox):
    series = make_series("Algebra")
    talk = make_talk(series=series, start=at(hours=3), title="<b>Rings</b> & fields")
    address = follower("ada@example.org", series)
    sending.send_due(now=MONDAY)
    (digest,) = inbox.messages
    url = f"{SITE}{talk.get_absolute_url()}"
    assert url in text_of(digest) and f'href="{url}"' in html_of(digest)
    assert "&lt;b&gt;Rings&lt;/b&gt; &amp; fields" in html_of(digest)
    assert "<b>Rings" not in html_of(digest)
    assert '<meta name="color-scheme" content="light dark">' in html_of(digest)
    assert "<img" not in html_of(digest)
    # The address's own signed links (made in another second than the test's would be).
    unsubscribe = header(digest, "List-Unsubscribe")
    assert unsubscribe.startswith(f"<{SITE}/mail/unsubscribe/") and unsubscribe.endswith("/>")
    key = urlsplit(unsubscribe.strip("<>")).path.split("/")[-2]
    assert links.read(key, salt=links.UNSUBSCRIBE)[1]["s"] is None  # from everything
    assert links.read(key, salt=links.UNSUBSCRIBE)[0] == address
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Id"] == '"Seminars weekly digest" <digest.talks.example.org>'
    assert digest["Auto-Submitted"] == "auto-generated"
    assert links.read(link_in(digest, "manage").split("/")[-2], salt=links.MANAGE)[0] == address
    # The one-click POST ends every subscription: the digest spans them all.
    path = urlsplit(header(digest, "List-Unsubscribe").strip("<>")).path
    assert link_in(digest, "unsubscribe") == path
    answer = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert not Address.objects.exists() and not DigestDelivery.objects.exists()


@pytest.mark.django_db
def test_no_digest_is_sent_when_the_week_has_nothing_to_list(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=8))
    gone = make_talk(series=series, start=at(days=2))
    Talk.objects.filter(pk=gone.pk).cancel()
    follower("ada@example.org", series)
    assert sending.send_due(now=MONDAY).digests == 0
    assert inbox.messages == [] and not DigestDelivery.objects.exists()
    # A talk added later that week still brings the week's digest, once.
    make_talk(series=series, start=at(days=3), title="Added")
    assert sending.send_due(now=at(days=1)).digests == 1
    assert sending.send_due(now=at(days=2)).digests == 0
    assert [subject(m) for m in inbox.messages] == [f"This week at Seminars: 1 talk, {_day(at(3))}"]


@pytest.mark.django_db
def test_a_digest_is_sent_once_across_runs_of_the_week_and_again_the_next_week(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=2), title="Wednesday talk")
    make_talk(series=series, start=at(days=9), title="Next Wednesday talk")
    follower("ada@example.org", series)
    assert sending.send_due(now=MONDAY).digests == 1
    assert str(sending.send_due(now=at(minutes=5))) == "Sent 0 confirmations and 0 reminders."
    assert sending.send_due(now=at(days=1, hours=8)).digests == 0
    assert sending.send_due(now=at(days=7)).digests == 1
    first, second = inbox.messages
    assert "Wednesday talk" in text_of(first) and "Next Wednesday" not in text_of(first)
    assert "Next Wednesday talk" in text_of(second)
    assert "Wednesday talk" not in text_of(second).replace("Next Wednesday talk", "")
    assert DigestDelivery.objects.filter(status="sent").count() == 2


@pytest.mark.django_db
def test_a_run_before_the_digest_time_sends_nothing_and_a_late_one_sends_the_week(inbox):
    series = make_series()
    make_talk(series=series, start=at(hours=1), title="Monday morning")
    make_talk(series=series, start=at(days=2), title="Wednesday")
    follower("ada@example.org", series)
    assert sending.send_due(now=at(minutes=-1)).digests == 0
    assert inbox.messages == [] and not DigestDelivery.objects.exists()
    # Cron missed 7:00; the run at 15:00 on Tuesday sends the week's digest, without the
    # talk that is over by then.
    summary = sending.send_due(now=at(days=1, hours=8))
    assert str(summary) == "Sent 0 confirmations and 0 reminders. Sent 1 weekly digest."
    (digest,) = inbox.messages
    assert "Wednesday" in text_of(digest) and "Monday morning" not in text_of(digest)
    assert DigestDelivery.objects.get().week == MONDAY.date()


@pytest.mark.django_db
def test_the_digest_day_and_hour_are_settings(inbox, settings):
    settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR = 4, 16  # Friday, 16:00
    series = make_series()
    make_talk(series=series, start=at(days=5))
    follower("ada@example.org", series)
    assert sending.send_due(now=MONDAY).digests == 0  # last Friday's week has nothing
    assert sending.send_due(now=at(days=4, hours=8, minutes=59)).digests == 0
    assert sending.send_due(now=at(days=4, hours=9)).digests == 1
    assert DigestDelivery.objects.get().week == at(days=4).date()


def test_digest_weekday_takes_a_number_or_a_days_name_and_refuses_others():
    show = "settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR"
    result = _load_settings(show, DEBUG="1", DIGEST_WEEKDAY="Wednesday", DIGEST_HOUR="18")
    assert result.stdout.strip() == "2 18"
    assert _load_settings(show, DEBUG="1", DIGEST_WEEKDAY="6").stdout.strip() == "6 7"
    result = _load_settings(show, DEBUG="1", DIGEST_WEEKDAY="someday")
    assert result.returncode != 0
    assert "DIGEST_WEEKDAY is 'someday': give 0 (Monday) to 6 (Sunday)" in result.stderr


@pytest.mark.django_db
def test_a_digest_only_address_gets_no_reminders_and_a_reminder_only_one_no_digest(inbox):
    series = make_series()
    make_talk(series=series, start=at(hours=3), title="Soon")
    follower("digest@example.org", series)
    follower("remind@example.org", series, reminders=True, digest=False)
    summary = sending.send_due(now=MONDAY)
    assert (summary.reminders, summary.digests) == (1, 1)
    (digest,) = inbox.to("digest@example.org")
    assert subject(digest).startswith("This week at Seminars:")
    (reminder,) = inbox.to("remind@example.org")
    assert subject(reminder).startswith("Soon – ")


@pytest.mark.django_db
def test_an_address_stopped_by_refusals_gets_no_digest_and_a_refusal_counts(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    stopped = follower("stopped@example.org", series)
    Address.objects.filter(pk=stopped.pk).update(refusals=3)
    follower("gone@example.org", series)
    inbox.refuse.add("gone@example.org")
    summary = sending.send_due(now=MONDAY)
    assert (summary.digests, summary.failed) == (0, 1)
    assert inbox.messages == []
    assert Address.objects.get(email="gone@example.org").refusals == 1
    assert list(DigestDelivery.objects.values_list("address__email", "status")) == [
        ("gone@example.org", "failed")
    ]


@pytest.mark.django_db
def test_a_stale_claim_of_the_week_is_sent_and_one_of_a_past_week_is_not(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    address = follower("ada@example.org", series)
    old = follower("old@example.org", series)
    stale = MONDAY - sending.STALE_CLAIM - dt.timedelta(minutes=1)
    DigestDelivery.objects.create(address=address, week=MONDAY.date(), run="x", claimed_at=stale)
    last_week = (MONDAY - dt.timedelta(days=7)).date()
    DigestDelivery.objects.create(address=old, week=last_week, run="x", claimed_at=stale)
    assert sending.send_due(now=MONDAY).digests == 2  # the stale claim, and old's this week's
    assert sorted(DigestDelivery.objects.values_list("address__email", "week", "status")) == [
        ("ada@example.org", MONDAY.date(), "sent"),
        ("old@example.org", last_week, "failed"),
        ("old@example.org", MONDAY.date(), "sent"),
    ]
    assert sorted(m["To"] for m in inbox.messages) == ["ada@example.org", "old@example.org"]


@pytest.mark.django_db
def test_a_digest_sent_again_after_a_crash_keeps_its_message_id(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    follower("ada@example.org", series)
    assert sending.send_due(now=MONDAY).digests == 1
    # Sent, and not recorded: a crash leaves the claim pending, and a later run sends it.
    DigestDelivery.objects.update(status="pending", claimed_at=MONDAY - sending.STALE_CLAIM)
    assert sending.send_due(now=MONDAY + dt.timedelta(minutes=1)).digests == 1
    first, again = inbox.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith(f"<digest.{DigestDelivery.objects.get().pk}.")


@pytest.mark.django_db
def test_a_fresh_claim_of_another_run_is_left_to_it(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    address = follower("ada@example.org", series)
    DigestDelivery.objects.create(address=address, week=MONDAY.date(), run="o", claimed_at=MONDAY)
    assert sending.send_due(now=at(minutes=1)).digests == 0
    assert inbox.messages == []


def _queries_to_digest(subscribers):
    algebra, botany, chemistry = (make_series() for _ in range(3))
    for s in (algebra, botany, chemistry):
        for day in (1, 3):
            make_talk(series=s, start=at(days=day), speakers=[make_speaker()])
    for n in range(subscribers):
        follows = (algebra, botany) if n % 2 else (botany, chemistry)
        zone = "Europe/Berlin" if n % 3 else "America/New_York"
        follower(f"p{subscribers}-{n}@example.org", *follows, zone=zone)
    with CaptureQueriesContext(connection) as queries:
        summary = sending.send_due(now=MONDAY)
    assert summary.digests == subscribers
    return len(queries)


@pytest.mark.django_db
def test_sending_digests_takes_as_many_queries_for_two_subscribers_as_for_seven(inbox):
    small = _queries_to_digest(2)
    Address.objects.all().delete()
    assert _queries_to_digest(7) == small
    assert len(inbox.messages) == 9


@pytest.mark.django_db
def test_the_talk_list_is_rendered_once_per_series_and_zone(inbox):
    a, b = make_series(), make_series()
    make_talk(series=a, start=at(days=1))
    make_talk(series=b, start=at(days=2))
    for n in range(4):
        follower(f"a{n}@example.org", a, b)
        follower(f"l{n}@example.org", a, b, zone="Europe/London")
    follower("only-a@example.org", a)
    rendered = []

    def record(sender, template, context, **kwargs):
        rendered.append(template.name)

    # Django's own signal of a template rendered (sent while tests run).
    template_rendered.connect(record)
    try:
        assert sending.send_due(now=MONDAY).digests == 9
    finally:
        template_rendered.disconnect(record)
    # (a, b) in Berlin and in London, a alone in Berlin: each digest made once, then merged.
    assert rendered.count("mail/digest_talks.html") == 3
    assert rendered.count("mail/digest.html") == 3


def _same(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return re.sub(r"/mail/(manage|unsubscribe)/([^/:]+):[^/:]+:[^/]+/", r"/mail/\1/\2/", text)


@pytest.mark.django_db
def test_a_merged_digest_is_the_message_built_for_its_address(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1), title="Rings")
    for n in range(3):
        follower(f"p{n}@example.org", series)
    assert sending.send_due(now=MONDAY).digests == 3
    for message in inbox.messages:
        row = DigestDelivery.objects.get(address__email=message["To"])
        address = row.address
        built = messages.digest(
            address,
            messages.digest_days(
                list(Talk.objects.with_speakers()), messages.address_zone(address)
            ),
            msgid=messages.message_id("digest", row.pk),
        )
        expected = email.message_from_bytes(built.message().as_bytes(), policy=policy.default)
        assert message["Message-ID"] == expected["Message-ID"]
        # The same but for the second each signed link was made in, and line ends (CRLF on
        # the wire).
        assert _same(header(message, "List-Unsubscribe")) == _same(
            header(expected, "List-Unsubscribe")
        )
        assert _same(text_of(message)) == _same(text_of(expected))
        assert _same(html_of(message)) == _same(html_of(expected))
        for name in ("Subject", "List-Id", "List-Unsubscribe-Post", "Auto-Submitted", "From"):
            assert message[name] == expected[name]
    # Each address's own links, which work.
    for message in inbox.messages:
        address, _ = links.read(link_in(message, "manage").split("/")[-2], salt=links.MANAGE)
        assert address.email == message["To"]


@pytest.mark.django_db
def test_a_digest_the_merge_cannot_carry_is_built_for_each_address(inbox):
    series = make_series()
    # A line too long for SMTP (1,200 bytes in 300 characters, a title's limit being 500):
    # the body goes quoted-printable, which may split the links.
    make_talk(series=series, start=at(days=1), title="Rings " + "🎉" * 300)
    follower("ada@example.org", series)
    follower("bob@example.org", series)
    zone = ZoneInfo("Europe/Berlin")
    days = messages.digest_days(list(Talk.objects.with_speakers()), zone)
    assert not messages.digest_template(days, zone, messages.digest_listing(days, zone)).usable
    assert sending.send_due(now=MONDAY).digests == 2
    for message in inbox.messages:
        address, _ = links.read(link_in(message, "manage").split("/")[-2], salt=links.MANAGE)
        assert address.email == message["To"]
        assert "🎉" * 300 in text_of(message)


# As in test_mail.py: two writers at once are for PostgreSQL.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_digest_once(inbox):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    for n in range(20):
        follower(f"p{n}@example.org", series)
    barrier = threading.Barrier(2)
    summaries = []

    def run():
        try:
            barrier.wait()
            summaries.append(sending.send_due(now=MONDAY))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(s.digests for s in summaries) == 20
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"p{n}@example.org" for n in range(20))
    assert DigestDelivery.objects.filter(status="sent").count() == 20


@pytest.mark.django_db
def test_the_form_subscribes_to_the_digest_alone_and_refuses_neither(client, inbox):
    series = make_series("Algebra")
    subscribe(client, "ada@example.org", series, reminders=False, digest=True)
    (confirmation,) = inbox.messages
    assert "You would get a weekly digest" in text_of(confirmation)
    client.post(link_in(confirmation, "confirm"))
    assert list(Subscription.objects.values_list("reminders", "digest")) == [(False, True)]

    cache.clear()  # the per-client limit
    answer = subscribe(client, "bob@example.org", series, reminders=False)
    assert answer.status_code == 400
    assert "Please choose reminders, the weekly digest or both." in answer.content.decode()
    assert list(Address.objects.values_list("email", flat=True)) == ["ada@example.org"]
    assert len(inbox.messages) == 1


@pytest.mark.django_db
def test_the_form_subscribes_to_both(client, inbox):
    series = make_series()
    subscribe(client, "ada@example.org", series, digest=True)
    client.post(link_in(inbox.messages[0], "confirm"))
    assert list(Subscription.objects.values_list("reminders", "digest")) == [(True, True)]


@pytest.mark.django_db
def test_the_manage_page_sets_and_clears_the_digest(client, inbox):
    a, b = make_series("Algebra"), make_series("Botany")
    address = follower("ada@example.org", a, b, reminders=True, digest=False)
    path = urlsplit(links.manage_url(address)).path
    page = client.get(path).content.decode()
    assert (
        f'<input type="checkbox" name="digest-{a.pk}" aria-label="Weekly digest of Algebra">'
        in page
    )
    client.post(path, {f"reminders-{a.pk}": "on", f"digest-{a.pk}": "on", f"digest-{b.pk}": "on"})

    def wants():
        rows = Subscription.objects.order_by("series__name")
        return list(rows.values_list("reminders", "digest"))

    assert wants() == [(True, True), (False, True)]
    page = client.get(path).content.decode()
    assert f'name="digest-{b.pk}" aria-label="Weekly digest of Botany" checked' in page
    client.post(path, {f"reminders-{a.pk}": "on", f"digest-{b.pk}": "on"})
    assert wants() == [(True, False), (False, True)]
    client.post(path, {f"reminders-{a.pk}": "on"})  # Botany: neither, so it ends
    assert list(Subscription.objects.values_list("series__name", "reminders", "digest")) == [
        ("Algebra", True, False)
    ]


@pytest.mark.django_db
def test_digests_an_unreachable_smtp_server_could_not_take_are_sent_by_the_next_run(
    inbox, settings
):
    series = make_series()
    make_talk(series=series, start=at(days=1))
    for n in range(3):
        follower(f"p{n}@example.org", series)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = test_mail._free_port()  # nothing listens
    summary = sending.send_due(now=MONDAY)
    assert (summary.digests, summary.failed) == (0, 3)
    assert not DigestDelivery.objects.exists()  # given up for the next run
    settings.EMAIL_PORT = port
    assert sending.send_due(now=at(minutes=5)).digests == 3
    assert sorted(m["To"] for m in inbox.messages) == [f"p{n}@example.org" for n in range(3)]


@pytest.mark.django_db
def test_a_digests_headers_and_text_come_through_whole_whatever_their_letters(inbox, settings):
    settings.SITE_NAME = "Séminaires de Göttingen"
    series = make_series("Zahlentheorie")
    make_talk(series=series, start=at(days=1), title="Über Primzahlen — ζ(s)")
    follower("ada@example.org", series)
    sending.send_due(now=MONDAY)
    (digest,) = inbox.messages
    assert subject(digest) == f"This week at Séminaires de Göttingen: 1 talk, {_day(at(1))}"
    expected = '"Séminaires de Göttingen weekly digest" <digest.talks.example.org>'
    assert header(digest, "List-Id") == expected
    assert "Über Primzahlen — ζ(s)" in text_of(digest) and "Über Primzahlen" in html_of(digest)
    assert header(digest, "List-Unsubscribe").startswith(f"<{SITE}/mail/unsubscribe/")
