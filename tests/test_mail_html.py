"""The HTML alternative of emails: the templates' <style> inlined by css-inline, through the
real SMTP server of tests/test_mail.py; the feeds' text stays text, never markup or CSS."""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from seminars.mail import messages
from tests import test_mail
from tests.factories import make_series, make_speaker, make_talk
from tests.test_mail import (
    BERLIN,
    SITE,
    html_of,
    send_email,
    subscribe,
    subscribed,
    text_of,
)

inbox = test_mail.inbox  # the fixture: a real SMTP server on loopback


def soup_of(message) -> BeautifulSoup:
    return BeautifulSoup(html_of(message), "html.parser")


def style(element) -> str:
    return element.get("style", "")


def remind(client, inbox, **talk_fields):
    """Subscribe and confirm an address, remind it of a talk in three hours; the message."""
    series = talk_fields.pop("series", None) or make_series("Number Theory")
    talk = make_talk(series=series, start=timezone.now() + dt.timedelta(hours=3), **talk_fields)
    subscribed(client, inbox, "ada@example.org", series)
    assert send_email() == "Sent 0 confirmations and 1 reminder."
    (message,) = inbox.messages
    return message, talk


@pytest.mark.django_db
def test_the_confirmation_has_its_styles_inline_and_no_style_element(client, inbox):
    subscribe(client, "ada@example.org", make_series("Number Theory"))
    (message,) = inbox.messages
    html = html_of(message)
    assert "<style" not in html and "<link" not in html and "<img" not in html
    assert '<meta name="color-scheme" content="light dark">' in html
    soup = soup_of(message)
    assert style(soup.body).startswith("margin: 0;padding: 16px;font-family: -apple-system")
    assert style(soup.select_one(".content")) == "max-width: 600px;"
    confirm = soup.find("a", string="Confirm the subscription")
    assert confirm["href"].startswith(f"{SITE}/mail/confirm/")
    assert style(confirm) == "text-decoration: underline;font-weight: bold;"
    # The more specific rule wins, as in a browser: the footer's margin, not every <p>'s.
    assert style(soup.select_one(".footer")) == "margin: 24px 0 0;font-size: 14px;"
    assert style(soup.find("p")) == "margin: 0 0 12px;"


@pytest.mark.django_db
def test_a_reminder_has_its_styles_inline_and_sets_no_colour_that_dark_mode_would_keep(
    client, inbox
):
    speaker = make_speaker("Emmy Noether", affiliation="Göttingen")
    message, talk = remind(client, inbox, title="Rings", venue="Room 1", speakers=[speaker])
    html = html_of(message)
    assert "<style" not in html and "<img" not in html
    assert "background" not in html and "color:" not in html.replace("border-left-color", "")
    soup = soup_of(message)
    title = soup.h1.a
    assert title.string == "Rings" and title["href"] == f"{SITE}{talk.get_absolute_url()}"
    assert style(title) == "text-decoration: none;"  # h1 a, over every link's underline
    assert style(soup.h1) == "margin: 0 0 8px;font-size: 22px;line-height: 1.3;"
    assert [style(th) for th in soup.select(".facts th")] == [
        "text-align: left;padding: 2px 12px 2px 0;vertical-align: top;"
    ] * 2
    assert style(soup.find("a", string="Manage your subscriptions")) == (
        "text-decoration: underline;"
    )


@pytest.mark.django_db
def test_a_cancelled_notice_keeps_its_coloured_border_after_inlining(client, inbox):
    from seminars.models import Talk

    message, talk = remind(client, inbox, title="Rings")
    inbox.messages.clear()
    Talk.objects.filter(pk=talk.pk).cancel()
    assert send_email().endswith("Sent 1 change notice.")
    (notice,) = inbox.messages
    banner = soup_of(notice).select_one(".notice")
    assert banner.string == "Cancelled: this talk will not take place."
    assert style(banner) == (
        "margin: 0 0 12px;font-weight: bold;border-left: 4px solid;padding-left: 8px;"
        "border-left-color: #b00020;"
    )


@pytest.mark.django_db
def test_a_talks_markup_is_still_escaped_after_inlining(client, inbox):
    title = '<script>alert(1)</script> "onmouseover=alert(2) x'
    speaker = make_speaker('Eve" onmouseover="alert(3)', affiliation="<b>Evil</b>")
    message, _ = remind(client, inbox, title=title, speakers=[speaker])
    html = html_of(message)
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    soup = soup_of(message)
    assert soup.find_all("script") == [] and soup.find_all("b") == []
    assert [el.name for el in soup.find_all(attrs={"onmouseover": True})] == []
    assert soup.h1.a.string == title and soup.title.string == title
    assert 'Eve" onmouseover="alert(3) (<b>Evil</b>)' in soup.get_text()


@pytest.mark.django_db
def test_css_in_a_feeds_text_stays_text(client, inbox):
    title = "</style><style>body{display:none} h1{color:red}</style>"
    series = make_series("</style><style>*{display:none}")
    message, _ = remind(
        client, inbox, title=title, series=series, venue="a{background:url(x)}</style>"
    )
    html = html_of(message)
    assert "<style" not in html
    soup = soup_of(message)
    assert soup.title.string == soup.h1.a.string == title
    assert soup.select_one(".series-name").string == "</style><style>*{display:none}"
    styles = [style(el) for el in soup.find_all(style=True)]
    assert not [s for s in styles if re.search("display|color: red|url", s)]
    assert style(soup.body).startswith("margin: 0;padding: 16px;")


@pytest.mark.django_db
def test_the_plain_text_is_not_touched_by_the_inlining(client, inbox):
    title = "<script>alert(1)</script> </style><style>p{x:y}"
    message, talk = remind(client, inbox, title=title, venue="Room <1>")
    text = text_of(message).replace("\r\n", "\n")  # as sent, lines end in CRLF
    start = timezone.localtime(talk.start, timezone=BERLIN)
    when = f"{start:%a} {start.day} {start:%b %Y, %H:%M} (Europe/Berlin)"
    manage = re.search(rf"{SITE}/mail/manage/\S+/", text).group(0)
    unsubscribe = re.search(rf"{SITE}/mail/unsubscribe/\S+/", text).group(0)
    assert text == (
        f"Number Theory\n{title}\n\nWhen: {when}\nWhere: Room <1>\n\n"
        f"{SITE}{talk.get_absolute_url()}\n\nThe talk is attached as a calendar file.\n\n"
        "--\nYou get this because you follow Number Theory at Seminars.\n"
        f"Manage your subscriptions: {manage}\n"
        f"Unsubscribe from Number Theory: {unsubscribe}\n\n"
    )


def test_the_inliner_fetches_no_stylesheet_and_keeps_no_style_element():
    html = (
        '<html><head><link rel="stylesheet" href="http://192.0.2.1/x.css">'
        "<style>p { margin: 0; } @media (prefers-color-scheme: dark) { p { color: white; } }"
        "</style></head><body><p>x</p></body></html>"
    )
    # With remote stylesheets on, the <link> would be fetched (here: an InlineError at once).
    assert messages.INLINER.inline(html) == (
        '<html><head></head><body><p style="margin: 0;">x</p></body></html>'
    )
