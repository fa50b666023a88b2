"""Announcing talks: the admin's "Announce selected talks", once per talk.

An announcement is an Announcement row, made once per talk (its OneToOne key: a second
press finds it). Its emails are Delivery rows of kind ANNOUNCEMENT, claimed and sent by
`send_due()` like reminders (exactly once per address and talk), to the addresses that
followed the talk's series, for reminders or the digest, when it was announced. An
announced talk is still reminded before it starts, and told of if it is cancelled or moved.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Talk
from . import messages
from .models import Address, Announcement, subscriber_counts


@dataclass
class Plan:
    """What "Announce" would do with the talks chosen: those it announces, those announced
    before (with their Announcement), and those it refuses, with the reason."""

    ready: list = field(default_factory=list)
    already: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (talk, reason)
    subscribers: dict = field(default_factory=dict)  # series pk → receiving addresses


def plan(talks, *, now: dt.datetime | None = None) -> Plan:
    """Sort `talks` (a queryset) into what "Announce" does with each."""
    now = now or timezone.now()
    result = Plan()
    talks = list(talks.select_related("series", "announcement").order_by("start", "pk"))
    for talk in talks:
        announced = getattr(talk, "announcement", None)
        if announced is not None:
            result.already.append((talk, announced))
        elif talk.is_cancelled:
            result.refused.append((talk, "it is cancelled"))
        elif talk.start <= now:
            result.refused.append((talk, "it has started"))
        else:
            result.ready.append(talk)
    result.subscribers = subscriber_counts({t.series_id for t in result.ready})
    return result


def announce(talks: list[Talk], *, by=None, now: dt.datetime | None = None) -> list[Talk]:
    """Announce each of `talks` that no one announced before; the talks announced now."""
    now = now or timezone.now()
    done = []
    for talk in talks:
        try:
            with transaction.atomic():
                Announcement.objects.create(talk=talk, announced_at=now, announced_by=by)
        except IntegrityError:
            continue  # announced meanwhile, by another press
        done.append(talk)
    return done


def preview(talk: Talk):
    """The email as a subscriber gets it: for an address in the site's zone, whose links in
    it are not valid ones."""
    sample = Address(pk=0, email="subscriber@example.org", token="preview", zone="")
    talk = Talk.objects.with_speakers().select_related("series").get(pk=talk.pk)
    return messages.reminder(sample, talk, kind="announcement")
