"""Invitations to organise a series: organisers invite for their own series, site
administrators for any; the list says where each one is (waiting, sent, accepted, expired,
not sent). An invitation is not changed once made: it is sent again, or deleted, which
voids its link."""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse

from ..invitations import sending
from ..invitations.forms import InvitationForm
from ..invitations.models import Invitation
from ..invitations.tasks import queue_sending
from ..organisers import organises_any
from .scoping import OrganisedSeriesFilter, OrganiserScopedAdmin

SHOWN = [
    "email",
    "series",
    "status_label",
    "invited_by",
    "created_at",
    "sent_at",
    "expires",
    "failure",
    "accepted_at",
    "accepted_by",
]


@admin.register(Invitation)
class InvitationAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    form = InvitationForm
    list_display = ["email", "series", "status_label", "invited_by", "created_at", "expires"]
    list_filter = [OrganisedSeriesFilter]
    list_select_related = ["series", "invited_by"]
    search_fields = ["email"]
    readonly_fields = ["status_label", "expires"]
    actions = ["send_again"]

    def get_fields(self, request, obj=None):
        return ["email", "series"] if obj is None else SHOWN

    def has_change_permission(self, request, obj=None):
        return False  # made, sent, accepted: its page only shows it

    def response_delete(self, request, obj_display, obj_id):
        # With no change permission the admin would go back to its index: back to the list.
        response = super().response_delete(request, obj_display, obj_id)
        if response.get("Location") == reverse("admin:index"):
            response["Location"] = reverse("admin:seminars_invitation_changelist")
        return response

    def has_resend_permission(self, request):
        return organises_any(request.user)

    @admin.display(description="status")
    def status_label(self, obj):
        label = Invitation.Status(obj.status()).label
        return f"{label}: {obj.failure}" if obj.failure else label

    @admin.display(description="link works until")
    def expires(self, obj):
        return obj.expires_at() if not obj.accepted_at else None

    def save_model(self, request, obj, form, change):
        obj.invited_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            queue_sending(obj)
        self.message_user(request, f"The email to {obj.email} goes out in a moment.")

    @admin.action(description="Send again (its link works anew)", permissions=["resend"])
    def send_again(self, request, queryset):
        pks = list(queryset.filter(accepted_at__isnull=True).values_list("pk", flat=True))
        with transaction.atomic():
            sending.send_again(Invitation.objects.filter(pk__in=pks))
            for invitation in Invitation.objects.filter(pk__in=pks):
                queue_sending(invitation)
        skipped = queryset.count() - len(pks)
        text = f"{len(pks)} invitation(s) will be sent again."
        if skipped:
            text += f" {skipped} accepted already, left alone."
        self.message_user(request, text, messages.SUCCESS if pks else messages.WARNING)
