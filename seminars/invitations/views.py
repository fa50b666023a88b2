"""The page an invitation's link opens: accept it as the account logged in, by logging in to
the account the address has, or by making a new one. Thin: the work is in accepting.py."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import accepting, links
from .forms import AccountForm

# Of the site's backends (axes first, which only counts failures), the one that logs in.
BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache  # it holds a CSRF token and says who is logged in
@require_http_methods(["GET", "POST"])
def accept(request, key):
    try:
        invitation = links.read(key)
    except links.BadLink as error:
        return _bad_link(request, error)
    post = request.POST if request.method == "POST" else None
    current = request.user if request.user.is_authenticated and request.user.is_active else None
    existing = None if current else accepting.account_for(invitation.email)
    if existing is not None:
        # The account may be the one an acceptance of this invitation made a moment ago:
        # read the invitation again, after the account, so that this one is told it is used.
        try:
            invitation = links.read(key)
        except links.BadLink as error:
            return _bad_link(request, error)
    form = None
    if existing is not None:
        form = AuthenticationForm(request, data=post, initial={"username": existing.username})
    elif current is None:
        initial = {"username": invitation.email.split("@")[0]}
        form = AccountForm(data=post, initial=initial, email=invitation.email)
    if post is not None and (form is None or form.is_valid()):
        new_account = {}
        if current is not None:
            user = current
        elif existing is not None:
            user = form.get_user()  # whichever account its owner logged in to
        else:
            user = None
            data = form.cleaned_data
            new_account = {"username": data["username"], "password": data["password1"]}
        try:
            user = accepting.accept(invitation, user=user, **new_account)
        except links.BadLink as error:
            return _bad_link(request, error)
        except accepting.UsernameTaken:
            form.add_error("username", "That username was taken a moment ago: choose another.")
        else:
            if current is None:
                login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome: you now organise {invitation.series.name}.")
            return redirect(reverse("admin:seminars_series_change", args=[invitation.series.pk]))
    context = {"invitation": invitation, "form": form, "current": current, "existing": existing}
    return render(request, "seminars/invitations/accept.html", context)


def _bad_link(request, error):
    context = {"message": str(error), "invitation": error.invitation}
    return render(request, "seminars/invitations/bad_link.html", context, status=error.status)
