"""The signed links of emails: confirm a subscription, manage an address's, unsubscribe.

Each carries the address's pk and secret token, signed with SECRET_KEY (django.core.signing)
under a salt of its own, so one kind of link never serves as another. Confirmation links
expire with the unconfirmed address (models.CONFIRM_WITHIN); manage and unsubscribe links
last as long as the address's token, since an old email's unsubscribe must keep working.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import CONFIRM_WITHIN, Address

CONFIRM = "seminars.mail.confirm"
MANAGE = "seminars.mail.manage"
UNSUBSCRIBE = "seminars.mail.unsubscribe"


class BadLink(Exception):
    """A link that is tampered with, expired, or of an address that is gone."""


def confirm_key(address: Address, requested: dict) -> str:
    """The confirmation link's key: the address and the subscription it asked for."""
    return signing.dumps({"a": address.pk, "t": address.token, "r": requested}, salt=CONFIRM)


def manage_key(address: Address) -> str:
    return signing.dumps({"a": address.pk, "t": address.token}, salt=MANAGE)


def unsubscribe_key(address: Address, series_pk: int | None = None) -> str:
    """Unsubscribe from one series, or with None from everything (and forget the address)."""
    return signing.dumps({"a": address.pk, "t": address.token, "s": series_pk}, salt=UNSUBSCRIBE)


def read(key: str, *, salt: str) -> tuple[Address, dict]:
    """The address a key names, and the key's payload; BadLink for any bad key."""
    max_age = CONFIRM_WITHIN if salt == CONFIRM else None
    try:
        payload = signing.loads(key, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadLink("This link has expired.") from error
    except signing.BadSignature as error:
        raise BadLink("This link is not valid: it may have been cut short or changed.") from error
    address = Address.objects.filter(pk=payload.get("a"), token=payload.get("t")).first()
    if address is None:
        raise BadLink("This link is no longer valid: the address has unsubscribed since.")
    return address, payload


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def confirm_url(address, requested) -> str:
    return absolute(reverse("seminars:mail_confirm", args=[confirm_key(address, requested)]))


def manage_url(address) -> str:
    return absolute(reverse("seminars:mail_manage", args=[manage_key(address)]))


def unsubscribe_url(address, series_pk=None) -> str:
    key = unsubscribe_key(address, series_pk)
    return absolute(reverse("seminars:mail_unsubscribe", args=[key]))
