"""URLs of the site: the public pages under the `seminars` namespace, and the admin."""

from django.contrib import admin
from django.urls import include, path

from . import feeds, views

seminar_patterns = [
    path("", views.upcoming, name="upcoming"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail_short"),
    path("talks/<int:pk>/<slug:slug>/", views.talk_detail, name="talk_detail"),
    path("series/", views.SeriesListView.as_view(), name="series_list"),
    path("series/<slug:slug>/", views.series_detail, name="series_detail"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    # iCalendar feeds
    path("talks.ics", feeds.site_calendar, name="site_ics"),
    path("talks/<int:pk>.ics", feeds.talk_calendar, name="talk_ics"),
    path("series/<slug:slug>.ics", feeds.series_calendar, name="series_ics"),
    path("speakers/<slug:slug>.ics", feeds.speaker_calendar, name="speaker_ics"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((seminar_patterns, "seminars"))),
]
