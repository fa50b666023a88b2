"""The speaker's edit page on a phone, in Chromium (seminars/speaker_links/): the form fills
in what the talk shows, a save with a photo changes the talk's page, which shows the photo
(and the initials of a speaker with none); each page accessible (axe-core, light and dark),
valid HTML (the Nu checker) and no wider than the phone."""

import io

import pytest
from PIL import Image

from seminars.speaker_links import links
from tests.browser.chromium import PHONE
from tests.browser.test_join_links import assert_valid_html, axe_in_both_schemes
from tests.browser.test_layout import WIDTHS

PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def edit_path(seminar, media):
    place = seminar.talk.talk_speakers.select_related("speaker", "talk").first()
    return links.path(links.make(place, by=None))


def test_the_speaker_edits_their_talk_and_photo_on_a_phone(
    open_page, edit_path, seminar, axe_source, tmp_path
):
    page = open_page(edit_path, **PHONE_CONTEXT)
    assert page.get_by_label("Title").input_value() == seminar.talk.title
    assert page.get_by_label("Your name").input_value() == seminar.speaker.name
    assert axe_in_both_schemes(page, axe_source) == []
    assert page.evaluate(WIDTHS) == [PHONE["width"]] * 2
    assert_valid_html(tmp_path, page.request.get(page.url).body())

    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), (20, 90, 160)).save(photo, "JPEG")
    page.get_by_label("Title").fill("A clearer title")
    page.get_by_label("A short bio").fill("Works on the foundations of computing.")
    page.get_by_label("Your photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}
    )
    page.get_by_role("button", name="Save my changes").click()
    assert page.get_by_role("status").inner_text() == "Saved: the talk's page shows your changes."
    assert page.get_by_label("Title").input_value() == "A clearer title"
    assert axe_in_both_schemes(page, axe_source) == []

    talk_page = open_page(seminar.talk.get_absolute_url(), **PHONE_CONTEXT)
    assert talk_page.get_by_role("heading", level=1).inner_text() == "A clearer title"
    image = talk_page.locator(".about-speakers img.speaker-photo")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 800
    assert (
        "Works on the foundations of computing."
        in talk_page.locator(".about-speakers").inner_text()
    )
    assert axe_in_both_schemes(talk_page, axe_source) == []
    assert talk_page.evaluate(WIDTHS) == [PHONE["width"]] * 2
    assert_valid_html(tmp_path, talk_page.request.get(talk_page.url).body())


def test_a_withdrawn_link_says_so_on_a_phone(open_page, edit_path, seminar, axe_source, tmp_path):
    links.revoke(seminar.talk.talk_speakers.first())
    page = open_page(edit_path, **PHONE_CONTEXT)
    assert "withdrawn" in page.get_by_role("alert").inner_text()
    assert axe_in_both_schemes(page, axe_source) == []
    assert_valid_html(tmp_path, page.request.get(page.url).body())
