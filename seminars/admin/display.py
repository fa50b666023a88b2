"""What several admin pages show alike: URL fields and cut-off table cells."""

from django.db import models
from django.utils.html import format_html

# A URL typed without a scheme means https (Django 6's default, chosen now).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def truncated(text: str, kind: str) -> str:
    """`text` cut to its column's width by the stylesheet, whole in its tooltip."""
    return format_html('<span class="truncated {}" title="{}">{}</span>', kind, text, text)
