"""Atom feeds of upcoming talks, site-wide and per series, for feed readers."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..models import Series, Talk

FEED_SIZE = 50


class UpcomingTalksFeed(Feed):
    feed_type = Atom1Feed
    description_template = "seminars/feed_item.html"

    def title(self):
        return f"{settings.SITE_NAME}: upcoming talks"

    def link(self):
        return reverse("seminars:upcoming")

    def subtitle(self):
        return "Talks coming up, soonest first."

    def items(self):
        return Talk.objects.upcoming().with_speakers()[:FEED_SIZE]

    def item_title(self, talk):
        prefix = "Cancelled: " if talk.is_cancelled else ""
        speakers = ", ".join(s.name for s in talk.speaker_list)
        return f"{prefix}{talk.title}" + (f" ({speakers})" if speakers else "")

    def item_pubdate(self, talk):
        return talk.created

    def item_updateddate(self, talk):
        return talk.updated

    def item_categories(self, talk):
        return [talk.series.name]


class SeriesTalksFeed(UpcomingTalksFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Series.objects.by_slugs([slug]))  # old slugs too

    def title(self, series):
        return f"{series.name}: upcoming talks"

    def link(self, series):
        return series.get_absolute_url()

    def subtitle(self, series):
        return series.description or f"Upcoming talks in {series.name}."

    def items(self, series):
        return series.talks.upcoming().with_speakers()[:FEED_SIZE]
