"""Search over talks: titles, abstracts, speakers, series and venues."""

from django.db.models import Exists, OuterRef, Q

from .models import TalkSpeaker

MAX_WORDS = 8


def search_talks(talks, query: str):
    """Talks matching every word of `query` in some field, newest first."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return talks.none()
    for word in words:
        speaker_match = TalkSpeaker.objects.filter(talk=OuterRef("pk")).filter(
            Q(speaker__name__icontains=word) | Q(speaker__affiliation__icontains=word)
        )
        talks = talks.filter(
            Q(title__icontains=word)
            | Q(abstract__icontains=word)
            | Q(venue__icontains=word)
            | Q(series__name__icontains=word)
            | Exists(speaker_match)
        )
    return talks.order_by("-start", "-id")
