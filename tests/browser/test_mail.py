"""Subscribing by email on a phone, in Chromium: the series page's form (with and without
JavaScript), the link of the real email (aiosmtpd), confirming and managing; every page of
it accessible (axe-core, no violation at all), valid HTML (the Nu checker), fitting a phone."""

import re
from urllib.parse import urlsplit

import pytest

from seminars.mail.models import Address, Subscription
from tests import test_mail
from tests.browser.chromium import PHONE
from tests.browser.contrast import contrast_ratio, relative_luminance
from tests.browser.test_html_validity import nu_errors
from tests.browser.test_layout import WIDTHS
from tests.test_mail import send_email, subject, text_of
from tests.worker import run_queued_tasks

inbox = test_mail.inbox  # the fixture: a real SMTP server on loopback, in this process
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.fixture
def mail(inbox, live_server, settings):
    """The inbox, with the emails' links to the live server (it runs in this process, so
    it sends to the same SMTP server)."""
    settings.SITE_URL = live_server.url
    settings.REMINDER_HOURS = 48  # the seminar's next talk is tomorrow
    return inbox


def link_in(message, name, live_server) -> str:
    """The path of the first link to /mail/<name>/ in the message's text."""
    match = re.search(rf"{re.escape(live_server.url)}/mail/{name}/\S+/", text_of(message))
    return urlsplit(match.group(0)).path


def all_axe_violations(page, axe_source) -> list[dict]:
    """Every violation axe-core finds in the page, whatever its impact."""
    page.evaluate(axe_source)  # through DevTools: the site's CSP refuses inline scripts
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


class Checked:
    """The pages met on the way: each one's source for the Nu checker, its axe violations
    in light and dark mode, and its widths on the phone."""

    def __init__(self, axe_source):
        self.axe_source = axe_source
        self.sources, self.violations, self.widths = {}, {}, {}

    def __call__(self, name, page, source: bytes):
        self.sources[name] = source
        self.widths[name] = page.evaluate(WIDTHS)
        found = []
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found += all_axe_violations(page, self.axe_source)
        self.violations[name] = found


def submit(page, button_name):
    """Press the button; the response of the POST it makes (its source, as served)."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name=button_name, exact=True).click()
    page.wait_for_load_state()
    return answer.value


def test_subscribe_on_a_phone_confirm_from_the_email_and_manage(
    open_page, live_server, seminar, mail, axe_source, tmp_path
):
    check = Checked(axe_source)
    page = open_page(seminar.series.get_absolute_url(), **PHONE_CONTEXT)
    check("series", page, page.request.get(page.url).body())
    form = page.get_by_role("region", name="By email")
    assert form.get_by_label("a reminder before each talk").is_checked()
    form.get_by_label("Your email address").fill("ada@example.org")

    answer = submit(page, "Subscribe")
    assert answer.url == live_server.url + "/mail/subscribe/"
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    assert "If ada@example.org can get email from us" in page.get_by_role("status").inner_text()
    check("check inbox", page, answer.body())
    run_queued_tasks()  # the worker sends the confirmation
    (confirmation,) = mail.to("ada@example.org")
    assert not Subscription.objects.exists()

    page.goto(link_in(confirmation, "confirm", live_server))
    assert page.get_by_role("listitem").filter(has_text="Logic Seminar").count() == 1
    check("confirm", page, page.request.get(page.url).body())
    assert Address.objects.get().confirmed_at is None  # opening the link confirms nothing
    answer = submit(page, "Confirm")
    assert page.get_by_role("heading", level=1).inner_text() == "Subscribed"
    assert "Logic Seminar" in page.get_by_role("status").inner_text()
    check("confirmed", page, answer.body())
    assert list(Subscription.objects.values_list("series__slug", "reminders")) == [("logic", True)]

    confirmed_manage_link = page.get_by_role("link", name="Manage your subscriptions")

    # The talk of tomorrow is reminded; the manage link of that email.
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    (reminder,) = mail.messages[1:]
    assert subject(reminder).startswith("Proofs as programs – ")
    manage = link_in(reminder, "manage", live_server)
    # The confirmed page links the same page (signed anew, so its link differs in the time).
    href = urlsplit(confirmed_manage_link.get_attribute("href")).path
    assert href.split(":")[0] == manage.split(":")[0]
    page.goto(manage)
    reminders = page.get_by_label("Reminders of Logic Seminar")
    assert reminders.is_checked()
    check("manage", page, page.request.get(page.url).body())
    reminders.uncheck()
    answer = submit(page, "Save")
    assert page.get_by_role("status").inner_text() == "Saved."
    assert page.get_by_text("No subscriptions.").is_visible()
    check("manage saved", page, answer.body())
    assert not Subscription.objects.exists()

    page.goto(link_in(confirmation, "unsubscribe", live_server))
    assert "Stop all emails to ada@example.org" in page.get_by_role("main").inner_text()
    check("unsubscribe", page, page.request.get(page.url).body())
    answer = submit(page, "Unsubscribe")
    assert "the address is forgotten" in page.get_by_role("status").inner_text()
    check("unsubscribed", page, answer.body())
    assert not Address.objects.exists()
    assert len(mail.messages) == 2  # the confirmation and the reminder, nothing else

    assert check.violations == {name: [] for name in check.sources}
    assert check.widths == {name: [375, 375] for name in check.sources}
    for name, source in check.sources.items():
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(source)
    assert nu_errors(sorted(tmp_path.iterdir())) == {
        f"{name.replace(' ', '-')}.html": [] for name in check.sources
    }


def test_the_form_posts_without_javascript(open_page, live_server, seminar, mail):
    page = open_page(seminar.series.get_absolute_url(), java_script_enabled=False, **PHONE_CONTEXT)
    page.get_by_label("Your email address").fill("bob@example.org")
    submit(page, "Subscribe")
    assert page.url == live_server.url + "/mail/subscribe/"
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    run_queued_tasks()
    (confirmation,) = mail.to("bob@example.org")
    assert "Logic Seminar" in text_of(confirmation)
    address = Address.objects.get()
    assert address.email == "bob@example.org" and address.confirmed_at is None


def test_the_form_fits_a_phone_with_a_long_address_typed(open_page, seminar, mail):
    page = open_page(seminar.series.get_absolute_url(), **PHONE_CONTEXT)
    field = page.get_by_label("Your email address")
    field.fill("a.very.long.name.of.someone@a-department.of-a-university.example.org")
    assert page.evaluate(WIDTHS) == [375, 375]
    box, main = field.bounding_box(), page.get_by_role("main").bounding_box()
    assert box["x"] >= main["x"] and box["x"] + box["width"] <= main["x"] + main["width"]
    button = page.get_by_role("button", name="Subscribe", exact=True).bounding_box()
    assert button["height"] >= 24  # a target a finger can hit (WCAG 2.5.8)


def test_axe_reports_a_moderate_violation_too(open_page, seminar, axe_source):
    # The checks above ask for no violation at all, not only no serious one: make sure a
    # moderate one is reported.
    page = open_page(seminar.series.get_absolute_url())
    page.evaluate("""() => document.querySelector("h1").insertAdjacentHTML(
        "afterend", '<h4>Skipped levels</h4>')""")
    assert [(v["rule"], v["impact"]) for v in all_axe_violations(page, axe_source)] == [
        ("heading-order", "moderate")
    ]


# The emails themselves, as a mail client that honours `color-scheme` shows them: no
# background of their own, so the reader's canvas, with its text colours, in either mode.
CANVAS_AND_TEXT_COLOURS = """() => {
  const probe = document.createElement("div");
  probe.style.backgroundColor = "Canvas";
  document.body.append(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const behind = element => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour !== "rgba(0, 0, 0, 0)") return colour;
    }
    return canvas;
  };
  const withText = [...document.body.querySelectorAll("*")].filter(element =>
    [...element.childNodes].some(node => node.nodeType === 3 && node.textContent.trim()));
  return [canvas, withText.map(e => [e.tagName, getComputedStyle(e).color, behind(e)])];
}"""


def test_the_emails_are_readable_on_a_phone_in_light_and_dark_mode(
    browser, live_server, seminar, mail, client
):
    from seminars.models import Talk
    from tests.test_mail import html_of, subscribe

    subscribe(client, "ada@example.org", seminar.series)
    client.post(link_in(mail.messages[0], "confirm", live_server))
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    Talk.objects.filter(pk=seminar.talk.pk).cancel()
    assert send_email().endswith("Sent 1 change notice.")
    kinds = [subject(m).split(" ", 1)[0] for m in mail.messages]
    assert kinds == ["Confirm", "Proofs", "Cancelled:"]
    for message in mail.messages:
        for scheme in ("light", "dark"):
            # about:blank, not a page of the site, whose CSP would refuse style attributes.
            context = browser.new_context(color_scheme=scheme, **PHONE_CONTEXT)
            page = context.new_page()
            page.set_content(html_of(message))
            canvas, texts = page.evaluate(CANVAS_AND_TEXT_COLOURS)
            assert (relative_luminance(canvas) < 0.05) == (scheme == "dark")
            low = [text for text in texts if contrast_ratio(text[1], text[2]) < 4.5]
            assert low == [], (subject(message), scheme)
            assert page.evaluate(WIDTHS) == [375, 375]
            context.close()
