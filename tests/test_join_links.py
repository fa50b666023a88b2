"""Who sees a talk's join link, and when (seminars/joining.py): for each mode (open, shortly
before, external, registration) and each moment (before the link's time, during the talk,
after it), the link's presence in every public output, with the page cache on. Time passing
is the talk moved by a queryset update, which changes no content version: only the join
state can make a cached page or feed new."""

import datetime as dt
import re
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from seminars import joining
from seminars.models import Series, Talk
from tests.factories import make_series, make_talk

pytestmark = pytest.mark.django_db

LINK = "https://zoom.us/j/8123456789?pwd=s3cret"
REGISTER = "https://forms.example.org/register-rings"


@pytest.fixture
def talk():
    series = make_series("Logic")
    return make_talk(
        series=series,
        title="Rings",
        start=timezone.now() + dt.timedelta(hours=3),
        end=timezone.now() + dt.timedelta(hours=4),
        join_url=LINK,
    )


def at_moment(talk, moment):
    """Move `talk` (with no content change) so that now is `moment` of it."""
    now = timezone.now()
    start = {
        "before": now + dt.timedelta(hours=3),  # its link appears 15 min before
        "during": now - dt.timedelta(minutes=10),
        "after": now - dt.timedelta(hours=2),
    }[moment]
    Talk.objects.filter(pk=talk.pk).update(start=start, end=start + dt.timedelta(hours=1))
    talk.refresh_from_db()
    # Time passing is what moves a link's moment; the cached feeds' fast path reads the
    # content's state once a second (feeds/fast.py): let that second pass.
    time.sleep(1.001 - time.time() % 1)


def outputs(client, talk) -> dict[str, str]:
    """Every public output that could carry the talk's join link, as text."""
    series = talk.series
    page = client.get(talk.get_absolute_url()).content.decode()
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return {
        "page": page,
        "json-ld": found[1] if found else "",
        "atom": client.get(f"/series/{series.slug}.atom").content.decode(),
        "upcoming atom": client.get("/upcoming.atom").content.decode(),
        "series ics": client.get(f"/series/{series.slug}.ics").content.decode(),
        "site ics": client.get("/talks.ics").content.decode(),
        "talk ics": client.get(f"/talks/{talk.pk}.ics").content.decode(),
        "follow ics": client.get(f"/talks.ics?series={series.slug}").content.decode(),
        "api": client.get("/api/talks.json?past=1").content.decode()
        + client.get("/api/talks.json").content.decode(),
        "embed": client.get(f"/embed/series/{series.slug}/").content.decode(),
        "search": client.get("/search/", {"q": "Rings"}).content.decode(),
        "home": client.get("/").content.decode(),
    }


def carrying(client, talk) -> set[str]:
    # .ics folds long lines: unfold before looking.
    return {
        name for name, text in outputs(client, talk).items() if LINK in text.replace("\r\n ", "")
    }


EVERYWHERE = {"page", "json-ld", "series ics", "site ics", "talk ics", "follow ics", "api"}


def test_an_open_link_is_shown_everywhere_at_every_moment(client, talk):
    assert joining.mode(talk) == joining.OPEN  # what every series did before
    for moment in ("before", "during"):
        at_moment(talk, moment)
        assert carrying(client, talk) >= EVERYWHERE, moment


@pytest.mark.parametrize("mode_on", ["series", "talk"])
def test_a_shortly_before_link_is_absent_before_its_time_shown_during_and_gone_after(
    client, talk, mode_on
):
    if mode_on == "series":
        Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)
    else:
        Talk.objects.filter(pk=talk.pk).update(join_access=joining.BEFORE)
    # Before: cached pages and feeds are made, none with the link.
    at_moment(talk, "before")
    assert carrying(client, talk) == set()
    page = client.get(talk.get_absolute_url()).content.decode()
    reveal = timezone.localtime(talk.start - dt.timedelta(minutes=15))
    assert f"The link appears here at {reveal:%H:%M} {reveal.tzname()}" in page
    # During: the same URLs, cached a moment ago, now carry it (no content changed).
    at_moment(talk, "during")
    assert carrying(client, talk) >= EVERYWHERE
    page = client.get(talk.get_absolute_url()).content.decode()
    assert "Join the talk now" in page and "The link appears here" not in page
    # After: gone again.
    at_moment(talk, "after")
    assert carrying(client, talk) == set()


def test_the_talk_feed_says_the_page_instead_and_its_etag_changes_at_the_reveal(client, talk):
    Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)
    at_moment(talk, "before")
    hidden = client.get(f"/talks/{talk.pk}.ics")
    text = hidden.content.decode().replace("\r\n ", "")
    assert f"URL:http://testserver{talk.get_absolute_url()}" in text
    assert "CONFERENCE" not in text and LINK not in text
    again = client.get(f"/talks/{talk.pk}.ics", HTTP_IF_NONE_MATCH=hidden["ETag"])
    assert again.status_code == 304
    at_moment(talk, "during")
    shown = client.get(f"/talks/{talk.pk}.ics", HTTP_IF_NONE_MATCH=hidden["ETag"])
    assert shown.status_code == 200 and shown["ETag"] != hidden["ETag"]
    assert LINK in shown.content.decode().replace("\r\n ", "")


def test_an_external_link_is_never_shown_and_the_registration_page_is(client, talk):
    Series.objects.filter(pk=talk.series_id).update(
        join_access=joining.EXTERNAL, registration_url=REGISTER
    )
    for moment in ("before", "during", "after"):
        at_moment(talk, moment)
        assert carrying(client, talk) == set(), moment
    at_moment(talk, "before")
    page = client.get(talk.get_absolute_url()).content.decode()
    assert (
        f'<a href="{REGISTER}" rel="noopener nofollow">Register to get the link to join</a>' in page
    )


@pytest.mark.parametrize("mode_on", ["series", "talk"])
def test_a_registration_link_is_never_shown_and_the_form_to_register_is(
    client, talk, mode_on, settings
):
    settings.EMAIL_OFFERED = True
    if mode_on == "series":
        Series.objects.filter(pk=talk.series_id).update(join_access=joining.REGISTRATION)
    else:
        Talk.objects.filter(pk=talk.pk).update(join_access=joining.REGISTRATION)
    for moment in ("before", "during", "after"):
        at_moment(talk, moment)
        assert carrying(client, talk) == set(), moment
        if moment == "after":
            # A talk ending changes no content version: the page's PAGE_TIMEOUT covers it
            # (and the form's answer then says the talk is over).
            cache.clear()
        page = client.get(talk.get_absolute_url()).content.decode()
        assert "Join the talk now" not in page and "The link appears here" not in page
        form = f'<form method="post" action="/registration/talk/{talk.pk}/">'
        assert (form in page) == (moment != "after"), moment


def test_a_talk_may_open_what_its_series_hides(client, talk):
    Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)
    Talk.objects.filter(pk=talk.pk).update(join_access=joining.OPEN)
    at_moment(talk, "before")
    assert carrying(client, talk) >= EVERYWHERE


def test_the_minutes_before_come_from_the_talk_the_series_or_the_setting(talk, settings):
    settings.JOIN_LINK_REVEAL_MINUTES = 30
    Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)
    talk.refresh_from_db()
    assert talk.start - joining.reveal_at(talk) == dt.timedelta(minutes=30)
    talk.series.join_reveal_minutes = 60
    assert talk.start - joining.reveal_at(talk) == dt.timedelta(minutes=60)
    talk.join_reveal_minutes = 5
    assert talk.start - joining.reveal_at(talk) == dt.timedelta(minutes=5)
    now = talk.start - dt.timedelta(minutes=6)
    assert joining.join_link(talk, now) == ""
    assert joining.join_link(talk, now + dt.timedelta(minutes=1)) == LINK


def test_a_talk_with_no_end_keeps_its_link_for_an_hour(talk):
    talk.join_access, talk.end = joining.BEFORE, None
    assert joining.join_link(talk, talk.start + dt.timedelta(minutes=59)) == LINK
    assert joining.join_link(talk, talk.start + dt.timedelta(minutes=61)) == ""


def test_a_reminder_a_day_ahead_says_when_the_link_appears_and_not_the_link(talk):
    from seminars.mail import messages
    from seminars.mail.models import Address

    Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)
    talk = Talk.objects.with_speakers().get(pk=talk.pk)
    email = messages.reminder(Address(pk=1, email="a@example.org", token="t", zone="UTC"), talk)
    assert LINK not in email.body and LINK not in email.alternatives[0][0]
    reveal = (talk.start - dt.timedelta(minutes=15)).astimezone(dt.UTC)
    assert (
        f"the link appears on the talk's page at {reveal:%a %-d %b %Y, %H:%M} (UTC)" in email.body
    )


def test_the_admin_forms_check_the_choices(talk):
    series = talk.series
    series.join_access = joining.EXTERNAL
    with pytest.raises(ValidationError) as error:
        series.full_clean()
    assert "registration_url" in error.value.message_dict
    series.join_access, series.join_reveal_minutes = joining.BEFORE, 1441
    with pytest.raises(ValidationError) as error:
        series.full_clean()
    assert "join_reveal_minutes" in error.value.message_dict
    talk.join_access = joining.EXTERNAL
    with pytest.raises(ValidationError) as error:
        talk.full_clean()
    assert "registration_url" in error.value.message_dict
    talk.registration_url = "javascript:alert(1)"
    with pytest.raises(ValidationError) as error:
        talk.full_clean()
    assert "registration_url" in error.value.message_dict


def test_an_organiser_chooses_the_mode_in_the_admin(client, talk, django_user_model):
    organiser = django_user_model.objects.create_user("ann", is_staff=True)
    talk.series.organisers.add(organiser)
    client.force_login(organiser)
    url = reverse("admin:seminars_series_change", args=[talk.series.pk])
    page = client.get(url).content.decode()
    assert 'name="join_access"' in page and 'name="join_reveal_minutes"' in page
    data = {"description": "", "website": "", "contact": "", "join_access": "before"}
    data["join_reveal_minutes"] = "30"
    assert client.post(url, data).status_code == 302
    series = Series.objects.get(pk=talk.series.pk)
    assert (series.join_access, series.join_reveal_minutes) == ("before", 30)
    data |= {"join_access": "external", "registration_url": ""}
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "External registration needs a registration page." in answer.content.decode()
    assert Series.objects.get(pk=talk.series.pk).join_access == "before"


def test_pages_take_the_same_queries_with_more_hidden_links(client, talk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Series.objects.filter(pk=talk.series_id).update(join_access=joining.BEFORE)

    def queries():
        from django.core.cache import cache

        cache.clear()
        counts = []
        for url in ("/", talk.get_absolute_url(), f"/series/{talk.series.slug}/", "/talks.ics"):
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            counts.append(len(captured.captured_queries))
        return counts

    few = queries()
    for n in range(6):
        make_talk(
            series=talk.series,
            start=timezone.now() + dt.timedelta(minutes=10 * n),
            join_url=f"{LINK}{n}",
        )
    assert queries() == few
