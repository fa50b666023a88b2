"""Plain functions that build rows for tests, with defaults a test can override."""

import datetime as dt
import itertools

from django.utils import timezone

from seminars.models import Series, Speaker, Talk, TalkSpeaker
from seminars.slugs import unique_slug

_counter = itertools.count(1)


def make_series(name=None, **fields) -> Series:
    name = name or f"Series {next(_counter)}"
    fields.setdefault("slug", unique_slug(Series, name))
    return Series.objects.create(name=name, **fields)


def make_speaker(name=None, **fields) -> Speaker:
    name = name or f"Speaker {next(_counter)}"
    fields.setdefault("slug", unique_slug(Speaker, name))
    speaker = Speaker(name=name, **fields)
    speaker.save()
    return speaker


def make_talk(*, series=None, speakers=(), start=None, duration=dt.timedelta(hours=1), **fields):
    series = series or make_series()
    start = start or timezone.now() + dt.timedelta(days=1)
    fields.setdefault("title", f"Talk {next(_counter)}")
    fields.setdefault("end", start + duration if duration is not None else None)
    talk = Talk(series=series, start=start, **fields)
    talk.save()
    for position, speaker in enumerate(speakers):
        TalkSpeaker.objects.create(talk=talk, speaker=speaker, position=position)
    return talk
