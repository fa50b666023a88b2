"""URLs of the site: the public pages under the `seminars` namespace, and the admin."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from . import api, embeds, follow, health, sitemaps, views, zones
from .caching import cached_page
from .feeds import calendars
from .feeds.atom import SeriesTalksFeed, UpcomingTalksFeed
from .invitations import views as invitation_views
from .mail import views as mail_views
from .registration import views as registration_views
from .speaker_links import views as speaker_link_views

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
    path("speakers/<slug:slug>/photo.jpg", views.speaker_photo, name="speaker_photo"),
    path("follow/", follow.follow, name="follow"),
    path("zone/", zones.choose_zone, name="zone"),
    # iCalendar feeds
    path("talks.ics", calendars.site_calendar, name="site_ics"),
    path("talks/<int:pk>.ics", calendars.talk_calendar, name="talk_ics"),
    path("talks/<int:pk>/slides.pdf", views.talk_slides, name="talk_slides"),
    path("series/<slug:slug>.ics", calendars.series_calendar, name="series_ics"),
    path("speakers/<slug:slug>.ics", calendars.speaker_calendar, name="speaker_ics"),
    # Atom feeds for feed readers
    path("upcoming.atom", cached_page(UpcomingTalksFeed()), name="upcoming_atom"),
    path("series/<slug:slug>.atom", cached_page(SeriesTalksFeed()), name="series_atom"),
    # Listings for other sites' iframes, the only pages that may be framed
    path("embed/series/<slug:slug>/", embeds.series_embed, name="series_embed"),
    path("embed/talks/", embeds.talks_embed, name="talks_embed"),
    path("embed/speakers/<slug:slug>/", embeds.speaker_embed, name="speaker_embed"),
    # Subscriptions by email
    path("mail/subscribe/", mail_views.subscribe, name="mail_subscribe"),
    path("mail/confirm/<str:key>/", mail_views.confirm, name="mail_confirm"),
    path("mail/manage/<str:key>/", mail_views.manage, name="mail_manage"),
    path("mail/unsubscribe/<str:key>/", mail_views.unsubscribe, name="mail_unsubscribe"),
    # A speaker's own edit link for their talk
    path("talks/<int:pk>/speaker/<str:key>/", speaker_link_views.edit, name="speaker_edit"),
    # Invitations to organise a series
    path("invitations/<str:key>/", invitation_views.accept, name="invitation"),
    # Registration for a talk's join link
    path("registration/talk/<int:pk>/", registration_views.register, name="registration_register"),
    path(
        "registration/confirm/<str:key>/", registration_views.confirm, name="registration_confirm"
    ),
    path("registration/cancel/<str:key>/", registration_views.cancel, name="registration_cancel"),
    # The read-only JSON API
    path("api/talks.json", api.talks, name="api_talks"),
    path("api/series.json", api.series_list, name="api_series"),
    path("api/speakers/<slug:slug>.json", api.speaker_detail, name="api_speaker"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<slug:section>-<int:number>.xml", sitemaps.sitemap_page, name="sitemap_page"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # Browsers ask for /favicon.ico on pages that link no icon (the admin's) and some on every
    # page: send them to the icon. Lazy, as the static file's hashed name is in the manifest.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("seminars/favicon.svg"))),
    path("healthz", health.healthz, name="healthz"),
    path("", include((seminar_patterns, "seminars"))),
]
