"""The sitemap: pages, series, speakers and talks."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Series, Speaker, Talk


class PagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["seminars:upcoming", "seminars:series_list", "seminars:archive"]

    def location(self, name):
        return reverse(name)


class SeriesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Series.objects.listed().order_by("pk")

    def lastmod(self, series):
        return series.updated


class SpeakerSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Speaker.objects.order_by("pk")

    def lastmod(self, speaker):
        return speaker.updated


class TalkSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Talk.objects.order_by("pk").only("pk", "slug", "updated")

    def lastmod(self, talk):
        return talk.updated


SITEMAPS = {
    "pages": PagesSitemap,
    "series": SeriesSitemap,
    "speakers": SpeakerSitemap,
    "talks": TalkSitemap,
}
