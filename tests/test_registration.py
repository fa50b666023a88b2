"""Registration for a talk's join link (seminars/registration), end to end through the real
SMTP server and worker: the talk page's form, the confirmation, the link emailed once at its
time with the talk's .ics, throttles, capacity, cancelling; and in the admin, who sees the
counts and exports the CSV (a matrix of accounts)."""

import csv
import datetime as dt
import io
import re
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seminars import joining
from seminars.mail import sending
from seminars.models import Talk
from seminars.registration import registering
from seminars.registration.exporting import safe_cell
from seminars.registration.models import Registration, RegistrationLimit
from tests import test_mail
from tests.factories import make_series, make_speaker, make_talk
from tests.test_mail import SITE, _free_port, subject, text_of
from tests.worker import run_queued_tasks

inbox = test_mail.inbox  # the fixture: the SMTP server

LINK = "https://zoom.us/j/8123456789?pwd=s3cret"


@pytest.fixture
def talk(db, inbox):
    """A registration talk in three hours: its link goes out 15 minutes before."""
    series = make_series("Logic", join_access=joining.REGISTRATION)
    start = timezone.now() + dt.timedelta(hours=3)
    speaker = make_speaker("Emmy Noether", affiliation="Göttingen")
    return make_talk(series=series, title="Rings", start=start, join_url=LINK, speakers=[speaker])


def register(client, talk, email, name="Ada Lovelace", ip="192.0.2.1", tz="Europe/Berlin"):
    data = {"email": email, "name": name, "tz": tz}
    response = client.post(f"/registration/talk/{talk.pk}/", data, REMOTE_ADDR=ip)
    run_queued_tasks()  # the worker sends the confirmation
    return response


def link_in(message, name) -> str:
    """The path of the first link to /registration/<name>/ in the message's text."""
    found = re.search(rf"{re.escape(SITE)}/registration/{name}/\S+/", text_of(message))
    return urlsplit(found.group(0)).path


def registered(client, inbox, talk, email, **kwargs) -> Registration:
    """Register through the form and confirm from the email; the registration."""
    register(client, talk, email, **kwargs)
    message = inbox.to(email)[-1]
    client.post(link_in(message, "confirm"))
    inbox.messages.clear()
    return Registration.objects.get(talk=talk, email=email)


def link_time(talk) -> dt.datetime:
    return talk.start - dt.timedelta(minutes=15)


# The form and the confirmation


def test_the_talk_page_has_a_form_that_works_without_javascript(client, talk):
    page = client.get(talk.get_absolute_url()).content.decode()
    assert f'<form method="post" action="/registration/talk/{talk.pk}/">' in page
    assert '<input id="registration-name" type="text" name="name" required' in page
    assert '<input id="registration-email" type="email" name="email" required' in page
    assert "The link to join is sent by email to those registered, 15 minutes before" in page
    assert LINK not in page


@pytest.mark.parametrize("case", ["open mode", "cancelled", "over"])
def test_no_form_is_offered_where_registration_is_closed(client, talk, case):
    if case == "open mode":
        Talk.objects.filter(pk=talk.pk).update(join_access=joining.OPEN)
    elif case == "cancelled":
        Talk.objects.filter(pk=talk.pk).cancel()
    else:
        past = timezone.now() - dt.timedelta(hours=3)
        Talk.objects.filter(pk=talk.pk).update(start=past, end=past + dt.timedelta(hours=1))
    page = client.get(talk.get_absolute_url()).content.decode()
    assert "/registration/talk/" not in page
    answer = register(client, talk, "ada@example.org")
    assert answer.status_code == 410 and "Registration closed" in answer.content.decode()
    assert not Registration.objects.exists()


def test_registering_sends_only_a_confirmation_and_its_link_makes_the_registration(
    client, inbox, talk
):
    answer = register(client, talk, "Ada@Example.org")
    assert "Check your inbox" in answer.content.decode()
    (message,) = inbox.messages
    assert message["To"] == "ada@example.org"
    assert subject(message) == "Confirm your registration: Rings"
    assert message["Auto-Submitted"] == "auto-generated" and message["List-Unsubscribe"] is None
    assert "register Ada Lovelace (ada@example.org) for this talk" in text_of(message)
    assert "Europe/Berlin" in text_of(message)  # the talk's time in the visitor's zone
    assert "the link to join comes by email 15 minutes before the talk starts" in text_of(message)
    assert LINK not in text_of(message)
    registration = Registration.objects.get()
    assert (registration.name, registration.zone) == ("Ada Lovelace", "Europe/Berlin")
    assert registration.confirmed_at is None

    confirm = link_in(message, "confirm")
    page = client.get(confirm).content.decode()
    assert '<button type="submit">Confirm</button>' in page
    assert Registration.objects.get().confirmed_at is None  # a GET (a mail scanner) does nothing
    page = client.post(confirm).content.decode()
    assert "You are registered for" in page and "15 minutes before the talk starts" in page
    first = Registration.objects.get().confirmed_at
    assert first is not None

    again = client.post(confirm)  # confirming twice is harmless
    assert again.status_code == 200 and "You were registered already" in again.content.decode()
    assert list(Registration.objects.values_list("email", "confirmed_at")) == [
        ("ada@example.org", first)
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"email": "not an address", "name": "Ada"}, "Please give an email address"),
        ({"email": "ada@example.org", "name": "  "}, "Please give your name."),
        ({"email": "ada@example.org", "name": "A" * 201}, "at most 200 characters"),
    ],
)
def test_a_bad_form_says_what_is_wrong_and_registers_nothing(client, inbox, talk, data, problem):
    answer = client.post(f"/registration/talk/{talk.pk}/", data)
    assert answer.status_code == 400 and problem in answer.content.decode()
    run_queued_tasks()
    assert not Registration.objects.exists() and inbox.messages == []


def test_the_form_answers_the_same_for_a_registered_a_new_and_a_throttled_address(
    client, inbox, talk
):
    registered(client, inbox, talk, "known@example.org")
    Registration.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=11))

    def answer(email):
        return register(client, talk, email).content.decode().replace(email, "ADDRESS")

    known, new = answer("known@example.org"), answer("new@example.org")
    throttled = answer("new@example.org")  # again within ten minutes
    assert known == new == throttled
    assert [m["To"] for m in inbox.messages] == ["known@example.org", "new@example.org"]
    # The registered one is told so, with nothing to confirm, and keeps its name.
    assert "It is registered already" in text_of(inbox.messages[0])
    assert "/registration/confirm/" not in text_of(inbox.messages[0])
    assert Registration.objects.count() == 2


def test_an_address_gets_one_confirmation_per_talk_per_ten_minutes(client, inbox, talk):
    other = make_talk(series=talk.series, start=talk.start, join_url=LINK)
    for _ in range(3):
        register(client, talk, "ada@example.org")
    register(client, other, "ada@example.org")  # another talk: its own
    assert len(inbox.messages) == 2
    Registration.objects.update(confirmation_sent_at=timezone.now() - dt.timedelta(minutes=11))
    register(client, talk, "ada@example.org")
    assert len(inbox.messages) == 3
    assert Registration.objects.count() == 2  # one row per talk and address


def test_a_client_may_ask_five_times_an_hour(client, inbox, talk):
    for n in range(7):
        register(client, talk, f"person{n}@example.org")
    assert [m["To"] for m in inbox.messages] == [f"person{n}@example.org" for n in range(5)]
    assert Registration.objects.count() == 5


def test_a_confirmation_the_smtp_server_could_not_take_is_sent_by_the_next_run(
    client, inbox, talk, settings
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens
    register(client, talk, "ada@example.org")
    assert inbox.messages == [] and Registration.objects.get().confirmation_waiting
    settings.EMAIL_PORT = port
    assert sending.send_due().confirmations == 1
    assert sending.send_due().confirmations == 0
    assert [m["To"] for m in inbox.messages] == ["ada@example.org"]


def test_a_tampered_link_changes_nothing_and_says_so(client, inbox, talk):
    register(client, talk, "ada@example.org")
    confirm = link_in(inbox.messages[0], "confirm")
    for bad in (confirm[:-5] + "XXXX/", "/registration/confirm/nonsense/"):
        answer = client.post(bad)
        assert answer.status_code == 400 and "not valid" in answer.content.decode()
    # A cancel key is no confirm key.
    cancel = link_in(inbox.messages[0], "cancel").replace("/cancel/", "/confirm/")
    assert client.post(cancel).status_code == 400
    assert Registration.objects.get().confirmed_at is None


def test_an_unconfirmed_registration_is_forgotten_after_a_week(client, inbox, talk):
    register(client, talk, "ada@example.org")
    Registration.objects.update(created=timezone.now() - dt.timedelta(days=8))
    sending.send_due()
    assert not Registration.objects.exists()


# Capacity


def test_a_full_talk_says_so_instead_of_the_form_and_refuses_a_late_confirmation(
    client, inbox, talk
):
    RegistrationLimit.objects.create(talk=talk, capacity=1)
    register(client, talk, "late@example.org", ip="192.0.2.9")
    late = link_in(inbox.to("late@example.org")[0], "confirm")
    page = client.get(talk.get_absolute_url()).content.decode()  # cached now
    assert "/registration/talk/" in page and "Registration is full" not in page

    registered(client, inbox, talk, "ada@example.org")
    page = client.get(talk.get_absolute_url()).content.decode()
    assert "Registration is full." in page and "/registration/talk/" not in page

    answer = client.post(late)
    assert answer.status_code == 409 and "Registration is full" in answer.content.decode()
    assert Registration.objects.get(email="late@example.org").confirmed_at is None
    answer = register(client, talk, "more@example.org", ip="192.0.2.10")
    assert answer.status_code == 409 and "Registration is full" in answer.content.decode()
    assert inbox.messages == [] and not Registration.objects.filter(email="more@example.org")
    assert Registration.objects.confirmed().count() == 1

    # A place freed: the form is back, and the late one may confirm.
    client.post(link_in_cancel(client, talk, "ada@example.org"))
    assert "/registration/talk/" in client.get(talk.get_absolute_url()).content.decode()
    assert "You are registered" in client.post(late).content.decode()


def link_in_cancel(client, talk, email) -> str:
    from seminars.registration import links

    registration = Registration.objects.get(talk=talk, email=email)
    return urlsplit(links.cancel_url(registration)).path


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_confirming_the_last_place_at_once_get_it_once(inbox):
    series = make_series("Logic", join_access=joining.REGISTRATION)
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), join_url=LINK)
    RegistrationLimit.objects.create(talk=talk, capacity=1)
    rows = [
        Registration.objects.create(talk=talk, email=f"p{n}@example.org", name="P", token=f"t{n}")
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(row):
        try:
            barrier.wait()
            outcomes.append(registering.confirm(row))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=[row]) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [registering.CONFIRMED, registering.FULL]
    assert Registration.objects.confirmed().count() == 1


def test_a_capacity_is_a_positive_number_or_empty(talk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        RegistrationLimit(talk=talk, capacity=0).full_clean()
    RegistrationLimit(talk=talk, capacity=None).full_clean()


# The link's email


def test_the_link_goes_once_at_its_time_with_the_talks_ics_holding_it(client, inbox, talk):
    registration = registered(client, inbox, talk, "ada@example.org")
    before = link_time(talk) - dt.timedelta(minutes=1)
    assert sending.send_due(now=before).links == 0 and inbox.messages == []

    at = link_time(talk) + dt.timedelta(seconds=30)
    summary = sending.send_due(now=at)
    assert summary.links == 1 and "Sent 1 join link to registrants." in str(summary)
    assert sending.send_due(now=at + dt.timedelta(minutes=1)).links == 0  # once
    (message,) = inbox.messages
    assert message["To"] == "ada@example.org"
    assert subject(message).startswith("Your link to join: Rings – ")
    assert subject(message).endswith("(Europe/Berlin)")
    assert f"Join online: {LINK}" in text_of(message)
    assert "Emmy Noether (Göttingen)" in text_of(message)
    assert f"{SITE}/registration/cancel/" in text_of(message)
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_content().replace("\r\n ", "")
    assert f"CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL=Join online:{LINK}" in ics
    assert f"UID:{talk.uid}" in ics
    registration.refresh_from_db()
    assert registration.link_sent_at == at and registration.link_url == LINK
    # The public .ics still has no link.
    assert LINK not in client.get(f"/talks/{talk.pk}.ics").content.decode().replace("\r\n ", "")


def test_only_confirmed_registrations_get_the_link_and_each_their_own(client, inbox, talk):
    registered(client, inbox, talk, "ada@example.org")
    registered(client, inbox, talk, "bob@example.org", name="Bob", ip="192.0.2.2")
    register(client, talk, "unconfirmed@example.org", ip="192.0.2.3")
    inbox.messages.clear()
    sending.send_due(now=link_time(talk))
    assert sorted(m["To"] for m in inbox.messages) == ["ada@example.org", "bob@example.org"]
    cancels = {link_in(m, "cancel") for m in inbox.messages}
    assert len(cancels) == 2


def test_confirming_after_the_links_time_gets_it_at_the_next_run(client, inbox, talk):
    Talk.objects.filter(pk=talk.pk).update(start=timezone.now() + dt.timedelta(minutes=5))
    talk.refresh_from_db()
    page = client.get(talk.get_absolute_url()).content.decode()
    assert "The link to join is sent by email to those registered, at once." in page
    register(client, talk, "ada@example.org")
    (message,) = inbox.messages
    assert "the link to join comes by email within a minute or so" in text_of(message)
    client.post(link_in(message, "confirm"))
    assert sending.send_due().links == 1
    assert [m["To"] for m in inbox.messages] == ["ada@example.org"] * 2


@pytest.mark.parametrize("case", ["cancelled", "over", "no link", "another mode"])
def test_no_link_goes_for_a_talk_that_is_not_due(client, inbox, talk, case):
    registered(client, inbox, talk, "ada@example.org")
    talks = Talk.objects.filter(pk=talk.pk)
    if case == "cancelled":
        talks.cancel()
    elif case == "over":
        talks.update(start=timezone.now() - dt.timedelta(hours=2))
        talks.update(end=timezone.now() - dt.timedelta(hours=1))
    elif case == "no link":
        talks.update(join_url="")
    else:
        talks.update(join_access=joining.OPEN)  # the link is on the page for everyone then
    talk.refresh_from_db()
    assert sending.send_due(now=max(link_time(talk), timezone.now())).links == 0
    assert inbox.messages == []


def test_a_link_changed_after_its_email_went_is_not_sent_again(client, inbox, talk):
    registered(client, inbox, talk, "ada@example.org")
    sending.send_due(now=link_time(talk))
    Talk.objects.filter(pk=talk.pk).update(join_url="https://zoom.us/j/999")
    assert sending.send_due(now=link_time(talk) + dt.timedelta(minutes=2)).links == 0
    assert len(inbox.messages) == 1
    assert Registration.objects.get().link_url == LINK


def test_a_fresh_claim_of_another_run_is_left_to_it_and_a_stale_one_is_taken_over(
    client, inbox, talk
):
    registered(client, inbox, talk, "ada@example.org")
    at = link_time(talk)
    Registration.objects.update(link_run="other", link_claimed_at=at - dt.timedelta(minutes=5))
    assert sending.send_due(now=at).links == 0 and inbox.messages == []
    Registration.objects.update(link_claimed_at=at - dt.timedelta(minutes=31))  # crashed
    assert sending.send_due(now=at).links == 1
    assert sending.send_due(now=at).links == 0
    assert len(inbox.messages) == 1


def test_a_permanent_refusal_is_recorded_and_not_retried(client, inbox, talk):
    registered(client, inbox, talk, "ada@example.org")
    inbox.refuse.add("ada@example.org")
    summary = sending.send_due(now=link_time(talk))
    assert (summary.links, summary.failed) == (0, 1)
    assert Registration.objects.get().link_failure == "Refused permanently by the mail server."
    inbox.refuse.clear()
    assert sending.send_due(now=link_time(talk)).links == 0 and inbox.messages == []


def test_a_link_the_smtp_server_could_not_take_is_sent_by_the_next_run(
    client, inbox, talk, settings
):
    registered(client, inbox, talk, "ada@example.org")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()
    assert sending.send_due(now=link_time(talk)).links == 0
    settings.EMAIL_PORT = port
    assert sending.send_due(now=link_time(talk)).links == 1
    assert len(inbox.messages) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_link_once(inbox):
    series = make_series("Logic", join_access=joining.REGISTRATION)
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(minutes=5), join_url=LINK)
    now = timezone.now()
    for n in range(6):
        Registration.objects.create(
            talk=talk, email=f"p{n}@example.org", name="P", token=f"t{n}", confirmed_at=now
        )
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
    assert sum(s.links for s in summaries) == 6
    assert sorted(m["To"] for m in inbox.messages) == [f"p{n}@example.org" for n in range(6)]


def test_sending_links_takes_as_many_queries_for_two_registrants_as_for_six(db, inbox):
    def queries(count):
        series = make_series(join_access=joining.REGISTRATION)
        talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), join_url=LINK)
        for n in range(count):
            Registration.objects.create(
                talk=talk,
                email=f"{talk.pk}.{n}@x.org",
                name="P",
                token=f"{talk.pk}.{n}",
                confirmed_at=timezone.now(),
            )
        with CaptureQueriesContext(connection) as captured:
            assert sending.send_due(now=link_time(talk)).links == count
        return len(captured.captured_queries) - count  # one recording per message sent

    assert queries(2) == queries(6)


# Cancelling, and the talk's deletion


def test_the_cancel_link_of_either_email_forgets_the_registration(client, inbox, talk):
    register(client, talk, "ada@example.org")
    cancel = link_in(inbox.messages[0], "cancel")
    page = client.get(cancel).content.decode()
    assert '<button type="submit">Cancel the registration</button>' in page
    assert Registration.objects.exists()  # a GET changes nothing
    assert "Registration cancelled" in client.post(cancel).content.decode()
    assert not Registration.objects.exists()
    answer = client.post(cancel)
    assert answer.status_code == 400 and "was cancelled" in answer.content.decode()
    sending.send_due(now=link_time(talk))
    assert len(inbox.messages) == 1  # only the confirmation


def test_registrations_go_with_their_talk(client, inbox, talk):
    registered(client, inbox, talk, "ada@example.org")
    RegistrationLimit.objects.create(talk=talk, capacity=3)
    talk.delete()
    assert not Registration.objects.exists() and not RegistrationLimit.objects.exists()


# The admin: counts and the CSV, by who asks

WHO = ["anonymous", "organiser_a", "organiser_b", "staff", "superuser"]


@pytest.fixture
def world(db, django_user_model, inbox):
    series = {
        key: make_series(f"Series {key.upper()}", join_access=joining.REGISTRATION)
        for key in ("a", "b")
    }
    start = timezone.now() + dt.timedelta(days=2)
    talks = {
        key: make_talk(series=s, title=f"Talk in {key.upper()}", start=start, join_url=LINK)
        for key, s in series.items()
    }
    now = timezone.now()
    people = [("a", "Ada", "ada@example.org"), ("a", '=HYPERLINK("x")', "eve@example.org")]
    people += [("b", "Bob", "bob@example.org")]
    for key, name, email in people:
        Registration.objects.create(
            talk=talks[key], name=name, email=email, token=email, confirmed_at=now
        )
    Registration.objects.create(talk=talks["a"], name="Un", email="un@example.org", token="u")
    staff = {"is_staff": True}
    users = {
        "organiser_a": django_user_model.objects.create_user("organiser_a", **staff),
        "organiser_b": django_user_model.objects.create_user("organiser_b", **staff),
        "staff": django_user_model.objects.create_user("staff", **staff),
        "superuser": django_user_model.objects.create_superuser("superuser"),
    }
    series["a"].organisers.add(users["organiser_a"])
    series["b"].organisers.add(users["organiser_b"])
    return SimpleNamespace(series=series, talks=talks, users=users, now=now)


@pytest.fixture
def as_user(client, world):
    def log_in(who):
        if who != "anonymous":
            client.force_login(world.users[who])
        return client

    return log_in


COUNTS = {
    "anonymous": None,
    "organiser_a": {"Talk in A": 2},
    "organiser_b": {"Talk in B": 1},
    "staff": None,
    "superuser": {"Talk in A": 2, "Talk in B": 1},
}


@pytest.mark.parametrize("who", WHO)
def test_the_talk_list_counts_confirmed_registrations_of_ones_own_talks(as_user, world, who):
    response = as_user(who).get(reverse("admin:seminars_talk_changelist"))
    if COUNTS[who] is None:
        assert response.status_code in (302, 403)
        if who == "anonymous":
            assert response["Location"].startswith(reverse("admin:login"))
        return
    rows = response.context["cl"].result_list
    assert {t.title: t.registration_count for t in rows} == COUNTS[who]
    assert "column-registrations" in response.content.decode()


def export(client, talks):
    data = {"action": "export_registrations", ACTION_CHECKBOX_NAME: [t.pk for t in talks]}
    return client.post(reverse("admin:seminars_talk_changelist"), data)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="registrations.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("key", ["a", "b"])
def test_the_csv_is_exported_only_by_organisers_of_the_talks_series(as_user, world, who, key):
    talk = world.talks[key]
    response = export(as_user(who), [talk])
    allowed = who == "superuser" or who == f"organiser_{key}"
    if not allowed:
        assert response.get("Content-Type") != "text/csv; charset=utf-8"
        if who == "anonymous":
            assert response["Location"].startswith(reverse("admin:login"))
        elif who == "staff":
            assert response.status_code == 403
        else:  # another series' organiser: none of the talks selected is theirs
            assert response.status_code == 302
            page = as_user(who).get(response["Location"]).content.decode()
            assert "None of the selected talks is yours." in page
        return
    rows = csv_rows(response)
    confirmed = timezone.localtime(world.now).strftime("%Y-%m-%d %H:%M:%S")
    start = timezone.localtime(talk.start).strftime("%Y-%m-%d %H:%M")
    expected = {
        "a": [
            ["Talk in A", start, "Ada", "ada@example.org", confirmed],
            ["Talk in A", start, '\'=HYPERLINK("x")', "eve@example.org", confirmed],
        ],
        "b": [["Talk in B", start, "Bob", "bob@example.org", confirmed]],
    }[key]
    assert rows[0] == ["talk", "talk start", "name", "email", "confirmed"]
    assert sorted(rows[1:]) == sorted(expected)  # never the unconfirmed one


def test_an_export_of_both_series_talks_holds_only_ones_own(as_user, world):
    rows = csv_rows(export(as_user("organiser_a"), world.talks.values()))
    assert {row[3] for row in rows[1:]} == {"ada@example.org", "eve@example.org"}


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Ada") == "Ada" and safe_cell("a=b") == "a=b"


def test_the_talk_list_asks_the_same_queries_for_more_talks_with_registrations(as_user, world):
    client = as_user("superuser")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("admin:seminars_talk_changelist"))
        return len(captured.captured_queries)

    few = queries()
    for n in range(3):
        extra = make_talk(series=world.series["a"], join_url=LINK)
        Registration.objects.create(
            talk=extra, name="P", email=f"p{n}@x.org", token=f"p{n}", confirmed_at=world.now
        )
    assert queries() == few


def test_an_organiser_sets_the_capacity_on_the_talks_page(as_user, world):
    from tests.test_admin_permissions import talk_data

    client = as_user("organiser_a")
    talk = world.talks["a"]
    assert "/registration/talk/" in client.get(talk.get_absolute_url()).content.decode()
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    assert 'name="registration_limit-0-capacity"' in client.get(url).content.decode()
    prefix = "registration_limit"
    data = talk_data(
        talk,
        **{
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-capacity": "0",
        },
    )
    answer = client.post(url, data)
    assert answer.status_code == 200 and not RegistrationLimit.objects.exists()
    data[f"{prefix}-0-capacity"] = "2"
    assert client.post(url, data).status_code == 302
    assert RegistrationLimit.objects.get().capacity == 2
    # Two confirmed already: the talk's page, cached before, says it is full.
    assert "Registration is full." in client.get(talk.get_absolute_url()).content.decode()


def test_a_reminder_of_a_registration_talk_sends_subscribers_to_its_page_to_register(talk):
    from seminars.mail import messages
    from seminars.mail.models import Address

    talk = Talk.objects.with_speakers().get(pk=talk.pk)
    email = messages.reminder(Address(pk=1, email="a@example.org", token="t", zone="UTC"), talk)
    assert LINK not in email.body and LINK not in email.alternatives[0][0]
    assert f"Register to get the link: {SITE}{talk.get_absolute_url()}" in email.body
