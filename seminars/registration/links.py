"""The signed links of registration emails: confirm a registration, cancel it.

Each carries the registration's pk and secret token, signed with SECRET_KEY under a salt of
its own, so one kind never serves as the other. A confirmation link expires with the
unconfirmed registration (mail.models.CONFIRM_WITHIN); a cancel link lasts as long as the
registration. The links hold no address.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ..mail.models import CONFIRM_WITHIN
from .models import Registration

CONFIRM = "seminars.registration.confirm"
CANCEL = "seminars.registration.cancel"


class BadLink(Exception):
    """A link that is tampered with, expired, or of a registration that is gone."""


def confirm_key(registration: Registration) -> str:
    return signing.dumps({"r": registration.pk, "t": registration.token}, salt=CONFIRM)


def cancel_key(registration: Registration) -> str:
    return signing.dumps({"r": registration.pk, "t": registration.token}, salt=CANCEL)


def read(key: str, *, salt: str) -> tuple[Registration, dict]:
    """The registration a key names (with its talk and series), and the key's payload;
    BadLink for any other key."""
    max_age = CONFIRM_WITHIN if salt == CONFIRM else None
    try:
        payload = signing.loads(key, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadLink("This link has expired: register again on the talk's page.") from error
    except signing.BadSignature as error:
        raise BadLink("This link is not valid: it may have been cut short or changed.") from error
    registration = (
        Registration.objects.select_related("talk__series")
        .filter(pk=payload.get("r"), token=payload.get("t"))
        .first()
    )
    if registration is None:
        raise BadLink("This registration was cancelled, or the talk was removed.")
    return registration, payload


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def confirm_url(registration: Registration) -> str:
    key = confirm_key(registration)
    return absolute(reverse("seminars:registration_confirm", args=[key]))


def cancel_url(registration: Registration) -> str:
    key = cancel_key(registration)
    return absolute(reverse("seminars:registration_cancel", args=[key]))
