"""The pages of registration: the form's answer, confirming and cancelling. Thin: the work
is in registering.py, and the worker sends (tasks.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import joining
from ..models import Talk
from ..security import client_address
from ..zones import zone_named
from . import links, registering
from .models import Registration
from .tasks import send_registration_confirmation_task

NAME_LENGTH = Registration._meta.get_field("name").max_length


# Exempt from CSRF: the form is on the talk's cached page, which carries no token, and a
# forged request can do no more than a real one (one throttled confirmation email).
@csrf_exempt
@require_POST
def register(request, pk):
    """The form's POST: the same answer whatever the address (new, known or throttled)."""
    talk = get_object_or_404(Talk.objects.select_related("series"), pk=pk)
    if not settings.EMAIL_OFFERED:
        return render(request, "seminars/mail/not_offered.html", status=503)
    context = {"talk": talk}
    closed = registering.closed_reason(talk)
    if closed:
        return render(
            request,
            "seminars/registration/closed.html",
            {**context, "message": closed},
            status=410,
        )
    if registering.is_full(talk):
        return render(request, "seminars/registration/full.html", context, status=409)
    email = request.POST.get("email", "").strip()
    name = " ".join(request.POST.get("name", "").split())
    problems = []
    if not name:
        problems.append("Please give your name.")
    elif len(name) > NAME_LENGTH:
        problems.append(f"Please give a name of at most {NAME_LENGTH} characters.")
    try:
        validate_email(email)
    except ValidationError:
        problems.append("Please give an email address, such as name@example.org.")
    if problems:
        context["problems"] = problems
        return render(request, "seminars/registration/problem.html", context, status=400)
    zone = zone_named(request.POST.get("tz")) or zone_named(settings.TIME_ZONE)
    registration = registering.request_registration(
        talk=talk,
        email=email,
        name=name,
        zone=zone.key if zone else settings.TIME_ZONE,
        client=client_address(request),
    )
    if registration is not None:
        send_registration_confirmation_task.enqueue(registration_pk=registration.pk)
    return render(request, "seminars/registration/check_inbox.html", {**context, "email": email})


def _bad_link(request, error):
    context = {"message": str(error)}
    return render(request, "seminars/registration/bad_link.html", context, status=400)


@require_http_methods(["GET", "POST"])
def confirm(request, key):
    """GET shows a button (mail scanners follow links); its POST confirms."""
    try:
        registration, _ = links.read(key, salt=links.CONFIRM)
    except links.BadLink as error:
        return _bad_link(request, error)
    context = {
        "registration": registration,
        "talk": registration.talk,
        "cancel_url": links.cancel_url(registration),
        "minutes": joining.reveal_minutes(registration.talk),
    }
    sends_at = joining.link_sent_at(registration.talk)
    context["later"] = sends_at is not None and sends_at > timezone.now()
    if request.method == "POST":
        outcome = registering.confirm(registration)
        status = {registering.FULL: 409, registering.CLOSED: 410}.get(outcome, 200)
        context["outcome"] = outcome
        if outcome == registering.CLOSED:
            context["message"] = registering.closed_reason(registration.talk)
        return render(request, "seminars/registration/confirmed.html", context, status=status)
    return render(request, "seminars/registration/confirm.html", context)


@require_http_methods(["GET", "POST"])
def cancel(request, key):
    """GET shows a button; its POST cancels the registration."""
    try:
        registration, _ = links.read(key, salt=links.CANCEL)
    except links.BadLink as error:
        return _bad_link(request, error)
    context = {"registration": registration, "talk": registration.talk}
    if request.method == "POST":
        registering.cancel(registration)
        return render(request, "seminars/registration/cancelled.html", context)
    return render(request, "seminars/registration/cancel.html", context)
