"""Expanding a recurring event into occurrences, within bounds a hostile calendar cannot break.

recurring-ical-events (on dateutil) walks every occurrence from the event's DTSTART, so the
work depends on the rule, not on the window asked for: `FREQ=SECONDLY` from 2027, or
`FREQ=HOURLY` from 1900, would run for minutes and fill gigabytes. So the rule is first
bounded from its own parts (frequency, interval, BY* lists, COUNT, UNTIL, RDATEs); an event
that could have more than MAX_OCCURRENCES_WALKED occurrences up to the horizon is skipped.
What is left is expanded once over the supported years, which is linear in the occurrences.
"""

import copy
import datetime as dt
import math

import icalendar
import recurring_ical_events

from ..years import EARLIEST
from .records import SkipEvent, first_line
from .values import as_list

# An event may have at most this many occurrences from its start to the horizon. Expanding
# costs ~50 µs an occurrence, so this keeps a hostile event to a few seconds.
MAX_OCCURRENCES_WALKED = 50_000

_PERIOD_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,  # the shortest month, for an upper bound
    "YEARLY": 365 * 86400,
}
# BY* parts that add times within a day, each finer than the frequency named with it.
_TIME_PARTS = (("BYHOUR", "DAILY"), ("BYMINUTE", "HOURLY"), ("BYSECOND", "MINUTELY"))
# BY* parts that add days within a week, month or year.
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH")
_ORDER = list(_PERIOD_SECONDS)


def occurrence_bound(master: icalendar.Event, start: dt.datetime, horizon: dt.datetime) -> int:
    """An upper bound on the occurrences of `master` from `start` (its DTSTART) to `horizon`.

    Raise SkipEvent for a rule no calendar app would accept (no FREQ, INTERVAL below 1).
    """
    total = sum(len(getattr(dates, "dts", [])) for dates in as_list(master.get("RDATE")))
    for rule in as_list(master.get("RRULE")):
        total += _rule_bound(rule, start, horizon)
    return total


def _rule_bound(rule, start: dt.datetime, horizon: dt.datetime) -> int:
    freq = str((rule.get("FREQ") or [""])[0]).upper()
    if freq not in _PERIOD_SECONDS:
        raise SkipEvent(f"the recurrence rule has no valid FREQ ({freq or 'none'})")
    try:
        interval = int((rule.get("INTERVAL") or [1])[0])
    except (TypeError, ValueError):
        interval = 0
    if interval < 1:
        raise SkipEvent("the recurrence rule's INTERVAL must be at least 1")
    per_period = 1
    for part, coarsest in _TIME_PARTS:
        if _ORDER.index(freq) >= _ORDER.index(coarsest):  # the part adds times, not filters
            per_period *= max(1, len(rule.get(part) or []))
    if freq in ("WEEKLY", "MONTHLY", "YEARLY") and any(rule.get(p) for p in _DAY_PARTS):
        per_period *= _PERIOD_SECONDS[freq] // 86400 + 3  # at most every day of the period
    end = horizon
    until = (rule.get("UNTIL") or [None])[0]
    if isinstance(until, dt.datetime) and until.tzinfo is not None:
        end = min(end, until)
    elif isinstance(until, dt.date) and not isinstance(until, dt.datetime):
        end = min(end, dt.datetime.combine(until, dt.time.max, tzinfo=dt.UTC))
    periods = max(0.0, (end - start).total_seconds()) / (_PERIOD_SECONDS[freq] * interval) + 1
    bound = math.ceil(periods) * per_period
    count = (rule.get("COUNT") or [None])[0]
    if isinstance(count, int) and count >= 0:
        bound = min(bound, count)
    return bound


def expand(
    components: list[icalendar.Component],
    *,
    timezones: list[icalendar.Component],
    horizon: dt.datetime,
) -> list[icalendar.Component]:
    """Every occurrence of the event (a master and its overrides) from EARLIEST to `horizon`,
    in order of start; raise SkipEvent when the recurrence cannot be expanded."""
    calendar = icalendar.Calendar()
    calendar.subcomponents.extend(timezones)
    calendar.subcomponents.extend(components)
    try:
        occurrences = recurring_ical_events.of(calendar).between(EARLIEST, horizon)
    except Exception as error:  # the recurrence library raises many types on broken rules
        raise SkipEvent(f"recurrence cannot be expanded ({first_line(error)})") from error
    return occurrences


def nearest(occurrences: list, *, now: dt.datetime, keep: int, start_of) -> list:
    """At most `keep` occurrences: the soonest upcoming ones, then the latest past ones."""
    ordered = sorted(occurrences, key=start_of)
    upcoming = [o for o in ordered if start_of(o) >= now]
    past = [o for o in ordered if start_of(o) < now]
    kept = upcoming[:keep]
    room = keep - len(kept)
    return (past[-room:] if room else []) + kept


# Properties without which the event's occurrences are unknown: one unreadable skips the event.
_RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


def check_readable(components: list[icalendar.Component]) -> None:
    """Raise SkipEvent naming the first recurrence property the parser could not read."""
    for component in components:
        for name in _RECURRENCE_PROPERTIES:
            for value in as_list(component.get(name)):
                if isinstance(value, icalendar.vBroken):
                    raise SkipEvent.unreadable(value)


def has_empty_rule(master: icalendar.Component) -> bool:
    """Whether the event has an `RRULE:` line with nothing after it."""
    return any(_is_empty(rule) for rule in as_list(master.get("RRULE")))


def without_empty_rules(master: icalendar.Component) -> icalendar.Component:
    """A copy of `master` without its empty RRULEs (the calendar is left as it was)."""
    event = copy.copy(master)
    rules = [rule for rule in as_list(master.get("RRULE")) if not _is_empty(rule)]
    del event["RRULE"]
    if rules:
        event["RRULE"] = rules if len(rules) > 1 else rules[0]
    return event


def _is_empty(rule) -> bool:
    return isinstance(rule, icalendar.vRecur) and not rule
