"""Writing speakers: finding one by name, creating one, merging duplicates."""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from .models import Series, Speaker, Talk, TalkSpeaker
from .organisers import changeable_speakers
from .slugs import unique_slug

# Ids per query, under SQLite's limit on a statement's parameters.
_ID_BATCH = 2000


def changeable_by_import(series: Series, speaker_ids) -> set[int]:
    """The ids among `speaker_ids` of speakers an import into `series` may change: those that
    every organiser of the series could change in the admin (see organisers.py), as any of
    them may have added the source. A series nobody organises may change the speakers whose
    talks are all in it.

    Who runs the import does not matter: `import_ics --all` runs the sources organisers add.
    """
    ids = list(speaker_ids)
    can_log_in = Q(is_staff=True) | Q(is_superuser=True)
    organisers = list(series.organisers.filter(can_log_in, is_active=True))
    allowed = set()
    for i in range(0, len(ids), _ID_BATCH):
        batch = Speaker.objects.filter(pk__in=ids[i : i + _ID_BATCH])
        if not organisers:
            elsewhere = TalkSpeaker.objects.filter(speaker=OuterRef("pk")).exclude(
                talk__series=series
            )
            batch = batch.filter(~Exists(elsewhere))
        for user in organisers:
            batch = batch.filter(pk__in=changeable_speakers(user).values("pk"))
        allowed.update(batch.values_list("pk", flat=True))
    return allowed


def find_or_create_speaker(*, name: str, affiliation: str = "", fill: bool = True) -> Speaker:
    """Return the speaker called `name` (up to case, accents and spacing), creating one if needed.

    Fills in a blank affiliation on an existing speaker when `fill`; never overwrites one.
    """
    speaker = Speaker.objects.matching_name(name).order_by("id").first()
    if speaker is None:
        speaker = Speaker(name=name, affiliation=affiliation, slug=unique_slug(Speaker, name))
        try:
            with transaction.atomic():
                speaker.save()
        except IntegrityError:
            # A concurrent import took the slug a moment ago; it may be this very speaker.
            speaker = Speaker.objects.matching_name(name).order_by("id").first() or Speaker(
                name=name, affiliation=affiliation, slug=unique_slug(Speaker, name)
            )
            if speaker.pk is None:
                speaker.save()
    elif fill and affiliation and not speaker.affiliation:
        speaker.affiliation = affiliation
        speaker.save(update_fields=["affiliation", "updated"])
    return speaker


@transaction.atomic
def merge_speakers(*, keep: Speaker, others) -> int:
    """Move every talk of `others` onto `keep`, then delete `others`; return the talks moved.

    A talk that had both keeps `keep` at the better of the two positions. Blank fields of
    `keep` are filled from the others. Raises the sequence of every talk that changed.
    """
    others = [s for s in others if s.pk != keep.pk]
    other_ids = [s.pk for s in others]
    links = TalkSpeaker.objects.filter(speaker_id__in=other_ids).order_by("position", "id")
    kept_links = {ts.talk_id: ts for ts in TalkSpeaker.objects.filter(speaker=keep)}
    moved_talk_ids = set()
    for link in links:
        existing = kept_links.get(link.talk_id)
        if existing is None:
            link.speaker = keep
            link.save(update_fields=["speaker"])
            kept_links[link.talk_id] = link
        else:
            if link.position < existing.position:
                existing.position = link.position
                existing.save(update_fields=["position"])
            link.delete()
        moved_talk_ids.add(link.talk_id)

    changed = []
    for field in ("affiliation", "homepage", "bio"):
        if not getattr(keep, field):
            value = next((getattr(s, field) for s in others if getattr(s, field)), "")
            if value:
                setattr(keep, field, value)
                changed.append(field)
    if changed:
        keep.save(update_fields=[*changed, "updated"])

    Talk.objects.filter(pk__in=moved_talk_ids).changed()
    Speaker.objects.filter(pk__in=other_ids).delete()
    return len(moved_talk_ids)
