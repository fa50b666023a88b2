"""Registering for a talk's join link on a phone, in Chromium: the talk page's form, the
link of the real email (aiosmtpd), confirming and cancelling; every page of it accessible
(axe-core, no violation at all, light and dark), valid HTML (the Nu checker), fitting a
phone; and the page of a full talk."""

import re
from urllib.parse import urlsplit

from django.core.cache import cache
from django.utils.timezone import now

from seminars import joining
from seminars.models import Talk
from seminars.registration.models import Registration, RegistrationLimit
from tests import test_mail
from tests.browser.test_html_validity import nu_errors
from tests.browser.test_mail import PHONE_CONTEXT, Checked, submit
from tests.test_mail import text_of
from tests.worker import run_queued_tasks

inbox = test_mail.inbox  # the fixture: a real SMTP server on loopback, in this process
LINK = "https://zoom.us/j/8123456789?pwd=s3cret"


def link_in(message, name, live_server) -> str:
    found = re.search(rf"{re.escape(live_server.url)}/registration/{name}/\S+/", text_of(message))
    return urlsplit(found.group(0)).path


def test_register_on_a_phone_confirm_from_the_email_and_cancel(
    open_page, live_server, seminar, inbox, settings, axe_source, tmp_path
):
    settings.SITE_URL = live_server.url
    Talk.objects.filter(pk=seminar.talk.pk).update(join_access=joining.REGISTRATION, join_url=LINK)
    check = Checked(axe_source)
    page = open_page(seminar.talk.get_absolute_url(), **PHONE_CONTEXT)
    check("talk", page, page.request.get(page.url).body())
    form = page.get_by_role("region", name="Register to join online")
    form.get_by_label("Your name").fill("Ada Lovelace")
    form.get_by_label("Your email address").fill("ada@example.org")
    answer = submit(page, "Register")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    check("check inbox", page, answer.body())
    run_queued_tasks()
    (confirmation,) = inbox.to("ada@example.org")

    page.goto(link_in(confirmation, "confirm", live_server))
    check("confirm", page, page.request.get(page.url).body())
    answer = submit(page, "Confirm")
    assert page.get_by_role("heading", level=1).inner_text() == "Registered"
    check("confirmed", page, answer.body())
    assert Registration.objects.confirmed().count() == 1

    page.goto(link_in(confirmation, "cancel", live_server))
    check("cancel", page, page.request.get(page.url).body())
    answer = submit(page, "Cancel the registration")
    assert page.get_by_role("heading", level=1).inner_text() == "Registration cancelled"
    check("cancelled", page, answer.body())
    assert not Registration.objects.exists()

    # Full: a capacity of one, taken (made here, so the cache is emptied by hand; the
    # admin's save gives the content a new version).
    RegistrationLimit.objects.create(talk=seminar.talk, capacity=1)
    Registration.objects.create(
        talk=seminar.talk, email="bob@example.org", name="Bob", token="t", confirmed_at=now()
    )
    cache.clear()
    page.goto(seminar.talk.get_absolute_url())
    assert "Registration is full." in page.get_by_role("status").inner_text()
    check("full talk", page, page.request.get(page.url).body())

    assert check.violations == {name: [] for name in check.sources}
    assert check.widths == {name: [375, 375] for name in check.sources}
    for name, source in check.sources.items():
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(source)
    assert nu_errors(sorted(tmp_path.iterdir())) == {
        f"{name.replace(' ', '-')}.html": [] for name in check.sources
    }
