"""Invitations to organise a series: who may invite whom (the admin, as a matrix of accounts),
the email as the real SMTP server receives it, sent once by the real worker, and the link's
page: an account made or joined once, for that series only; a used, expired, changed or
withdrawn link says so and makes nothing."""

import datetime as dt
import re
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from seminars.invitations import accepting, links
from seminars.invitations.models import Invitation
from seminars.invitations.tasks import send_invitation_task
from seminars.models import Series
from tests.factories import make_series
from tests.test_mail import SITE, header, html_of, inbox, subject, text_of  # noqa: F401
from tests.worker import run_queued_tasks

User = get_user_model()
WHO = ["anonymous", "organiser_a", "organiser_b", "staff", "superuser"]
RUNS = {
    "anonymous": set(),
    "organiser_a": {"a"},
    "organiser_b": {"b"},
    "staff": set(),
    "superuser": {"a", "b"},
}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(db, inbox):  # noqa: F811  (the fixture imported above)
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
    return SimpleNamespace(series={"a": a, "b": b}, users=users, inbox=inbox)


@pytest.fixture
def as_user(client, world):
    def log_in(who):
        if who != "anonymous":
            client.force_login(world.users[who])
        return client

    return log_in


def outcome(response) -> str:
    if response.status_code in (200, 403):
        return {200: "ok", 403: "forbidden"}[response.status_code]
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return "login"
    return "missing" if location == reverse("admin:index") else "done"


def refused(who) -> str:
    """How the admin refuses another series' invitation to `who`."""
    if who == "anonymous":
        return "login"
    return "missing" if RUNS[who] else "forbidden"


def invited(world, key, email="new@example.org", *, by="superuser", sent=True) -> Invitation:
    """An invitation to series `key`, its email sent (at `sent`, or now) or not."""
    when = sent if isinstance(sent, dt.datetime) else (timezone.now() if sent else None)
    return Invitation.objects.create(
        email=email, series=world.series[key], invited_by=world.users[by], sent_at=when
    )


def accept_path(invitation) -> str:
    return reverse("seminars:invitation", args=[links.key(invitation)])


def link_in(message) -> str:
    url = re.search(rf"{re.escape(SITE)}/invitations/\S+/", text_of(message)).group(0)
    return urlsplit(url).path


def new_account(username="newbie", password=PASSWORD, again=None) -> dict:
    return {"username": username, "password1": password, "password2": again or password}


def organises(user) -> set[str]:
    return set(Series.objects.filter(organisers=user).values_list("name", flat=True))


def queued_sendings() -> list[dict]:
    rows = DBTaskResult.objects.filter(task_path=send_invitation_task.module_path)
    return [row.args_kwargs["kwargs"] for row in rows.order_by("enqueued_at")]


# The admin: who may list, invite, see and send again


@pytest.mark.parametrize("who", WHO)
def test_the_invitation_list_shows_only_those_of_the_series_one_runs(as_user, world, who):
    invited(world, "a", "for-a@example.org")
    invited(world, "b", "for-b@example.org")
    response = as_user(who).get(reverse("admin:seminars_invitation_changelist"))
    if not RUNS[who]:
        assert outcome(response) == ("login" if who == "anonymous" else "forbidden")
        return
    listed = {row.email for row in response.context["cl"].result_list}
    assert listed == {f"for-{key}@example.org" for key in RUNS[who]}
    assert "sent" in response.text


def test_the_list_says_where_each_invitation_is(as_user, world):
    now = timezone.now()
    invited(world, "a", "waiting@example.org", sent=False)
    invited(world, "a", "sent@example.org", sent=now)
    invited(world, "a", "old@example.org", sent=now - dt.timedelta(days=8))
    Invitation.objects.filter(pk=invited(world, "a", "yes@example.org").pk).update(accepted_at=now)
    Invitation.objects.filter(pk=invited(world, "a", "no@example.org", sent=False).pk).update(
        failure="The mail server refused the address."
    )
    response = as_user("organiser_a").get(reverse("admin:seminars_invitation_changelist"))
    statuses = {row.email: row.status() for row in response.context["cl"].result_list}
    assert statuses == {
        "waiting@example.org": "waiting",
        "sent@example.org": "sent",
        "old@example.org": "expired",
        "yes@example.org": "accepted",
        "no@example.org": "failed",
    }
    for label in ("waiting to be sent", "expired", "accepted", "not sent: The mail server"):
        assert label in response.text


@pytest.mark.parametrize("count", [1, 3])
def test_the_invitation_list_asks_the_same_queries_for_one_or_three(
    as_user, world, count, django_assert_num_queries
):
    for n in range(count):
        invited(world, "a", f"n{n}@example.org", by="organiser_a")
    client = as_user("organiser_a")
    with django_assert_num_queries(9):
        response = client.get(reverse("admin:seminars_invitation_changelist"))
    assert len(response.context["cl"].result_list) == count


def test_the_admin_index_offers_invitations_to_an_organiser(as_user, world):
    response = as_user("organiser_a").get("/admin/")
    names = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert "Invitation" in names


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("who", WHO)
def test_an_invitation_is_made_only_to_a_series_one_runs(as_user, world, who, key):
    data = {"email": "new@example.org", "series": world.series[key].pk}
    response = as_user(who).post(reverse("admin:seminars_invitation_add"), data)
    runs = key in RUNS[who]
    if runs:
        assert outcome(response) == "done"
    elif RUNS[who]:  # the form offers only the organiser's series
        assert outcome(response) == "ok"
        assert "series" in response.context["adminform"].form.errors
    else:
        assert outcome(response) == ("login" if who == "anonymous" else "forbidden")
    made = list(Invitation.objects.values_list("email", "series__name", "invited_by__username"))
    assert made == ([("new@example.org", f"Series {key.upper()}", who)] if runs else [])
    run_queued_tasks()
    assert [m["To"] for m in world.inbox.messages] == (["new@example.org"] if runs else [])


@pytest.mark.parametrize("who", ["organiser_a", "superuser"])
def test_the_invitation_form_offers_the_series_one_runs(as_user, world, who):
    response = as_user(who).get(reverse("admin:seminars_invitation_add"))
    choices = response.context["adminform"].form.fields["series"].queryset
    assert {s.name for s in choices} == {world.series[k].name for k in RUNS[who]}


@pytest.mark.parametrize("who", WHO)
def test_an_invitation_is_shown_only_to_organisers_of_its_series_and_never_changed(
    as_user, world, who
):
    invitation = invited(world, "a", "for-a@example.org")
    url = reverse("admin:seminars_invitation_change", args=[invitation.pk])
    client = as_user(who)
    runs = "a" in RUNS[who]
    page = client.get(url)
    assert outcome(page) == ("ok" if runs else refused(who))
    if runs:
        assert "for-a@example.org" in page.text
        assert 'name="email"' not in page.text  # shown, not a form to change
    response = client.post(url, {"email": "changed@example.org", "series": invitation.series_id})
    # The admin refuses a change before it looks for the row.
    assert outcome(response) == ("login" if who == "anonymous" else "forbidden")
    invitation.refresh_from_db()
    assert invitation.email == "for-a@example.org"


@pytest.mark.parametrize("who", WHO)
def test_an_invitation_is_withdrawn_only_by_organisers_of_its_series(as_user, world, who):
    invitation = invited(world, "a", "for-a@example.org")
    url = reverse("admin:seminars_invitation_delete", args=[invitation.pk])
    response = as_user(who).post(url, {"post": "yes"})
    runs = "a" in RUNS[who]
    assert outcome(response) == ("done" if runs else refused(who))
    assert Invitation.objects.filter(pk=invitation.pk).exists() is not runs


@pytest.mark.parametrize("who", WHO)
def test_send_again_reaches_only_the_invitations_of_the_series_one_runs(as_user, world, who):
    old = timezone.now() - dt.timedelta(days=9)
    rows = [invited(world, "a", "for-a@example.org", sent=old)]
    rows.append(invited(world, "b", "for-b@example.org", sent=old))
    data = {"action": "send_again", ACTION_CHECKBOX_NAME: [r.pk for r in rows]}
    response = as_user(who).post(reverse("admin:seminars_invitation_changelist"), data)
    if not RUNS[who]:
        assert outcome(response) == ("login" if who == "anonymous" else "forbidden")
    run_queued_tasks()
    assert {m["To"] for m in world.inbox.messages} == {f"for-{k}@example.org" for k in RUNS[who]}
    for row in rows:
        row.refresh_from_db()
        assert (row.sent_at > old) is (row.series.name[-1].lower() in RUNS[who])


def test_send_again_leaves_an_accepted_invitation_alone(as_user, world):
    invitation = invited(world, "a")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    data = {"action": "send_again", ACTION_CHECKBOX_NAME: [invitation.pk]}
    response = as_user("organiser_a").post(
        reverse("admin:seminars_invitation_changelist"), data, follow=True
    )
    assert "1 accepted already, left alone" in response.text
    run_queued_tasks()
    assert world.inbox.messages == []


def test_someone_who_organises_the_series_already_is_not_invited_to_it(as_user, world):
    data = {"email": "ANN@example.org", "series": world.series["a"].pk}
    response = as_user("superuser").post(reverse("admin:seminars_invitation_add"), data)
    assert "ANN@example.org organises Series A already." in response.text
    assert not Invitation.objects.exists()


def test_an_address_is_not_invited_twice_to_a_series_while_its_invitation_is_open(as_user, world):
    invited(world, "a", "new@example.org")
    invited(world, "b", "other@example.org", sent=timezone.now() - dt.timedelta(days=8))
    client = as_user("superuser")
    again = {"email": "new@example.org", "series": world.series["a"].pk}
    response = client.post(reverse("admin:seminars_invitation_add"), again)
    assert "is already on its way or waiting to be accepted" in response.text
    # Another series, or after the first one expired, a new invitation is made.
    for data in (
        {**again, "series": world.series["b"].pk},
        {**again, "email": "other@example.org"},
    ):
        assert outcome(client.post(reverse("admin:seminars_invitation_add"), data)) == "done"
    assert Invitation.objects.count() == 4


# The email


def test_the_invitation_email_names_the_series_who_invited_and_the_link(as_user, world):
    data = {"email": "new@example.org", "series": world.series["a"].pk}
    as_user("organiser_a").post(reverse("admin:seminars_invitation_add"), data)
    assert world.inbox.messages == []  # the worker sends it
    run_queued_tasks()
    (message,) = world.inbox.messages
    assert subject(message) == "You're invited to organise Series A at Seminars"
    assert message["To"] == "new@example.org"
    assert message["Reply-To"] == "ann@example.org"
    assert header(message, "Auto-Submitted") == "auto-generated"
    assert message["Message-ID"].endswith("@talks.example.org>")
    assert message["List-Unsubscribe"] is None
    text = text_of(message)
    assert "Ann Org invites you to organise Series A at Seminars" in text
    assert "The link works once, for 7 days: until " in text
    html = html_of(message)
    assert "<style" not in html and 'style="' in html  # inlined
    assert f'href="{SITE}{link_in(message)}"' in html
    invitation = Invitation.objects.get()
    assert invitation.sent_at is not None and invitation.status() == "sent"


def test_an_invitation_is_sent_once_however_often_its_task_runs(world):
    invitation = invited(world, "a", sent=False)
    send_invitation_task.enqueue(invitation_pk=invitation.pk)
    send_invitation_task.enqueue(invitation_pk=invitation.pk)
    run_queued_tasks()
    run_queued_tasks()
    assert len(world.inbox.messages) == 1
    results = DBTaskResult.objects.order_by("enqueued_at").values_list("return_value", flat=True)
    assert sorted(results) == ["nothing to send", "sent"]


def test_a_series_name_is_escaped_in_the_html_email(world):
    series = make_series("<b>Bold</b> & co")
    invitation = Invitation.objects.create(email="new@example.org", series=series)
    send_invitation_task.enqueue(invitation_pk=invitation.pk)
    run_queued_tasks()
    (message,) = world.inbox.messages
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html_of(message)
    assert "<b>Bold" not in html_of(message)
    assert "A site administrator invites you to organise <b>Bold</b> & co" in text_of(message)


def test_an_address_the_server_refuses_is_recorded_and_not_retried(world):
    world.inbox.refuse.add("gone@example.org")
    invitation = invited(world, "a", "gone@example.org", sent=False)
    send_invitation_task.enqueue(invitation_pk=invitation.pk)
    run_queued_tasks()
    invitation.refresh_from_db()
    assert (invitation.status(), invitation.failure) == (
        "failed",
        "The mail server refused the address.",
    )
    assert queued_sendings() == [{"invitation_pk": invitation.pk}]


def test_an_unreachable_mail_server_is_tried_again_later(world, settings):
    with socket_closed() as port:
        settings.EMAIL_PORT = port
        invitation = invited(world, "a", sent=False)
        send_invitation_task.enqueue(invitation_pk=invitation.pk)
        run_queued_tasks()
    invitation.refresh_from_db()
    assert (invitation.sent_at, invitation.failure, invitation.status()) == (None, "", "waiting")
    assert queued_sendings() == [
        {"invitation_pk": invitation.pk},
        {"invitation_pk": invitation.pk, "attempt": 2},
    ]
    # The last attempt gives up, and says so in the list.
    send_invitation_task.enqueue(invitation_pk=invitation.pk, attempt=3)
    settings.EMAIL_PORT = port
    run_queued_tasks()
    invitation.refresh_from_db()
    assert invitation.failure == "The mail server could not take it, 3 times."


class socket_closed:
    """A loopback port nothing listens on."""

    def __enter__(self):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc):
        return False


# Accepting


def test_accepting_makes_a_staff_account_that_organises_exactly_that_series(client, world):
    data = {"email": "new.person@example.org", "series": world.series["a"].pk}
    admin = Client()
    admin.force_login(world.users["organiser_a"])
    admin.post(reverse("admin:seminars_invitation_add"), data)
    run_queued_tasks()
    (message,) = world.inbox.messages
    page = client.get(link_in(message))
    assert page.status_code == 200
    assert "You're invited to organise Series A at Seminars" in page.text
    assert 'value="new.person"' in page.text  # the username, from the address
    assert "no-cache" in page["Cache-Control"]
    response = client.post(link_in(message), new_account("new.person"))
    series_page = reverse("admin:seminars_series_change", args=[world.series["a"].pk])
    assert response["Location"] == series_page
    user = User.objects.get(username="new.person")
    assert (user.email, user.is_staff, user.is_superuser) == ("new.person@example.org", True, False)
    assert user.check_password(PASSWORD)
    assert organises(user) == {"Series A"}
    assert organises(world.users["organiser_b"]) == {"Series B"}  # the other series untouched
    assert set(world.series["b"].organisers.all()) == {world.users["organiser_b"]}
    invitation = Invitation.objects.get()
    assert (invitation.accepted_by, invitation.status()) == (user, "accepted")
    landing = client.get(series_page)
    assert landing.status_code == 200
    assert "Welcome: you now organise Series A." in landing.text
    assert client.get(reverse("admin:seminars_series_change", args=[world.series["b"].pk]))[
        "Location"
    ] == reverse("admin:index")


def test_a_used_link_says_so_and_makes_nothing(client, world):
    invitation = invited(world, "a")
    client.post(accept_path(invitation), new_account("first"))
    other = Client()
    page = other.get(accept_path(invitation))
    assert page.status_code == 410
    assert "This invitation has been used already, on " in page.text
    response = other.post(accept_path(invitation), new_account("second"))
    assert response.status_code == 410
    assert not User.objects.filter(username="second").exists()
    assert set(world.series["a"].organisers.values_list("username", flat=True)) == {
        "organiser_a",
        "first",
    }


def test_an_expired_link_says_so_and_makes_nothing(client, world):
    invitation = invited(world, "a", sent=timezone.now() - dt.timedelta(days=7, minutes=1))
    page = client.get(accept_path(invitation))
    assert page.status_code == 410
    assert "This invitation has expired: its link works for 7 days after it is sent." in page.text
    response = client.post(accept_path(invitation), new_account())
    assert response.status_code == 410
    assert not User.objects.filter(username="newbie").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_link_sent_six_days_ago_still_works(client, world):
    invitation = invited(world, "a", sent=timezone.now() - dt.timedelta(days=6))
    assert client.post(accept_path(invitation), new_account()).status_code == 302
    assert organises(User.objects.get(username="newbie")) == {"Series A"}


@pytest.mark.parametrize(
    "change",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # the signature
        lambda key: key[:10],  # cut short
        lambda key: signing.dumps(signing.loads(key, salt=links.SALT), salt="another.salt"),
    ],
    ids=["changed", "cut-short", "another-kind-of-link"],
)
def test_a_changed_link_says_so_and_makes_nothing(client, world, change):
    invitation = invited(world, "a")
    path = reverse("seminars:invitation", args=[change(links.key(invitation))])
    page = client.get(path)
    assert page.status_code == 400
    assert "This invitation link is not valid" in page.text
    assert client.post(path, new_account()).status_code == 400
    assert not User.objects.filter(username="newbie").exists()


def test_a_withdrawn_invitations_link_says_so(client, world):
    invitation = invited(world, "a")
    path = accept_path(invitation)
    invitation.delete()
    page = client.get(path)
    assert (page.status_code, "This invitation was withdrawn" in page.text) == (410, True)
    assert client.post(path, new_account()).status_code == 410
    assert not User.objects.filter(username="newbie").exists()


def test_a_link_sent_again_after_it_expired_works_again(client, world):
    invitation = invited(world, "a", sent=timezone.now() - dt.timedelta(days=8))
    admin = Client()
    admin.force_login(world.users["superuser"])
    data = {"action": "send_again", ACTION_CHECKBOX_NAME: [invitation.pk]}
    admin.post(reverse("admin:seminars_invitation_changelist"), data)
    run_queued_tasks()
    (message,) = world.inbox.messages
    old = client.get(accept_path(invitation))  # the link of the first email
    assert (old.status_code, "was sent again since" in old.text) == (410, True)
    assert client.post(link_in(message), new_account()).status_code == 302
    assert organises(User.objects.get(username="newbie")) == {"Series A"}


def test_the_link_holds_no_address(world):
    invitation = invited(world, "a", "private.person@example.org")
    payload = signing.loads(links.key(invitation), salt=links.SALT)
    assert set(payload) == {"i", "s"}
    assert "private" not in repr(payload)


def test_a_weak_or_mismatched_password_makes_nothing(client, world):
    invitation = invited(world, "a", "new@example.org")
    for data, error in [
        (new_account(password="short"), "This password is too short."),
        (new_account(again="something else entirely"), "The two password fields didn"),
        (new_account(username="organiser_b"), "A user with that username already exists."),
    ]:
        response = client.post(accept_path(invitation), data)
        assert response.status_code == 200
        assert error in response.text
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_username_taken_after_the_forms_check_leaves_the_invitation_open(world):
    invitation = invited(world, "a")
    with pytest.raises(accepting.UsernameTaken):
        accepting.accept(invitation, username="organiser_b", password=PASSWORD)
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)
    assert User.objects.filter(email="new@example.org").count() == 0
    assert organises(world.users["organiser_b"]) == {"Series B"}


def test_the_form_needs_its_csrf_token(world):
    invitation = invited(world, "a")
    client = Client(enforce_csrf_checks=True)
    assert client.post(accept_path(invitation), new_account()).status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_an_address_with_an_account_logs_in_to_it_to_accept(client, world):
    user = User.objects.create_user("old.hand", "Old@example.org", PASSWORD)  # not staff
    invitation = invited(world, "a", "old@example.org")
    page = client.get(accept_path(invitation))
    assert "has an account here already: log in to it to accept" in page.text
    assert 'value="old.hand"' in page.text
    wrong = client.post(accept_path(invitation), {"username": "old.hand", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.text
    assert Invitation.objects.get().accepted_at is None
    response = client.post(accept_path(invitation), {"username": "old.hand", "password": PASSWORD})
    assert response["Location"] == reverse(
        "admin:seminars_series_change", args=[world.series["a"].pk]
    )
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, organises(user)) == (True, False, {"Series A"})
    assert User.objects.filter(email__iexact="old@example.org").count() == 1
    assert client.get(response["Location"]).status_code == 200


def test_an_organiser_logged_in_accepts_with_one_press(client, world):
    invitation = invited(world, "a", "bob.at.work@example.org")
    client.force_login(world.users["organiser_b"])
    page = client.get(accept_path(invitation))
    assert "Accept as organiser_b" in page.text
    response = client.post(accept_path(invitation))
    assert response.status_code == 302
    assert organises(world.users["organiser_b"]) == {"Series A", "Series B"}
    assert Invitation.objects.get().accepted_by == world.users["organiser_b"]


# SQLite's in-memory test database shares one cache between connections, whose table locks
# fail at once instead of waiting: two writers at once are for PostgreSQL (as in production).
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_make_one_account(world):
    invitation = invited(world, "a")
    barrier = threading.Barrier(2)
    statuses = []

    def accept(username):
        try:
            barrier.wait()
            response = Client().post(accept_path(invitation), new_account(username))
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=[name]) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 410]
    made = User.objects.filter(username__in=["one", "two"])
    assert made.count() == 1
    assert set(world.series["a"].organisers.all()) == {world.users["organiser_a"], made.get()}
    assert Invitation.objects.get().accepted_by == made.get()


# The setting


def test_invitation_days_of_zero_stop_the_site_saying_so():
    from tests.test_settings import _load_settings

    result = _load_settings("settings.INVITATION_DAYS", DEBUG="1", INVITATION_DAYS="0")
    assert result.returncode != 0
    assert "INVITATION_DAYS is 0: give 1 day or more" in result.stderr
    assert _load_settings("settings.INVITATION_DAYS", DEBUG="1").stdout.strip() == "7"
