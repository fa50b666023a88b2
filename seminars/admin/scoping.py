"""The organisers' rule (seminars.organisers) applied to the admin: mixins for the model
admins and inlines, and the series filter, so that organisers see and change their own
series' rows only."""

from django.contrib import admin

from ..models import Series
from ..organisers import (
    changeable_speakers,
    is_site_admin,
    organised_series,
    organised_series_ids,
    organises_any,
)


class OrganiserScopedAdmin:
    """A ModelAdmin mixin for rows that belong to a series, found through `series_path`.

    Organisers see, add, change and delete only the rows of their series; a staff account
    that organises nothing sees none of it; superusers see everything. Refusals are the
    admin's own (a 403 page, or "doesn't exist" for another series' row).
    """

    series_path = "series"  # from the model to its Series, in ORM lookup form

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_site_admin(request.user):
            return queryset
        return queryset.filter(**{f"{self.series_path}__in": organised_series(request.user)})

    def has_module_permission(self, request):
        return organises_any(request.user)

    def has_view_permission(self, request, obj=None):
        return self._runs(request, obj)

    def has_add_permission(self, request):
        return organises_any(request.user)

    def has_change_permission(self, request, obj=None):
        return self._runs(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._runs(request, obj)

    def _runs(self, request, obj) -> bool:
        if is_site_admin(request.user):
            return True
        if obj is None:
            return organises_any(request.user)
        return self._series_id(obj) in organised_series_ids(request.user)

    def _series_id(self, obj):
        """The id of `obj`'s series: read off the row for a path of one step."""
        if self.series_path == "pk":
            return obj.pk
        if "__" not in self.series_path:
            return getattr(obj, f"{self.series_path}_id")
        rows = type(obj)._default_manager.filter(pk=obj.pk)
        return rows.values_list(self.series_path, flat=True).first()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A row can be put only into a series its organiser runs: another series' id in a
        # POST is then a form error ("Select a valid choice"), and nothing is saved.
        if db_field.related_model is Series:
            kwargs["queryset"] = organised_series(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganisedSeriesAdmin(OrganiserScopedAdmin):
    """The mixin for Series itself: organisers edit what visitors read of their own series.

    Who runs a series, its name and its URL, and adding or deleting series, stay with site
    administrators: an organiser must not hand a series on, nor break its links.
    """

    series_path = "pk"
    site_admin_fields = ["name", "slug", "organisers"]

    def has_add_permission(self, request):
        return is_site_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_site_admin(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if is_site_admin(request.user):
            return fields
        return [*self.site_admin_fields, *fields]

    def get_prepopulated_fields(self, request, obj=None):
        # A read-only slug has no input to fill in from the name.
        if is_site_admin(request.user):
            return super().get_prepopulated_fields(request, obj)
        return {}


class OrganiserSpeakerAdmin:
    """The mixin for Speaker: every organiser sees every speaker and adds new ones; a speaker
    is changed or deleted only by organisers running all its talks; merging is for site
    administrators (an action declared with `permissions=["merge"]`)."""

    def has_module_permission(self, request):
        return organises_any(request.user)

    def has_view_permission(self, request, obj=None):
        return organises_any(request.user)

    def has_add_permission(self, request):
        return organises_any(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None or is_site_admin(request.user):
            return organises_any(request.user)
        return changeable_speakers(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_merge_permission(self, request):
        return is_site_admin(request.user)


class ParentScopedInline:
    """An inline mixin: whoever may change the parent row may change its inline rows (a talk's
    speakers), with no Django permission on the inline's own model."""

    def _parent_allows(self, request, obj) -> bool:
        parent_admin = self.admin_site.get_model_admin(self.parent_model)
        if obj is None:  # the parent's add page
            return parent_admin.has_add_permission(request)
        return parent_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        parent_admin = self.admin_site.get_model_admin(self.parent_model)
        return parent_admin.has_view_permission(request, obj)

    def has_add_permission(self, request, obj):
        return self._parent_allows(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_allows(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_allows(request, obj)


class OrganisedSeriesFilter(admin.SimpleListFilter):
    """Filter by series, offering only the series the user runs."""

    title = "series"
    parameter_name = "series"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name) for pk, name in organised_series(request.user).values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in {value for value, _ in self.lookup_choices}:
            return queryset.none()  # another series' id, or no id at all
        return queryset.filter(series_id=self.value())
