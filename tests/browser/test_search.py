"""Search as a visitor types it, in Chromium against the live server."""

import datetime as dt

from django.utils import timezone

from tests.factories import make_series, make_speaker, make_talk

BOX = "Search talks, speakers, series and venues"


def test_a_query_typed_without_accents_finds_the_accented_talk_and_speaker(
    open_page, live_server, transactional_db
):
    make_talk(
        title="Über Typen",
        speakers=[make_speaker("Lucía Fernández", slug="lucia-fernandez")],
        series=make_series("Logik", slug="logik"),
        venue="ETH Zürich",
        start=timezone.now() + dt.timedelta(days=2),
    )
    make_talk(title="Unrelated", speakers=[make_speaker("Ann Lee")])
    page = open_page("/search/")

    page.get_by_label(BOX).fill("fernandez uber")
    page.keyboard.press("Enter")

    page.wait_for_url(live_server.url + "/search/?q=fernandez+uber")
    assert page.locator(".result-count").inner_text() == "1 talk found for “fernandez uber”."
    assert page.locator(".talk-title a").all_inner_texts() == ["Über Typen"]
    assert page.locator(".speakers a").all_inner_texts() == ["Lucía Fernández"]
    assert page.locator(".results-group").all_text_contents() == ["Upcoming talks"]
    page.get_by_role("link", name="Lucía Fernández").click()
    page.wait_for_url(live_server.url + "/speakers/lucia-fernandez/")


def test_past_results_come_after_upcoming_ones_under_their_own_heading(open_page, transactional_db):
    make_talk(title="Zürich then", start=timezone.now() - dt.timedelta(days=30))
    make_talk(title="Zürich soon", start=timezone.now() + dt.timedelta(days=3))
    page = open_page("/search/?q=zurich")

    assert page.locator(".talk-title a").all_inner_texts() == ["Zürich soon", "Zürich then"]
    assert page.locator(".results-group").all_text_contents() == ["Upcoming talks", "Past talks"]
