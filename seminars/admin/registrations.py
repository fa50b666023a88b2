"""Registrations for talks' join links, for the organisers of the talks' series: the number
confirmed in the talk list, the talk's capacity on its page, and a CSV of the registrants
(name, email, confirmed) of the talks selected, which are only ever the user's own (the
talk admin's scoping)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse

from .. import joining
from ..registration.exporting import registrations_csv
from ..registration.models import Registration, RegistrationLimit
from .scoping import ParentScopedInline


class OptionalFormSet(forms.BaseInlineFormSet):
    """A formset that a talk's form may be posted without (a page opened before it was
    added, a script): then it changes nothing, as if it showed no row."""

    def __init__(self, data=None, *args, prefix=None, **kwargs):
        prefix = prefix or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        super().__init__(data, *args, prefix=prefix, **kwargs)


class RegistrationLimitInline(ParentScopedInline, admin.StackedInline):
    """The talk's capacity, for the "registration" mode."""

    model = RegistrationLimit
    formset = OptionalFormSet
    fields = ["capacity"]
    max_num = 1
    can_delete = False
    verbose_name = verbose_name_plural = "registration"


class TalkRegistrations:
    """A TalkAdmin mixin: the talks with their confirmed registrations counted in the list's
    one query (a subquery), a column showing it, and the CSV action."""

    def get_queryset(self, request):
        confirmed = (
            Registration.objects.confirmed()
            .filter(talk=OuterRef("pk"))
            .order_by()
            .values("talk")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(registration_count=Coalesce(Subquery(confirmed), 0))
        )

    @admin.display(description="registered", ordering="registration_count")
    def registrations(self, obj):
        """The confirmed registrations, for a talk that takes them or has some."""
        count = getattr(obj, "registration_count", 0)
        if count or joining.mode(obj) == joining.REGISTRATION:
            return count
        return None  # the admin's "-"

    @admin.action(
        description="Export registrations of selected talks as CSV", permissions=["change"]
    )
    def export_registrations(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        if not pks:
            self.message_user(request, "None of the selected talks is yours.", messages.ERROR)
            return None
        response = HttpResponse(
            registrations_csv(queryset.model.objects.filter(pk__in=pks)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="registrations.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
