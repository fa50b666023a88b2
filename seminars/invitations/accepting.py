"""Accepting an invitation: the account it is accepted with becomes staff and an organiser
of the invitation's series, once.

Three ways in, by who opens the link: someone logged in accepts as that account; someone
whose address already has an account here logs in to it on the invitation's page; anyone
else makes a new account (staff, never superuser, with the invitation's address).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import links
from .models import Invitation, valid_for


class UsernameTaken(Exception):
    """Another account took the username between the form's check and the account's making."""


def account_for(email: str):
    """The active account that has `email`, if one has (the oldest of several)."""
    users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
    return users.order_by("pk").first()


def accept(
    invitation: Invitation,
    *,
    user=None,
    username: str = "",
    password: str = "",
    now: dt.datetime | None = None,
):
    """Accept `invitation` as `user`, or as a new account (`username`, `password`, the
    invitation's email); return the account.

    Writes, in one transaction: the invitation's `accepted_at` and `accepted_by`, the account
    (made, or made staff), the series' organisers. The invitation is claimed first by a
    conditional update, so of two acceptances at once one wins and the other gets BadLink
    (used) with nothing made. Raises BadLink when it may no longer be accepted, UsernameTaken
    when `username` was taken meanwhile.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            failure="",
            sent_at__gt=now - valid_for(),
        ).update(accepted_at=now)
        if not claimed:
            fresh = Invitation.objects.filter(pk=invitation.pk).first()
            if fresh is None:
                raise links.BadLink("This invitation was withdrawn.")
            links.check(fresh, now=now)  # raises, saying why
            raise links.BadLink("This invitation can no longer be accepted.")
        if user is None:
            try:
                user = get_user_model()._default_manager.create_user(
                    username, email=invitation.email, password=password, is_staff=True
                )
            except IntegrityError as error:
                raise UsernameTaken(username) from error
        elif not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        invitation.series.organisers.add(user)
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    invitation.accepted_at, invitation.accepted_by = now, user
    return user
