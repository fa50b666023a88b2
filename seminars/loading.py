"""Putting the demo calendar into the database."""

from django.db import transaction

from .demo import SERIES, DemoTalk
from .models import Series, Talk, TalkSpeaker
from .speakers import find_or_create_speaker


@transaction.atomic
def load_demo_talks(talks: list[DemoTalk]) -> tuple[int, int]:
    """Create or update the demo series and talks (by uid); return (created, updated)."""
    series_by_name = {}
    for info in SERIES:
        series_by_name[info["name"]], _ = Series.objects.get_or_create(
            name=info["name"], defaults={"slug": info["slug"], "description": info["description"]}
        )
    created = updated = 0
    for demo in talks:
        talk, was_created = Talk.objects.update_or_create(
            uid=demo.uid,
            defaults={
                "series": series_by_name[demo.series],
                "title": demo.title,
                "start": demo.start,
                "end": demo.end,
                "all_day": demo.all_day,
                "venue": demo.venue,
                "abstract": demo.abstract,
                "status": Talk.Status.CANCELLED if demo.cancelled else Talk.Status.CONFIRMED,
            },
        )
        created += was_created
        updated += not was_created
        talk.talk_speakers.all().delete()
        for position, (name, affiliation) in enumerate(demo.speakers):
            speaker = find_or_create_speaker(name=name, affiliation=affiliation)
            TalkSpeaker.objects.create(talk=talk, speaker=speaker, position=position)
    return created, updated
