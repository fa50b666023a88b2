"""Saving a speaker's edit: onto the talk, the speaker's place on it and their profile, each
change recorded in the talk's history (seminars.history) as the speaker's.

Title, abstract and materials are the talk's own fields, so an edit here is an edit made on
this site for the import's three-way merge (seminars.ics.sync): a re-import keeps it. How
the speaker is shown on this talk is kept on their TalkSpeaker row, which a re-import of
the same speakers leaves alone; bio and photo are the speaker's, shown on all their talks.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..models import Speaker, Talk, TalkSpeaker
from . import links
from .models import SpeakerLink


def reason(link: SpeakerLink) -> str:
    """How the talk's history names a change made through `link`."""
    return f"Speaker link of {link.talk_speaker.speaker.name}"


@transaction.atomic
def save(link: SpeakerLink, data: dict, *, now: dt.datetime | None = None) -> list[str]:
    """Apply the form's cleaned `data`; return the labels of what changed (none: nothing)."""
    now = now or timezone.now()
    if not SpeakerLink.objects.select_for_update().filter(pk=link.pk).live().exists():
        raise links.BadLink("The organiser has withdrawn this speaker link meanwhile.")
    why = reason(link)
    talk = Talk.objects.select_for_update().get(pk=link.talk_speaker.talk_id)
    place = TalkSpeaker.objects.select_related("speaker").get(pk=link.talk_speaker_id)
    speaker = Speaker.objects.select_for_update().get(pk=place.speaker_id)
    changed = []

    talk_fields = [
        name
        for name in ("title", "abstract", "slides_url", "recording_url")
        if getattr(talk, name) != data[name]
    ]
    for name in talk_fields:
        setattr(talk, name, data[name])
    if data.get("slides_file"):
        talk.slides_file = data["slides_file"]
        talk_fields.append("slides_file")
    elif data.get("remove_slides") and talk.slides_file:
        talk.slides_file = ""
        talk_fields.append("slides_file")
    if talk_fields:
        talk._change_reason = why
        talk.save(update_fields=talk_fields + (["slug"] if "title" in talk_fields else []))
        changed += talk_fields

    shown = {
        "shown_name": "" if data["name"] == speaker.name else data["name"],
        "shown_affiliation": ""
        if data["affiliation"] == speaker.affiliation
        else data["affiliation"],
        "shown_homepage": "" if data["homepage"] == speaker.homepage else data["homepage"],
    }
    place_fields = [name for name, value in shown.items() if getattr(place, name) != value]
    if place_fields:
        for name in place_fields:
            setattr(place, name, shown[name])
        place._change_reason = why
        place.save(update_fields=place_fields)
        changed += [name.removeprefix("shown_") for name in place_fields]

    speaker_fields = []
    old_photo = speaker.photo.name
    if speaker.bio != data["bio"]:
        speaker.bio = data["bio"]
        speaker_fields.append("bio")
    if data.get("photo"):
        speaker.photo.save("photo.jpg", data["photo"], save=False)
        speaker_fields.append("photo")
    elif data.get("remove_photo") and speaker.photo:
        speaker.photo = ""
        speaker_fields.append("photo")
    if speaker_fields:
        speaker._change_reason = why
        speaker.save(update_fields=[*speaker_fields, "updated"])
        changed += speaker_fields
        if "photo" in speaker_fields and old_photo:
            # A photo taken back is gone, once the change is sure to stay.
            storage = speaker.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))

    if changed:
        # Subscribed calendars take a change only with a higher SEQUENCE.
        Talk.objects.filter(pk=talk.pk).changed(now)
    SpeakerLink.objects.filter(pk=link.pk).update(last_used=now)
    return changed
