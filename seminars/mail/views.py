"""The pages of subscriptions by email: the form's answer, confirming, managing and
unsubscribing. Thin: the work is in subscribing.py, and the worker sends (tasks.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..models import Series
from ..security import client_address
from ..zones import zone_named
from . import links, subscribing
from .tasks import send_confirmation_task

ONE_CLICK = ("List-Unsubscribe", "One-Click")


# Exempt from CSRF: the form is on cached pages, which carry no token, and a forged request
# can do no more than a real one (one throttled confirmation email, nothing subscribed).
@csrf_exempt
@require_POST
def subscribe(request):
    """The form's POST: the same answer whatever the address (known, unknown or throttled)."""
    if not settings.EMAIL_OFFERED:
        return render(request, "seminars/mail/not_offered.html", status=503)
    email = request.POST.get("email", "").strip()
    series = list(Series.objects.by_slugs(request.POST.getlist("series")))
    reminders, digest = "reminders" in request.POST, "digest" in request.POST
    problems = []
    try:
        validate_email(email)
    except ValidationError:
        problems.append("Please give an email address, such as name@example.org.")
    if not series:
        problems.append("Please subscribe from a series' page or the follow page.")
    if not (reminders or digest):
        problems.append("Please choose reminders, the weekly digest or both.")
    if problems:
        context = {"problems": problems}
        return render(request, "seminars/mail/subscribe_problem.html", context, status=400)
    zone = zone_named(request.POST.get("tz")) or zone_named(settings.TIME_ZONE)
    address = subscribing.request_subscription(
        email=email,
        series_pks=[s.pk for s in series],
        reminders=reminders,
        digest=digest,
        zone=zone.key if zone else settings.TIME_ZONE,
        client=client_address(request),
    )
    if address is not None:
        # Sent by the worker at once; should the SMTP server fail, it stays waiting and the
        # next `send_due` run sends it.
        send_confirmation_task.enqueue(address_pk=address.pk)
    return render(request, "seminars/mail/check_inbox.html", {"email": email})


def _bad_link(request, error):
    return render(request, "seminars/mail/bad_link.html", {"message": str(error)}, status=400)


@require_http_methods(["GET", "POST"])
def confirm(request, key):
    """GET shows a button (mail scanners follow links); its POST confirms."""
    try:
        address, payload = links.read(key, salt=links.CONFIRM)
    except links.BadLink as error:
        return _bad_link(request, error)
    requested = payload.get("r", {})
    series = Series.objects.filter(pk__in=requested.get("series", []))
    if request.method == "POST":
        subscribing.confirm(address, requested)
        return render(
            request,
            "seminars/mail/confirmed.html",
            {"series": series, "manage_url": links.manage_url(address)},
        )
    return render(request, "seminars/mail/confirm.html", {"series": series, "address": address})


@require_http_methods(["GET", "POST"])
def manage(request, key):
    """The address's subscriptions, each with what it gets, to change or end."""
    try:
        address, _ = links.read(key, salt=links.MANAGE)
    except links.BadLink as error:
        return _bad_link(request, error)
    saved = False
    if request.method == "POST":
        wanted = {}
        for subscription in address.subscriptions.all():
            pk = subscription.series_id
            wanted[pk] = (f"reminders-{pk}" in request.POST, f"digest-{pk}" in request.POST)
        subscribing.change(address, wanted)
        saved = True
    subscriptions = address.subscriptions.select_related("series").order_by("series__name")
    return render(
        request,
        "seminars/mail/manage.html",
        {
            "address": address,
            "subscriptions": subscriptions,
            "saved": saved,
            "unsubscribe_all": reverse(
                "seminars:mail_unsubscribe", args=[links.unsubscribe_key(address)]
            ),
        },
    )


# Exempt from CSRF: mail clients POST the one-click body with no token (RFC 8058); any
# other body is refused below, so the exemption serves that one request only.
@csrf_exempt
def unsubscribe(request, key):
    """GET: a page with a button. POST `List-Unsubscribe=One-Click`: unsubscribe at once."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    try:
        address, payload = links.read(key, salt=links.UNSUBSCRIBE)
    except links.BadLink as error:
        return _bad_link(request, error)
    series = Series.objects.filter(pk=payload.get("s")).first() if payload.get("s") else None
    if request.method == "POST":
        if request.POST.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            return _bad_link(request, "This request does not say List-Unsubscribe=One-Click.")
        subscribing.unsubscribe(address, payload.get("s"))
        return render(request, "seminars/mail/unsubscribed.html", {"series": series})
    return render(request, "seminars/mail/unsubscribe.html", {"series": series, "address": address})
