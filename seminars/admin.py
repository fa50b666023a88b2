"""The admin, where organisers edit series, talks and speakers."""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils import formats
from django.utils.translation import ngettext

from .models import FeedSource, Series, Speaker, Talk, TalkSpeaker
from .speakers import merge_speakers


def client_address(request) -> str | None:
    """The address login failures are counted against: the client's, past PROXY_COUNT proxies.

    Entries before the proxies' own come from the client and may be forged.
    """
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if settings.PROXY_COUNT and len(forwarded) >= settings.PROXY_COUNT:
        return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")


# A URL typed without a scheme means https (Django 6's default, chosen now).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "slug", "contact", "talk_count"]
    search_fields = ["name", "description", "contact"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_talk_counts()

    @admin.display(description="talks", ordering="talk_count")
    def talk_count(self, obj):
        return obj.talk_count


class TalkSpeakerInline(admin.TabularInline):
    model = TalkSpeaker
    autocomplete_fields = ["speaker"]
    extra = 1
    ordering = ["position"]


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.upcoming()
        if self.value() == "past":
            return queryset.past()
        return queryset


# Instants a day or more from either end of what a datetime holds: every zone's clock shows them.
SHOWABLE = (
    dt.datetime.min.replace(tzinfo=dt.UTC) + dt.timedelta(days=1),
    dt.datetime.max.replace(tzinfo=dt.UTC) - dt.timedelta(days=1),
)


class TalkChangeList(ChangeList):
    """The talk list, whatever dates the talks have or the query string asks for.

    A date the query string asks for that a datetime can't hold (a drill-down past year 9999, or
    a bound that leaves range on its way to UTC) is an incorrect lookup: the admin then shows the
    whole list with a note, as for any other bad lookup.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:  # the drill-down's end, past year 9999
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except OverflowError as error:  # a bound whose UTC time is out of range
            raise IncorrectLookupParameters(error) from error
        # The date drill-down reads `queryset` and converts its dates to the site's zone, which
        # fails at the ends of time; the list itself is already taken, with every talk.
        self.queryset = self.queryset.filter(start__range=SHOWABLE)


class TalkTimeWidget(AdminSplitDateTime):
    """The admin's date and time fields, showing in UTC a stored time that the site's zone
    cannot hold (year 1 or 9999), so that the talk can be opened and corrected."""

    def decompress(self, value):
        try:
            return super().decompress(value)
        except OverflowError:
            return [value.date(), value.time()]


@admin.register(Talk)
class TalkAdmin(admin.ModelAdmin):
    formfield_overrides = {
        **HTTPS_URL_FIELDS,
        models.DateTimeField: {"widget": TalkTimeWidget},
    }
    list_display = ["title", "series", "start_time", "speaker_names", "status"]
    list_filter = ["series", "status", WhenFilter]
    list_select_related = ["series"]
    date_hierarchy = "start"
    search_fields = ["title", "abstract", "speakers__name"]
    inlines = [TalkSpeakerInline]
    autocomplete_fields = ["series"]
    readonly_fields = ["uid", "sequence", "source", "created", "updated"]
    actions = ["cancel_talks", "reconfirm_talks"]
    fieldsets = [
        (None, {"fields": ["series", "title", "status", "abstract"]}),
        ("When and where", {"fields": ["start", "end", "all_day", "venue"]}),
        ("More", {"fields": ["url", "contact"]}),
        ("Calendar", {"fields": ["uid", "sequence", "source", "created", "updated"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "talk_speakers",
                    queryset=TalkSpeaker.objects.select_related("speaker").order_by("position"),
                )
            )
        )

    def get_changelist(self, request, **kwargs):
        return TalkChangeList

    @admin.display(description="start", ordering="start")
    def start_time(self, obj):
        """As the admin shows times; in UTC, saying so, where the site's zone can't hold it."""
        start, _ = obj.local_times()
        text = formats.localize(start)
        return f"{text} UTC" if start.tzinfo is dt.UTC else text

    @admin.display(description="speakers")
    def speaker_names(self, obj):
        return ", ".join(s.name for s in obj.speaker_list)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(fs.has_changed() for fs in formsets)):
            # Subscribed calendars only take a change whose SEQUENCE went up.
            Talk.objects.filter(pk=form.instance.pk).changed()

    @admin.action(description="Cancel selected talks")
    def cancel_talks(self, request, queryset):
        n = queryset.cancel()
        self.message_user(request, ngettext("%d talk cancelled.", "%d talks cancelled.", n) % n)

    @admin.action(description="Reconfirm selected talks")
    def reconfirm_talks(self, request, queryset):
        n = queryset.reconfirm()
        self.message_user(request, ngettext("%d talk reconfirmed.", "%d talks reconfirmed.", n) % n)


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "affiliation", "talk_count"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_talk_counts()

    @admin.display(description="talks", ordering="talk_count")
    def talk_count(self, obj):
        return obj.talk_count

    @admin.action(description="Merge selected speakers")
    def merge_selected(self, request, queryset):
        speakers = list(queryset.order_by("-talk_count", "id"))
        if len(speakers) < 2:
            self.message_user(request, "Select at least two speakers to merge.", messages.WARNING)
            return None
        if request.POST.get("keep"):
            keep = next((s for s in speakers if str(s.pk) == request.POST["keep"]), None)
            if keep is None:
                self.message_user(request, "Choose one of the selected speakers.", messages.ERROR)
                return None
            moved = merge_speakers(keep=keep, others=speakers)
            self.message_user(
                request,
                f"Merged {len(speakers) - 1} speaker(s) into {keep.name}; {moved} talk(s) moved.",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge speakers",
            "speakers": speakers,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/seminars/speaker/merge.html", context)


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    list_display = [
        "location",
        "series",
        "last_run",
        "created_count",
        "updated_count",
        "unchanged_count",
        "cancelled_count",
        "skipped_count",
        "has_error",
    ]
    list_select_related = ["series"]
    search_fields = ["location"]
    readonly_fields = [
        "last_run",
        "last_success",
        "last_error",
        "created_count",
        "updated_count",
        "unchanged_count",
        "cancelled_count",
        "skipped_count",
        "etag",
        "last_modified",
    ]

    @admin.display(description="error", boolean=True)
    def has_error(self, obj):
        return bool(obj.last_error)
