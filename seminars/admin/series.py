"""The series admin: organisers edit their own series' description, website and contact."""

from django.contrib import admin

from ..models import Series
from .display import HTTPS_URL_FIELDS
from .scoping import (
    OrganisedSeriesAdmin,
)


@admin.register(Series)
class SeriesAdmin(OrganisedSeriesAdmin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "slug", "contact", "talk_count"]
    search_fields = ["name", "description", "contact"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "website", "contact", "organisers"]
    autocomplete_fields = ["organisers"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_talk_counts()  # in the model's order

    @admin.display(description="talks", ordering="talk_count")
    def talk_count(self, obj):
        return obj.talk_count
