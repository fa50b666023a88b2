"""Event records → database: identity by UID, three-way merge, cancel what vanished.

A talk keeps, in `Talk.imported`, the values it had when last imported. Comparing the feed's
value, that snapshot and the talk's current value tells a change in the feed (taken) from an
organiser's edit on this site (kept, and reported as a conflict).
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from .. import bulk_history
from ..bulk_updates import update_rows
from ..caching import content_changed
from ..models import FeedSource, Series, Speaker, Talk, TalkSpeaker
from ..names import name_key
from ..search import documents_deferred, refresh_documents
from ..slugs import UNIQUE_BASE_LENGTH, slug_for, unique_slug
from ..speakers import changeable_by_import, find_or_create_speaker
from .events import from_skipped_event
from .records import EventRecord, Notice, SpeakerRecord

SYNCED_FIELDS = (
    "title",
    "abstract",
    "start",
    "end",
    "all_day",
    "venue",
    "online",
    "url",
    "join_url",
    "livestream_url",
    "recording_url",
    "slides_url",
    "contact",
    "status",
)
MAX_ABSTRACT = 100_000
BATCH = 2000
# Talks whose speakers are read in one query: well within SQLite's limit on parameters.
UPDATE_BATCH = 500


@dataclass(frozen=True)
class Change:
    """What a sync did to one talk, for a preview or a summary: created, updated (with the
    fields that changed) or cancelled. The talk's time and venue are as they are after the
    sync; `diffs` holds (field, old value, new value) for each field an update changed."""

    kind: str
    uid: str
    title: str
    fields: tuple[str, ...] = ()
    talk_id: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    all_day: bool = False
    venue: str = ""
    diffs: tuple[tuple[str, object, object], ...] = ()

    @classmethod
    def of(cls, kind: str, talk: Talk, fields=(), diffs=()) -> "Change":
        return cls(
            kind,
            talk.uid,
            talk.title,
            tuple(fields),
            talk_id=talk.pk,
            start=talk.start,
            end=talk.end,
            all_day=talk.all_day,
            venue=talk.venue,
            diffs=tuple(diffs),
        )


@dataclass(frozen=True)
class Conflict(Notice):
    """An organiser's edit kept over the feed's change of `field` (or "speakers"): the talk,
    this site's value and the feed's (names, for speakers)."""

    talk_id: int | None = None
    title: str = ""
    start: dt.datetime | None = None
    all_day: bool = False
    field: str = ""
    ours: object = None
    feeds: object = None


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    skipped: int = 0
    notices: list[Notice] = field(default_factory=list)
    conflicts: list[Notice] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> str:
        """The counts in the words every report of an import uses."""
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.cancelled} cancelled, {self.skipped} skipped"
        )


def _cut(value: str, limit: int, what: str, uid: str, notices: list[Notice]) -> str:
    if len(value) <= limit:
        return value
    notices.append(Notice(uid, f"{what} longer than {limit} characters; cut"))
    return value[: limit - 1].rstrip() + "…"


def _length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _link(record: EventRecord, name: str, notices: list[Notice]) -> str:
    url = getattr(record, name)
    if len(url) > _length(Talk, name):
        label = Talk._meta.get_field(name).verbose_name
        notices.append(Notice(record.uid, f"{label} too long; dropped"))
        return ""
    return url


def talk_values(record: EventRecord, notices: list[Notice]) -> dict:
    """The Talk field values an event record asks for, cut to the fields' lengths."""
    uid = record.uid
    links = ("url", "join_url", "livestream_url", "recording_url", "slides_url")
    return {
        **{name: _link(record, name, notices) for name in links},
        "title": _cut(record.title, _length(Talk, "title"), "title", uid, notices),
        "abstract": _cut(record.description, MAX_ABSTRACT, "description", uid, notices),
        "start": record.start,
        "end": record.end,
        "all_day": record.all_day,
        "venue": _cut(record.location, _length(Talk, "venue"), "location", uid, notices),
        "online": record.online,
        "contact": _cut(record.contact, _length(Talk, "contact"), "contact", uid, notices),
        "status": record.status,
    }


def _speakers_of(record: EventRecord, notices) -> list[SpeakerRecord]:
    seen, speakers = set(), []
    for s in record.speakers:
        name = " ".join(s.name.split())
        name = _cut(name, _length(Speaker, "name"), "speaker name", record.uid, notices)
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            affiliation = s.affiliation.strip()
            limit = _length(Speaker, "affiliation")
            affiliation = _cut(affiliation, limit, "affiliation", record.uid, notices)
            speakers.append(SpeakerRecord(name, affiliation))
    return speakers


def _snapshot_value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def snapshot(values: dict, speakers: list[SpeakerRecord]) -> dict:
    """The JSON form of imported values, kept on the talk to detect later edits."""
    snap = {name: _snapshot_value(values[name]) for name in SYNCED_FIELDS}
    snap["speakers"] = [[s.name, s.affiliation] for s in speakers]
    return snap


def latest_per_uid(records: list[EventRecord], notices: list[Notice]) -> list[EventRecord]:
    """One record per UID: the highest SEQUENCE, then the latest stamp."""
    chosen: dict[str, EventRecord] = {}
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    for record in records:
        other = chosen.get(record.uid)
        if other is None:
            chosen[record.uid] = record
            continue
        notices.append(Notice(record.uid, "the UID appears more than once; kept the latest"))
        if (record.sequence, record.stamp or epoch) >= (other.sequence, other.stamp or epoch):
            chosen[record.uid] = record
    return list(chosen.values())


def sync_records(
    records: list[EventRecord],
    *,
    source: FeedSource,
    series: Series,
    skipped_uids: Collection[str] = frozenset(),
    take_over: bool = False,
    now: dt.datetime | None = None,
    progress=None,
) -> SyncResult:
    """Create, update and cancel the talks of `source` so they match `records`.

    Writes talks, their speaker links and new speakers; call it inside a transaction.
    `skipped_uids` are events of the feed that could not be read this time
    (calendar_events()): their talks are left alone rather than cancelled. A talk imported
    from another source is left alone too, unless `take_over` is set and it is in `series`
    (the same calendar under a new file name): then it becomes this source's.
    """
    now = now or timezone.now()
    plan = _plan(
        records, source=source, series=series, take_over=take_over, now=now, progress=progress
    )
    vanished = _apply(plan, source=source, series=series, skipped_uids=skipped_uids, now=now)
    return _summarise(plan, vanished)


@dataclass
class _Update:
    """A talk whose feed values changed, merged with them in memory."""

    talk: Talk
    speakers: list[SpeakerRecord]
    fields: list[str]  # the talk's fields the merge changed
    replace_speakers: bool
    before: dict  # the changed fields' values, and the speakers' names, from before

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.replace_speakers)


@dataclass
class _Plan:
    """What a sync writes, worked out without writing: new talks, and existing ones with
    the feed's changes merged in; and what it found on the way."""

    uids: set[str]  # the feed's UIDs
    new: list[tuple[Talk, list[SpeakerRecord]]] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    notices: list[Notice] = field(default_factory=list)
    conflicts: list[Notice] = field(default_factory=list)


def _plan(records, *, source, series, take_over, now, progress) -> _Plan:
    """Read the talks `records` name and decide, for each record, to create, update, skip
    or leave its talk; merge the updates into the talks in memory (see _merge)."""
    notices: list[Notice] = []
    records = latest_per_uid(records, notices)
    plan = _Plan(uids={r.uid for r in records}, notices=notices)
    existing = _existing_talks([r.uid for r in records])
    owners = _owners(existing.values(), source)
    to_merge = []
    for index, record in enumerate(records):
        if progress and index % 500 == 0:
            progress(index, len(records))
        talk = existing.get(record.uid)
        values = talk_values(record, notices)
        speakers = _speakers_of(record, notices)
        snap = snapshot(values, speakers)
        if talk is None:
            talk = Talk(
                uid=record.uid,
                series=series,
                source=source,
                slug=Talk.slug_for_title(values["title"]),
                imported=snap,
                created=now,
                updated=now,
                **values,
            )
            plan.new.append((talk, speakers))
        elif talk.source_id != source.pk and not _may_take_over(talk, series, take_over):
            notices.append(Notice(record.uid, _belongs_to(talk, series, owners), skipped=True))
            plan.skipped += 1
        elif talk.source_id != source.pk:
            talk.source = source
            to_merge.append((talk, values, speakers, snap))
        elif talk.imported == snap:
            plan.unchanged += 1
        else:
            to_merge.append((talk, values, speakers, snap))

    # Only talks whose feed values changed need their current speakers: joined rather than
    # prefetched in two steps, whose second query SQLite refuses past ~1,000 speakers.
    with_speakers = Prefetch("talk_speakers", TalkSpeaker.objects.select_related("speaker"))
    for i in range(0, len(to_merge), UPDATE_BATCH):
        prefetch_related_objects([t for t, *_ in to_merge[i : i + UPDATE_BATCH]], with_speakers)
    for talk, values, speakers, snap in to_merge:
        fields, replace_speakers, before = _merge(talk, values, speakers, snap, plan.conflicts)
        talk.imported = snap
        update = _Update(talk, speakers, fields, replace_speakers, before)
        if update.changed:
            talk.sequence += 1
            talk.updated = now
            if "title" in fields:
                talk.slug = Talk.slug_for_title(talk.title)
        plan.updates.append(update)
    return plan


def _apply(plan: _Plan, *, source, series, skipped_uids, now) -> list[Talk]:
    """Write the plan: create and update the talks, link their speakers, and cancel the
    talks gone from the feed; return those. Their search documents are made once, after
    the writes (seminars.search: SQLite's triggers would make each several times)."""
    with documents_deferred():
        vanished = _write(plan, source=source, series=series, skipped_uids=skipped_uids, now=now)
    # Cancelling a talk changes nothing a document holds.
    refresh_documents([t.pk for t, _ in plan.new] + [u.talk.pk for u in plan.updates])
    return vanished


def _write(plan: _Plan, *, source, series, skipped_uids, now) -> list[Talk]:
    new_talks = [talk for talk, _ in plan.new]
    Talk.objects.bulk_create(new_talks, batch_size=BATCH)
    _record(new_talks, source=source, now=now)
    changed_talks = [u.talk for u in plan.updates]
    if changed_talks:
        changed_fields = {"imported", "source"}
        for update in plan.updates:
            changed_fields.update(update.fields)
            if update.changed:
                changed_fields.update({"sequence", "updated"})
            if "title" in update.fields:
                changed_fields.add("slug")
        update_rows(changed_talks, sorted(changed_fields))
        _record([u.talk for u in plan.updates if u.changed], source=source, now=now, update=True)
    replaced = [(u.talk, u.speakers) for u in plan.updates if u.replace_speakers]
    TalkSpeaker.objects.filter(talk_id__in=[talk.pk for talk, _ in replaced]).delete()
    rows = _link_speakers(plan.new + replaced, series=series, now=now)
    _record(rows, source=source, now=now)
    vanished = _cancel_vanished(source, plan.uids, skipped_uids, now=now)
    if new_talks or changed_talks or vanished:
        content_changed()  # bulk writes send no signals
    return vanished


def _record(objects, *, source, now, update=False) -> None:
    """Add what the import wrote in bulk (which sends no signals) to the talks' history
    (seminars.history), as the import's; by the admin's user when one ran it."""
    if objects:
        bulk_history.record(
            type(objects[0]),
            [o.pk for o in objects],
            kind=bulk_history.CHANGED if update else bulk_history.CREATED,
            reason=f"Import from {source}",
            when=now,
        )


def _summarise(plan: _Plan, vanished: list[Talk]) -> SyncResult:
    """The counts and changes of a sync that wrote `plan` and cancelled `vanished`."""
    result = SyncResult(
        unchanged=plan.unchanged,
        skipped=plan.skipped,
        notices=plan.notices,
        conflicts=plan.conflicts,
    )
    for talk, _ in plan.new:
        if talk.status == Talk.Status.CONFIRMED:
            result.created += 1
            result.changes.append(Change.of("created", talk))
        else:
            result.cancelled += 1
            result.changes.append(Change.of("cancelled", talk))
    for update in plan.updates:
        talk, fields = update.talk, update.fields
        if not update.changed:
            result.unchanged += 1
            continue
        diffs = [(name, update.before[name], getattr(talk, name)) for name in fields]
        if update.replace_speakers:
            diffs.append(("speakers", update.before["speakers"], _names(update.speakers)))
        if "status" in fields and talk.status == Talk.Status.CANCELLED:
            result.cancelled += 1
            result.changes.append(Change.of("cancelled", talk, diffs=diffs))
        else:
            result.updated += 1
            named = tuple(fields) + (("speakers",) if update.replace_speakers else ())
            result.changes.append(Change.of("updated", talk, named, diffs))
    result.cancelled += len(vanished)
    result.changes += [Change.of("cancelled", t, ("gone from the feed",)) for t in vanished]
    return result


def _owners(talks, source: FeedSource) -> dict:
    """For the talks that are not `source`'s: their sources' locations and series, and the
    names of their series, in two queries."""
    foreign = [t for t in talks if t.source_id != source.pk]
    if not foreign:
        return {"sources": {}, "series": {}}
    sources = FeedSource.objects.filter(pk__in={t.source_id for t in foreign})
    series_ids = {t.series_id for t in foreign}
    return {
        "sources": {s.pk: (s.location, s.series_id) for s in sources},
        "series": dict(Series.objects.filter(pk__in=series_ids).values_list("pk", "name")),
    }


def _belongs_to(talk: Talk, series: Series, owners: dict) -> str:
    """Why a talk of another source is skipped, naming whose it is.

    Another series is named, never its source: a source's location may hold a private token
    or a server path, and the organisers of this series do not run that one. The location is
    named only for a source of this very series, which whoever imports into it runs.
    """
    location, source_series_id = owners["sources"].get(talk.source_id, ("", None))
    if talk.source_id is None:
        where = "this series" if talk.series_id == series.pk else _series_name(talk, owners)
        return f"the UID belongs to a talk created on this site in {where}"
    if talk.series_id != series.pk:
        return f"the UID belongs to a talk of {_series_name(talk, owners)}"
    # A talk of this series, from another source (the old name of a file, say).
    owner = location if source_series_id == series.pk else "another source"
    return (
        f"the UID belongs to {owner} "
        "(to move its talks to this source, import again with --take-over)"
    )


def _series_name(talk: Talk, owners: dict) -> str:
    return f"the series “{owners['series'].get(talk.series_id, '')}”"


class CannotTake(Exception):
    """The calendar's value cannot be taken; str() says why, in one line."""


def feed_value(talk: Talk, name: str):
    """The value of field `name` (or the speakers' names) that `talk` was last imported with."""
    value = talk.imported[name]
    if name == "speakers":
        return tuple(n for n, _ in value)
    if name in ("start", "end") and value is not None:
        return dt.datetime.fromisoformat(value)
    return value


def kept_edits(talks) -> list[Conflict]:
    """Where `talks` differ from what their calendar last gave: the organisers' edits that
    imports keep, one per field, as Conflicts. Prefetch the talks' `talk_speakers`."""
    edits = []
    for talk in talks:
        snap = talk.imported or {}
        for name in (*SYNCED_FIELDS, "speakers"):
            if name not in snap:
                continue
            if name == "speakers":
                ours = tuple(ts.shown_speaker.name for ts in talk.talk_speakers.all())
                differs = ours != feed_value(talk, name)
            else:
                ours = getattr(talk, name)
                differs = _snapshot_value(ours) != snap[name]
            if differs:
                what = "speakers were" if name == "speakers" else f"{name} was"
                edits.append(_conflict(talk, name, ours, feed_value(talk, name), what))
    return edits


TAKEN_BACK = "The calendar's value taken back"


def take_feed_value(talk: Talk, name: str, *, now: dt.datetime | None = None) -> None:
    """Give `talk` the value of `name` (a synced field, or "speakers") it was last imported
    with, undoing an organiser's edit of it, and publish the change. Call it in a transaction.

    Raises CannotTake when the talk has no imported value of `name`, or when the value would
    put the talk's end before its start.
    """
    if name not in (*SYNCED_FIELDS, "speakers"):
        raise CannotTake("no such field comes from a calendar")
    if name not in (talk.imported or {}):
        raise CannotTake(f"the talk has no {name} from its calendar")
    now = now or timezone.now()
    if name == "speakers":
        speakers = [SpeakerRecord(n, a) for n, a in talk.imported["speakers"]]
        TalkSpeaker.objects.filter(talk=talk).delete()
        rows = _link_speakers([(talk, speakers)], series=talk.series, now=now)
        bulk_history.record(
            TalkSpeaker, [r.pk for r in rows], kind=bulk_history.CREATED, reason=TAKEN_BACK
        )
        Talk.objects.filter(pk=talk.pk).changed(now)
        return
    value = feed_value(talk, name)
    start = value if name == "start" else talk.start
    end = value if name == "end" else talk.end
    if end is not None and end < start:
        raise CannotTake(f"the calendar's {name} would make the talk end before it starts")
    values = {name: value}
    if name == "title":
        values["slug"] = Talk.slug_for_title(value)
    Talk.objects.filter(pk=talk.pk).changed(now, why=TAKEN_BACK, **values)


def _may_take_over(talk: Talk, series: Series, take_over: bool) -> bool:
    return take_over and talk.source_id is not None and talk.series_id == series.pk


def _existing_talks(uids: list[str]) -> dict[str, Talk]:
    talks = {}
    for i in range(0, len(uids), BATCH):
        talks.update((t.uid, t) for t in Talk.objects.filter(uid__in=uids[i : i + BATCH]))
    return talks


def _merge(talk: Talk, values: dict, speakers, snap: dict, conflicts: list[Notice]):
    """Apply the feed's changes that don't clash with an edit made here; return the fields
    that changed, whether the speakers are to be replaced, and the values from before."""
    last = talk.imported or {}
    fields = []
    before = {}
    for name in SYNCED_FIELDS:
        new, old = snap[name], last.get(name)
        current = _snapshot_value(getattr(talk, name))
        if new == old or current == new:
            continue
        if name not in last or current == old:
            before[name] = getattr(talk, name)
            setattr(talk, name, values[name])
            fields.append(name)
        else:
            conflicts.append(
                _conflict(talk, name, getattr(talk, name), values[name], f"{name} was")
            )
    current_names = tuple(ts.shown_speaker.name for ts in talk.talk_speakers.all())
    before["speakers"] = current_names
    last_names = tuple(name for name, _ in last.get("speakers", []))
    new_names = _names(speakers)
    replace = False
    if snap["speakers"] != last.get("speakers") and new_names != current_names:
        if "speakers" not in last or current_names == last_names:
            replace = True
        else:
            conflicts.append(_conflict(talk, "speakers", current_names, new_names, "speakers were"))
    return fields, replace, before


def _names(speakers: list[SpeakerRecord]) -> tuple[str, ...]:
    return tuple(s.name for s in speakers)


def _conflict(talk: Talk, name: str, ours, feeds, what: str) -> Conflict:
    return Conflict(
        talk.uid,
        f"{what} edited on this site; kept the edit",
        talk_id=talk.pk,
        title=talk.title,
        start=talk.start,
        all_day=talk.all_day,
        field=name,
        ours=ours,
        feeds=feeds,
    )


def _link_speakers(
    links: list[tuple[Talk, list[SpeakerRecord]]], *, series: Series, now: dt.datetime
) -> list[TalkSpeaker]:
    """Create the TalkSpeaker rows, finding or creating each speaker by name once; return them.

    A name is the speaker of that name first stored, unless another of that name has the
    feed's affiliation. A blank affiliation is filled in from the feed only on a speaker every
    organiser of `series` may change (`changeable_by_import`), and that speaker's talks are
    published as changed; any other shared speaker stays untouched, and the talk gets a
    speaker of its own with the feed's affiliation, which its organisers may edit.
    """
    wanted = {}
    for _, speakers in links:
        for s in speakers:
            wanted.setdefault(name_key(s.name), s)
    if not wanted:
        return []
    namesakes: dict[str, list[Speaker]] = {}
    keys = list(wanted)
    for i in range(0, len(keys), BATCH):
        for speaker in Speaker.objects.filter(name_key__in=keys[i : i + BATCH]).order_by("id"):
            namesakes.setdefault(speaker.name_key, []).append(speaker)
    found: dict[str, Speaker] = {}
    to_fill: dict[str, Speaker] = {}  # found, if the import may fill in their affiliation
    for key, s in wanted.items():
        same = namesakes.get(key, [])
        exact = [p for p in same if s.affiliation and p.affiliation == s.affiliation]
        speaker = (exact or same or [None])[0]
        if speaker is not None:
            blank = s.affiliation and not speaker.affiliation
            (to_fill if blank else found)[key] = speaker
    may = changeable_by_import(series, [p.pk for p in to_fill.values()]) if to_fill else set()
    fill = []
    for key, speaker in to_fill.items():
        if speaker.pk in may:
            speaker.affiliation, speaker.updated = wanted[key].affiliation, now
            found[key] = speaker
            fill.append(speaker)
    if fill:
        update_rows(fill, ["affiliation", "updated"])
        # Their talks' calendar entries name the affiliation (before this import's links).
        talks = Talk.objects.filter(talk_speakers__speaker__in=fill).values("pk")
        Talk.objects.filter(pk__in=talks).changed(now)
    missing = [wanted[key] for key in wanted if key not in found]
    found.update((name_key(s.name), s) for s in _create_speakers(missing))
    rows = [
        TalkSpeaker(talk=talk, speaker=found[name_key(s.name)], position=position)
        for talk, speakers in links
        for position, s in enumerate(speakers)
    ]
    return TalkSpeaker.objects.bulk_create(rows, batch_size=BATCH)


def _create_speakers(records: list[SpeakerRecord]) -> list[Speaker]:
    """Create speakers in bulk; if a concurrent import created some meanwhile, use theirs."""
    slugs = _unique_slugs([r.name for r in records])
    speakers = [
        Speaker(name=r.name, affiliation=r.affiliation, slug=slug, name_key=name_key(r.name))
        for r, slug in zip(records, slugs, strict=True)
    ]
    try:
        with transaction.atomic():
            return Speaker.objects.bulk_create(speakers, batch_size=BATCH)
    except IntegrityError:
        pass
    # Speakers of others are not this import's to fill in (see _link_speakers).
    return [
        find_or_create_speaker(name=r.name, affiliation=r.affiliation, fill=False) for r in records
    ]


def _unique_slugs(names: list[str]) -> list[str]:
    """Slugs for new speakers, unique among themselves and the speakers already stored."""
    bases = [slug_for(n, max_length=UNIQUE_BASE_LENGTH, fallback="speaker") for n in names]
    distinct = sorted(set(bases))
    taken = set()
    for i in range(0, len(distinct), BATCH):
        batch = distinct[i : i + BATCH]
        taken.update(Speaker.objects.filter(slug__in=batch).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug = unique_slug(Speaker, base, taken=taken) if base in taken else base
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _cancel_vanished(source, seen: set[str], skipped: Collection[str], *, now) -> list[Talk]:
    """Cancel future talks of `source` that the feed no longer has; return them."""
    candidates = Talk.objects.filter(source=source, start__gte=now, status=Talk.Status.CONFIRMED)
    # The keys first: a feed's talks are nearly all still in it, and loading each one's
    # imported values only to pass it over took a tenth of an import's writing.
    gone = [
        pk
        for pk, uid in candidates.values_list("pk", "uid")
        if uid not in seen and not from_skipped_event(uid, skipped)
    ]
    vanished = []
    for i in range(0, len(gone), BATCH):
        rows = Talk.objects.filter(pk__in=gone[i : i + BATCH]).order_by("start", "pk")
        vanished += rows.only("pk", "uid", "title", "start", "end", "all_day", "venue", "imported")
    for talk in vanished:
        talk.imported = {**talk.imported, "status": Talk.Status.CANCELLED}
    if vanished:
        update_rows(vanished, ["imported"])
        for i in range(0, len(vanished), BATCH):
            batch = [t.pk for t in vanished[i : i + BATCH]]
            Talk.objects.filter(pk__in=batch).cancel(now, why=f"Import from {source}")
    return vanished
