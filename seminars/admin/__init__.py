"""The admin, where organisers run their series: its talks, speakers and calendar sources.

Who may see and change what is decided in `seminars.organisers` (the rule) and applied to
every admin page by `scoping` (the mixins); the other modules say what each page shows:
`series`, `talks`, `speakers`, `sources` (calendar sources: preview and import),
`invitations` (to organise a series), `addresses` (email subscribers, for site
administrators only) and `registrations` (for talks' join links: counts, capacity, CSV).
They may import the models and the app's services (importing, locks, speakers, ics,
invitations, mail, registration), never views.
"""

from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Series, talks and speakers"
# Four models need no sidebar; without it the talk list fits a 1280px screen.
admin.site.enable_nav_sidebar = False

from . import addresses, invitations, series, sources, speakers, talks  # noqa: E402, F401  (they register the models)
