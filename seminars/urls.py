"""URLs of the site: the public pages under the `seminars` namespace, and the admin."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from . import feeds, health, views
from .sitemaps import SITEMAPS
from .syndication import SeriesTalksFeed, UpcomingTalksFeed

seminar_patterns = [
    path("", views.upcoming, name="upcoming"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail_short"),
    path("talks/<int:pk>/<slug:slug>/", views.talk_detail, name="talk_detail"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:year>/", views.archive, name="archive_year"),
    path("search/", views.search, name="search"),
    path("series/", views.series_list, name="series_list"),
    path("series/<slug:slug>/", views.series_detail, name="series_detail"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    # iCalendar feeds
    path("talks.ics", feeds.site_calendar, name="site_ics"),
    path("talks/<int:pk>.ics", feeds.talk_calendar, name="talk_ics"),
    path("series/<slug:slug>.ics", feeds.series_calendar, name="series_ics"),
    path("speakers/<slug:slug>.ics", feeds.speaker_calendar, name="speaker_ics"),
    # Atom feeds for feed readers
    path("upcoming.atom", UpcomingTalksFeed(), name="upcoming_atom"),
    path("series/<slug:slug>.atom", SeriesTalksFeed(), name="series_atom"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("healthz", health.healthz, name="healthz"),
    path("", include((seminar_patterns, "seminars"))),
]
