"""The talk's speaker links page in the admin (/admin/seminars/talk/<id>/speaker-links/):
for each speaker of the talk, their link to copy, a new one, revoking it, or emailing it
through the worker. Only whoever may change the talk reaches it (the talk admin's scoping)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from ..speaker_links import links, sending
from ..speaker_links.models import SpeakerLink


class EmailForm(forms.Form):
    email = forms.EmailField(label="Speaker's email address")


class SpeakerLinksAdmin:
    """Mixed into TalkAdmin: the speaker links page and its URL."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/speaker-links/",
                self.admin_site.admin_view(self.speaker_links_view),
                name="seminars_talk_speaker_links",
            ),
            *super().get_urls(),
        ]

    def speaker_links_view(self, request, object_id):
        talk = self.get_object(request, unquote(object_id))
        if talk is None:
            raise Http404("No such talk, or not one of yours.")
        if not self.has_change_permission(request, talk):
            raise PermissionDenied
        places = list(talk.talk_speakers.select_related("speaker"))
        if request.method == "POST":
            return self._act(request, talk, places)
        live = {
            link.talk_speaker_id: link
            for link in SpeakerLink.objects.live().filter(talk_speaker__talk=talk)
        }
        rows = [
            {
                "place": place,
                "link": live.get(place.pk),
                "url": links.url(live[place.pk]) if place.pk in live else "",
                "form": EmailForm(prefix=f"s{place.pk}"),
            }
            for place in places
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": talk,
            "title": f"Speaker links: {talk.title}",
            "rows": rows,
        }
        return TemplateResponse(request, "admin/seminars/talk/speaker_links.html", context)

    def _act(self, request, talk, places):
        place = next((p for p in places if str(p.pk) == request.POST.get("speaker")), None)
        if place is None:
            messages.error(request, "That speaker is no longer on this talk.")
            return redirect(request.path)
        name = place.shown_speaker.name
        action = request.POST.get("action")
        with transaction.atomic():
            if action == "make":
                links.make(place, by=request.user)
                messages.success(request, f"A new link for {name}; an older one no longer works.")
            elif action == "revoke":
                if links.revoke(place):
                    messages.success(request, f"{name}'s link no longer works.")
                else:
                    messages.info(request, f"{name} had no link.")
            elif action == "email":
                form = EmailForm(request.POST, prefix=f"s{place.pk}")
                if not form.is_valid():
                    messages.error(request, f"Give a valid email address for {name}.")
                    return redirect(request.path)
                link = SpeakerLink.objects.live().filter(talk_speaker=place).first()
                link = link or links.make(place, by=request.user)
                sending.request(link, form.cleaned_data["email"], by=request.user)
                messages.success(
                    request, f"The link is on its way to {form.cleaned_data['email']}."
                )
            else:
                messages.error(request, "Unknown action.")
        return redirect(request.path)
