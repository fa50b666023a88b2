"""Search over talks: titles, abstracts, speakers, series and venues.

On PostgreSQL, titles, venues and abstracts are matched with full-text search over a GIN index
(word prefixes, so "quant" finds "quantum"); elsewhere with a plain substring match. Speaker
names and affiliations and series names, short and few, are substring matches on both.
"""

import re

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from .models import Talk, TalkSpeaker

MAX_WORDS = 8
_TOKEN = re.compile(r"\w+")

# The "simple" configuration neither stems nor drops stop words: a search for "the" or
# "graphs" finds what a substring search would, and names are left alone.
TALK_TEXT = SearchVector("title", "venue", "abstract", config="simple")
TALK_TEXT_INDEX = GinIndex(TALK_TEXT, name="talk_text_search_idx")


def search_talks(talks, query: str):
    """Talks matching every word of `query` in some field, newest first."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return talks.none()
    for word in words:
        if connection.vendor == "postgresql":
            talks = talks.filter(pk__in=_matching_ids_full_text(word))
        else:
            talks = talks.filter(
                Q(title__icontains=word)
                | Q(abstract__icontains=word)
                | Q(venue__icontains=word)
                | Q(series__name__icontains=word)
                | Exists(_speaker_match(word).filter(talk=OuterRef("pk")))
            )
    return talks.order_by("-start", "-id")


def _speaker_match(word):
    return TalkSpeaker.objects.filter(
        Q(speaker__name__icontains=word) | Q(speaker__affiliation__icontains=word)
    )


def _matching_ids_full_text(word):
    """Ids of talks matching `word`, as one UNION so each part can use its own index."""
    by_series = Talk.objects.filter(series__name__icontains=word).values("pk")
    by_speaker = _speaker_match(word).values("talk_id")
    tokens = _TOKEN.findall(word.lower())
    if not tokens:
        return by_series.union(by_speaker)
    prefixes = " & ".join(f"{token}:*" for token in tokens)
    by_text = (
        Talk.objects.alias(text=TALK_TEXT)
        .filter(text=SearchQuery(prefixes, search_type="raw", config="simple"))
        .values("pk")
    )
    return by_text.union(by_series, by_speaker)
