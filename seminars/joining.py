"""Who sees a talk's join link, and when: the one rule every public output asks.

A series chooses, and a talk may choose otherwise:
- open: the link is shown to everyone, always (the default, and what every series did);
- shortly before: from N minutes before the start (the series' or talk's, else
  JOIN_LINK_REVEAL_MINUTES) until the talk is over (its end, or an hour after its start
  when it gives none); before that, pages say when it will appear;
- external: a registration page of the organiser's is shown instead, never the link;
- registration: never shown; people register on the talk's page and get the link by email
  at the time "shortly before" would show it (`link_sent_at`; seminars.registration).

Pages and feeds are cached per content version; the link appearing or going is a change
with no write. `last_change_at()` is the latest time a "shortly before" talk's link appeared
or went; read with the content version, in its one query, it is part of every page's cache
key and every feed's (seminars.caching, seminars.feeds.calendars), so a cached page never
shows a link early nor misses its time.
"""

import datetime as dt

from django.conf import settings
from django.db.models import DateTimeField, Expression, Q
from django.utils import timezone

OPEN, BEFORE, EXTERNAL = "open", "before", "external"
REGISTRATION = "register"  # the fields hold 10 characters
CHOICES = [
    (OPEN, "Open: the link is shown to everyone"),
    (BEFORE, "Shortly before: the link is shown from a set time before the start"),
    (EXTERNAL, "External registration: a registration page is shown instead of the link"),
    (REGISTRATION, "Registration: people give their email address and get the link by email"),
]
TALK_CHOICES = [("", "As the series"), *CHOICES]
WITHOUT_END = dt.timedelta(hours=1)  # how long a talk that gives no end is taken to last


def _series(talk):
    return talk.series if talk.series_id else None  # an unsaved talk may have none yet


def mode(talk) -> str:
    series = _series(talk)
    return talk.join_access or (series.join_access if series else "") or OPEN


def reveal_minutes(talk) -> int:
    series = _series(talk)
    for minutes in (talk.join_reveal_minutes, series.join_reveal_minutes if series else None):
        if minutes is not None:
            return minutes
    return settings.JOIN_LINK_REVEAL_MINUTES


def reveal_at(talk) -> dt.datetime | None:
    """When a "shortly before" talk's link appears; None for the other modes."""
    if mode(talk) != BEFORE:
        return None
    return talk.start - dt.timedelta(minutes=reveal_minutes(talk))


def link_sent_at(talk) -> dt.datetime | None:
    """When a "registration" talk's link is emailed to those registered (the time "shortly
    before" would show it); None for the other modes."""
    if mode(talk) != REGISTRATION:
        return None
    return talk.start - dt.timedelta(minutes=reveal_minutes(talk))


def over_at(talk) -> dt.datetime:
    return talk.end or talk.start + WITHOUT_END


def join_link(talk, now: dt.datetime | None = None) -> str:
    """The join link the public may see at `now`: the talk's, or "" while it is hidden."""
    if not talk.join_url:
        return ""
    access = mode(talk)
    if access == OPEN:
        return talk.join_url
    if access == BEFORE:
        now = now or timezone.now()
        return talk.join_url if reveal_at(talk) <= now < over_at(talk) else ""
    return ""


def registration_link(talk) -> str:
    """The organiser's registration page shown instead of the link (external mode)."""
    if mode(talk) != EXTERNAL:
        return ""
    series = _series(talk)
    return talk.registration_url or (series.registration_url if series else "")


def is_on(talk, now: dt.datetime | None = None) -> bool:
    """Whether the talk is on now, with its link shown: the page's "Join" button."""
    now = now or timezone.now()
    return bool(join_link(talk, now)) and talk.start - dt.timedelta(minutes=5) <= now < over_at(
        talk
    )


def page_context(talk, now: dt.datetime | None = None) -> dict:
    """What a talk page says of joining: the Join button while the talk is on, when a
    hidden link appears, the registration page instead of the link."""
    now = now or timezone.now()
    reveal = reveal_at(talk)
    waiting = bool(talk.join_url) and reveal is not None and now < reveal
    return {
        "join_now": join_link(talk, now) if is_on(talk, now) else "",
        "join_appears": reveal if waiting and not talk.is_cancelled else None,
        "registration_link": registration_link(talk),
    }


def last_change_at():
    """An expression: the latest time at or before the moment being asked about (`Moment`)
    when a "shortly before" talk's link appeared or went (EPOCH when none did lately). Part
    of the one query that reads the content version (ContentVersion.objects.state), so that
    it costs no query of its own; it holds no time of its own, so that query is compiled
    once and run for any moment.

    Only talks starting within a day or so of the moment are looked at, on the start index:
    a link appears at most a day before the start (the longest reveal) and goes at the end.
    """
    from django.db import connection
    from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Subquery, Value
    from django.db.models.functions import Coalesce, Greatest

    from .models import Talk

    minutes = Coalesce(
        "join_reveal_minutes",
        "series__join_reveal_minutes",
        Value(settings.JOIN_LINK_REVEAL_MINUTES),
    )
    if connection.vendor == "sqlite":  # a duration is an integer of microseconds there
        lead = ExpressionWrapper(minutes * Value(60_000_000), output_field=DurationField())
    else:
        lead = ExpressionWrapper(
            minutes * Value(dt.timedelta(minutes=1)), output_field=DurationField()
        )
    reveal = ExpressionWrapper(F("start") - lead, output_field=DateTimeField())
    over = ExpressionWrapper(
        Coalesce("end", F("start") + Value(WITHOUT_END)), output_field=DateTimeField()
    )
    talks = (
        Talk.objects.filter(
            Q(join_access=BEFORE) | Q(join_access="", series__join_access=BEFORE),
            start__gt=Moment(-LOOK_BACK),
            start__lte=Moment(dt.timedelta(days=1, minutes=1)),
        )
        .exclude(join_url="")
        .annotate(reveal=reveal, over=over)
        .order_by()
    )
    latest_reveal = talks.filter(reveal__lte=Moment()).order_by("-reveal").values("reveal")[:1]
    latest_over = talks.filter(over__lte=Moment()).order_by("-over").values("over")[:1]
    return Greatest(
        Coalesce(Subquery(latest_reveal), Value(EPOCH)),
        Coalesce(Subquery(latest_over), Value(EPOCH)),
        output_field=DateTimeField(),
    )


class Moment(Expression):
    """A time `offset` from the moment being asked about, a parameter of the query: a query
    holding it is compiled once and run for any moment (`at`), since compiling it costs
    several times what running it does."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)):
        super().__init__(output_field=DateTimeField())
        self.offset = offset

    def as_sql(self, compiler, connection):
        return "%s", [self]


def at(params, now: dt.datetime, connection) -> list:
    """The parameters of a compiled query with every Moment in them made a time from `now`."""
    return [
        connection.ops.adapt_datetimefield_value(now + p.offset) if isinstance(p, Moment) else p
        for p in params
    ]


# Talks looked at for links that went: those that started up to this long ago (a talk lasting
# longer keeps its link until a change of content makes the pages anew).
LOOK_BACK = dt.timedelta(days=2)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # "no link appeared or went lately"
