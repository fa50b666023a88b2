"""The series admin: organisers edit their own series' description, website and contact."""

from django.contrib import admin

from ..mail.models import with_subscriber_counts
from ..models import Series
from .display import HTTPS_URL_FIELDS
from .scoping import (
    OrganisedSeriesAdmin,
)


@admin.register(Series)
class SeriesAdmin(OrganisedSeriesAdmin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "slug", "contact", "talk_count", "subscriber_count"]
    search_fields = ["name", "description", "contact"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "slug",
        "description",
        "website",
        "contact",
        "organisers",
        "join_access",
        "join_reveal_minutes",
        "registration_url",
    ]
    autocomplete_fields = ["organisers"]

    def get_queryset(self, request):
        # In the model's order; subscribers counted, never listed (their addresses are for
        # site administrators: the Address admin).
        return with_subscriber_counts(super().get_queryset(request).with_talk_counts())

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "subscriber_count"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [*fields, "subscriber_count"] if obj else fields

    @admin.display(description="talks", ordering="talk_count")
    def talk_count(self, obj):
        return obj.talk_count

    @admin.display(description="email subscribers", ordering="subscriber_count")
    def subscriber_count(self, obj):
        """Confirmed addresses following the series (not stopped by refusals)."""
        return getattr(obj, "subscriber_count", 0)
