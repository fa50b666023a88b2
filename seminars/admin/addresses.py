"""The subscriber addresses, for site administrators only: who subscribes, what was sent to
them, and removing an address with all its data in one step (Django's delete, which
cascades to its subscriptions and deliveries). Organisers see their series' subscriber
counts on the series pages, never the addresses."""

from django.contrib import admin
from django.db.models import Count

from ..mail.models import Address, Delivery, DigestDelivery, Subscription
from ..organisers import is_site_admin


class SiteAdminOnly:
    """Everything of the model for site administrators, nothing for anyone else (not merely
    hidden: each permission says no)."""

    def has_module_permission(self, request):
        return is_site_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_site_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False  # addresses subscribe themselves, with double opt-in

    def has_change_permission(self, request, obj=None):
        return False  # what an address follows is its own to change (its manage page)

    def has_delete_permission(self, request, obj=None):
        return is_site_admin(request.user)


class SubscriptionInline(SiteAdminOnly, admin.TabularInline):
    model = Subscription
    fields = ["series", "reminders", "digest", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class DeliveryInline(SiteAdminOnly, admin.TabularInline):
    model = Delivery
    fields = ["talk", "kind", "start", "status", "claimed_at", "sent_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "emails about talks"


class DigestDeliveryInline(SiteAdminOnly, admin.TabularInline):
    model = DigestDelivery
    fields = ["week", "status", "sent_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "weekly digests"


@admin.register(Address)
class AddressAdmin(SiteAdminOnly, admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "zone", "subscription_count", "refusals", "stopped"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    fields = ["email", "zone", "created", "confirmed_at", "confirmation_sent_at", "refusals"]
    readonly_fields = fields
    inlines = [SubscriptionInline, DeliveryInline, DigestDeliveryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscription_count=Count("subscriptions"))

    @admin.display(description="series followed", ordering="subscription_count")
    def subscription_count(self, obj):
        return obj.subscription_count

    @admin.display(description="mail stopped", boolean=True)
    def stopped(self, obj):
        return obj.is_stopped
