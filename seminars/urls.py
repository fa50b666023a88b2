"""URLs of the site: the public pages under the `seminars` namespace, and the admin."""

from django.contrib import admin
from django.urls import include, path

from . import views

seminar_patterns = [
    path("", views.upcoming, name="upcoming"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail_short"),
    path("talks/<int:pk>/<slug:slug>/", views.talk_detail, name="talk_detail"),
    path("series/", views.SeriesListView.as_view(), name="series_list"),
    path("series/<slug:slug>/", views.series_detail, name="series_detail"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((seminar_patterns, "seminars"))),
]
