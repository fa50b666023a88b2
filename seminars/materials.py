"""A talk's materials after it: slides (an uploaded PDF or a link) and a recording link.

An upload is untrusted: it is a PDF by its bytes, not its name (a PDF starts with "%PDF-",
which the format allows after up to 1 KB of other bytes), at most UPLOAD_MAX_BYTES, and it
is stored under a name of ours (never the uploader's), in the default storage (MEDIA_ROOT,
or any Django storage such as S3). It is served by the site (`seminars.views.talk_slides`)
as a download named after the talk, never shown inline.

Materials are public once the talk is over: pages, the JSON API, feeds and the JSON-LD show
them then (`public()`); the organiser sees them in the admin from the start.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

PDF_MAGIC = b"%PDF-"
MAGIC_WITHIN = 1024


def check_pdf(upload) -> None:
    """Refuse an upload that is too big or is not a PDF, whatever its name says."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"The file is {filesizeformat(upload.size)}; slides may be at most "
            f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}."
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(MAGIC_WITHIN + len(PDF_MAGIC))
    upload.seek(position)
    if PDF_MAGIC not in head:
        raise ValidationError("This file is not a PDF: upload the slides as a PDF.")


def stored_name(talk) -> str:
    """Where an upload is stored: the talk's id and a random part, never the uploader's
    name (which may hold a path, markup or another talk's file)."""
    return f"slides/talk-{talk.pk or 'new'}-{secrets.token_hex(8)}.pdf"


def download_name(talk) -> str:
    return f"{talk.slug or 'talk'}-slides.pdf"


def slides_link(talk) -> str:
    """The slides' link: the upload's download address, else the organiser's link."""
    if talk.slides_file:
        return reverse("seminars:talk_slides", kwargs={"pk": talk.pk})
    return talk.slides_url


def public(talk, now: dt.datetime | None = None) -> bool:
    """Whether the talk's materials are public at `now`: once it is over."""
    return talk.start is not None and talk.is_over(now)
