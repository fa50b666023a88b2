"""A talk's materials (seminars/materials.py): slides uploaded as a PDF (checked by its bytes,
capped in size, stored under a name of ours, served as a download) or linked, and a
recording link, public once the talk is over: on its page, in the JSON API, its .ics and its
JSON-LD."""

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seminars.models import Talk
from tests.factories import make_series, make_talk
from tests.test_admin_permissions import talk_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HOSTILE_NAME = '../../etc/<script>alert(1)</script>".pdf'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def organiser(client, django_user_model):
    series = make_series("Logic")
    user = django_user_model.objects.create_user("ann", is_staff=True)
    series.organisers.add(user)
    client.force_login(user)
    return series


def upload(client, talk, content: bytes, name=HOSTILE_NAME, **changes):
    url = reverse("admin:seminars_talk_change", args=[talk.pk])
    data = talk_data(talk, **changes)
    data["slides_file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url, data)


def past_talk(series, **fields):
    start = timezone.now() - dt.timedelta(hours=3)
    return make_talk(series=series, title="Rings", start=start, end=start + dt.timedelta(hours=1))


def test_an_uploaded_pdf_is_stored_under_our_name_and_served_as_a_download(
    client, organiser, media
):
    talk = past_talk(organiser)
    assert upload(client, talk, PDF).status_code == 302
    talk.refresh_from_db()
    assert re.fullmatch(rf"slides/talk-{talk.pk}-[0-9a-f]{{16}}\.pdf", talk.slides_file.name)
    assert [p.name for p in (media / "slides").iterdir()] == [talk.slides_file.name[7:]]
    client.logout()
    response = client.get(f"/talks/{talk.pk}/slides.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # read whole, the client closes it
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{talk.slug}-slides.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(client, organiser, media):
    talk = past_talk(organiser)
    page = upload(client, talk, b"<html><script>alert(1)</script></html>", name="slides.pdf")
    assert page.status_code == 200
    assert "This file is not a PDF: upload the slides as a PDF." in page.content.decode()
    talk.refresh_from_db()
    assert not talk.slides_file and not media.exists()


def test_an_oversized_file_is_refused_with_the_limit(client, organiser, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    talk = past_talk(organiser)
    page = upload(client, talk, PDF + b"0" * 2048)
    assert "slides may be at most 1.0\xa0KB" in page.content.decode()
    talk.refresh_from_db()
    assert not talk.slides_file and not media.exists()


def test_a_pdf_header_after_some_bytes_is_still_a_pdf(client, organiser):
    talk = past_talk(organiser)
    assert upload(client, talk, b"\x00" * 100 + PDF).status_code == 302


def test_materials_are_public_once_the_talk_is_over(client, organiser):
    start = timezone.now() + dt.timedelta(days=1)
    talk = make_talk(
        series=organiser, title="Rings", start=start, end=start + dt.timedelta(hours=1)
    )
    assert (
        upload(client, talk, PDF, recording_url="https://video.example.org/rings").status_code
        == 302
    )
    client.logout()

    def seen():
        page = client.get(talk.get_absolute_url()).content.decode()
        ics = client.get(f"/talks/{talk.pk}.ics").content.decode().replace("\r\n ", "")
        since = (timezone.now() - dt.timedelta(days=2)).date()
        api = json.dumps(client.get(f"/api/talks.json?from={since}").json())
        return {
            "page": f"/talks/{talk.pk}/slides.pdf" in page and "video.example.org" in page,
            "ics": f"/talks/{talk.pk}/slides.pdf" in ics and "video.example.org" in ics,
            "api": f"/talks/{talk.pk}/slides.pdf" in api and "video.example.org" in api,
            "json-ld": "PresentationDigitalDocument" in page and "VideoObject" in page,
            "download": downloads(),
        }

    def downloads() -> bool:
        response = client.get(f"/talks/{talk.pk}/slides.pdf")
        if response.streaming:
            b"".join(response.streaming_content)  # read whole, the client closes the file
        return response.status_code == 200

    assert not any(seen().values())
    Talk.objects.filter(pk=talk.pk).update(
        start=timezone.now() - dt.timedelta(hours=2), end=timezone.now() - dt.timedelta(hours=1)
    )
    from django.core.cache import cache

    cache.clear()  # pages take a minute to see a talk end (caching.PAGE_TIMEOUT)
    assert all(seen().values()), seen()


def test_a_slides_link_is_offered_when_no_file_is_uploaded(client, organiser):
    talk = past_talk(organiser)
    Talk.objects.filter(pk=talk.pk).update(slides_url="https://slides.example.org/rings.pdf")
    page = client.get(talk.get_absolute_url()).content.decode()
    assert 'href="https://slides.example.org/rings.pdf"' in page
    assert client.get(f"/talks/{talk.pk}/slides.pdf").status_code == 404


def test_missing_slides_answer_404_not_500(client, organiser, media):
    talk = past_talk(organiser)
    upload(client, talk, PDF)
    talk.refresh_from_db()
    (media / talk.slides_file.name).unlink()
    assert client.get(f"/talks/{talk.pk}/slides.pdf").status_code == 404
    assert client.get("/talks/999999/slides.pdf").status_code == 404


def test_another_series_organiser_cannot_upload_to_a_talk(client, organiser, django_user_model):
    other = make_series("Botany")
    talk = past_talk(other)
    response = upload(client, talk, PDF)
    assert response.status_code in (302, 403)
    talk.refresh_from_db()
    assert not talk.slides_file
