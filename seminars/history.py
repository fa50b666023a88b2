"""A talk's history, as its organisers read it: every change to the talk, to its speakers'
places on it and to those speakers' profiles, by whom (an account, an import, the speaker's
own link), when, and each field's old and new value.

The records are django-simple-history's (`history` on Talk, TalkSpeaker and Speaker): admin
edits are recorded as they are saved (with the account, from its middleware), imports by
seminars.ics.sync in bulk, a speaker's edits by seminars.speaker_links.editing.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.text import capfirst

from .models import Speaker, Talk, TalkSpeaker

LIMIT = 300  # records of each kind: enough for years of a talk's life
SHOWN = 300  # characters of a long value


@dataclass
class Entry:
    when: dt.datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)


def talk_history(talk: Talk) -> list[Entry]:
    """The talk's history, newest first."""
    entries = _entries(
        talk.history.select_related("history_user").order_by("history_date", "history_id")[:LIMIT],
        Talk,
        lambda record: {"+": "Talk added", "~": "Talk changed", "-": "Talk deleted"}[
            record.history_type
        ],
    )
    places = TalkSpeaker.history.filter(talk_id=talk.pk).select_related("history_user")
    names = dict(
        Speaker.objects.filter(pk__in=places.values("speaker_id")).values_list("pk", "name")
    )
    entries += _entries(
        places.order_by("history_date", "history_id")[:LIMIT],
        TalkSpeaker,
        lambda record: (
            {
                "+": "Speaker added: ",
                "~": "Speaker as shown on this talk: ",
                "-": "Speaker removed: ",
            }[record.history_type]
            + names.get(record.speaker_id, "a speaker since deleted")
        ),
        skip={"talk", "speaker"},
    )
    speaker_ids = list(talk.talk_speakers.values_list("speaker_id", flat=True))
    entries += [
        entry
        for entry in _entries(
            Speaker.history.filter(id__in=speaker_ids)
            .select_related("history_user")
            .order_by("history_date", "history_id")[:LIMIT],
            Speaker,
            lambda record: f"Speaker's profile: {record.name}",
        )
        if entry.changes  # a speaker's creation is in "Speaker added"
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _entries(records, model, what, *, skip=frozenset()) -> list[Entry]:
    previous: dict[int, object] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        changes = []
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before)
            for change in delta.changes:
                if change.field in skip:
                    continue
                label = capfirst(model._meta.get_field(change.field).verbose_name)
                changes.append((label, _shown(change.old), _shown(change.new)))
            if not changes:
                continue  # saved with nothing changed that the history keeps
        entries.append(
            Entry(when=record.history_date, who=_who(record), what=what(record), changes=changes)
        )
    return entries


def _who(record) -> str:
    user = record.history_user
    reason = record.history_change_reason or ""
    if user is not None:
        name = user.get_full_name() or user.get_username()
        return f"{name} ({reason})" if reason else name
    return reason or "Someone at the server (a command or the shell)"


def _shown(value) -> str:
    if value in (None, ""):
        return "(empty)"
    text = str(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
