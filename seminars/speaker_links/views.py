"""The page a speaker link opens: the speaker's form for that talk. Thin: the rules are in
links.py (which keys open it) and editing.py (what a save does)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import materials
from . import editing, links
from .forms import SpeakerEditForm


@never_cache  # it holds a CSRF token, and the key is a password of sorts
@require_http_methods(["GET", "POST"])
def edit(request, pk, key):
    try:
        link = links.read(pk, key)
    except links.BadLink as error:
        return _bad_link(request, error)
    place = link.talk_speaker
    if request.method == "POST":
        form = SpeakerEditForm(request.POST, request.FILES, talk_speaker=place)
        if form.is_valid():
            try:
                changed = editing.save(link, form.cleaned_data)
            except links.BadLink as error:
                return _bad_link(request, error)
            if changed:
                messages.success(request, "Saved: the talk's page shows your changes.")
            else:
                messages.info(request, "Nothing had changed.")
            return redirect(request.path)
    else:
        form = SpeakerEditForm(talk_speaker=place)
    context = {
        "form": form,
        "talk": place.talk,
        "speaker": place.speaker,
        "expires": link.expires_at(),
        "materials_public": materials.public(place.talk, timezone.now()),
    }
    return _private(render(request, "seminars/speaker_links/edit.html", context))


def _bad_link(request, error):
    context = {"message": str(error)}
    return _private(
        render(request, "seminars/speaker_links/bad_link.html", context, status=error.status)
    )


def _private(response):
    # The key is in the URL: no search engine, no Referer to the sites the page links. Not
    # "no-referrer", with which browsers send the form as from `Origin: null` and Django's
    # CSRF check refuses it.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
