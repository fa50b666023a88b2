"""A speaker's photo: an untrusted upload made a small, clean JPEG.

An upload is an image by what Pillow reads in its bytes, never by its name; one too big (in
bytes, or in pixels, where a small file may unpack to gigabytes) is refused with a message.
What is stored is drawn anew from the pixels: turned upright as its EXIF orientation says,
scaled to at most MAX_SIDE, saved as a JPEG with no metadata at all (no camera, place or
time), under a name of ours in the default storage. The site serves it
(`seminars.views.speaker_photo`) as an image/jpeg of its own making.
"""

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 7,000 × 7,000 camera image; Pillow's own bomb check is later
MAX_SIDE = 800
FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def checked(upload) -> ContentFile:
    """The photo to store for `upload`, or ValidationError saying what is wrong with it."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"The photo is {filesizeformat(upload.size)}; it may be at most "
            f"{filesizeformat(MAX_BYTES)}."
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise ValidationError("Upload the photo as a JPEG, PNG, WebP or GIF image.")
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    f"The photo is {image.width} × {image.height} pixels: upload a smaller one."
                )
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            clean = _redrawn(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not an image we can read: upload a JPEG, PNG, WebP or GIF."
        ) from None
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)  # no exif= or icc_profile=: none kept
    return ContentFile(out.getvalue(), name="photo.jpg")


def _redrawn(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "P"):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    else:
        upright = upright.convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image of the pixels alone: nothing of the upload's info travels with it.
    return Image.frombytes("RGB", upright.size, upright.tobytes())


def stored_name(speaker) -> str:
    """Where a photo is stored: the speaker's id and a random part, never the upload's name."""
    return f"photos/speaker-{speaker.pk or 'new'}-{secrets.token_hex(8)}.jpg"


def url(speaker) -> str:
    """The photo's address on the site ("" with none); it names the stored file's random
    part, so a new photo is a new address and the old one may be cached for long."""
    if not speaker.photo:
        return ""
    version = speaker.photo.name.rsplit("-", 1)[-1].removesuffix(".jpg")
    return reverse("seminars:speaker_photo", kwargs={"slug": speaker.slug}) + f"?v={version}"
