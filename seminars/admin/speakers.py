"""The speaker admin: organisers change the speakers only their series have; merging."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.template.response import TemplateResponse

from ..models import Speaker, Talk, TalkSpeaker
from ..speakers import merge_speakers
from .display import HTTPS_URL_FIELDS
from .locking import LockedChanges
from .scoping import (
    OrganiserSpeakerAdmin,
)


@admin.register(Speaker)
class SpeakerAdmin(LockedChanges, OrganiserSpeakerAdmin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "affiliation", "talk_count"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_selected"]
    calendar = "A calendar of this speaker's talks"

    def locked_talk_ids(self, request, object_id) -> list[int]:
        """A speaker's save or delete changes its talks' calendar entries: their ids, for a
        speaker this user may change (another's locks are none of their business)."""
        try:
            speaker = Speaker.objects.filter(pk=int(unquote(object_id or ""))).first()
        except ValueError:
            return []
        if speaker is None or not self.has_change_permission(request, speaker):
            return []
        return list(speaker.talk_speakers.values_list("talk_id", flat=True))

    def get_queryset(self, request):
        return super().get_queryset(request).with_talk_counts()  # in the model's order

    @admin.display(description="talks", ordering="talk_count")
    def talk_count(self, obj):
        return obj.talk_count

    # A speaker's name and affiliation show in its talks' calendar entries, which subscribed
    # calendars take again only with a higher SEQUENCE.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "affiliation"} & set(form.changed_data):
            obj.talks.changed()

    def delete_model(self, request, obj):
        self.delete_queryset(request, Speaker.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        talk_ids = list(TalkSpeaker.objects.filter(speaker__in=queryset).values_list("talk_id"))
        super().delete_queryset(request, queryset)
        Talk.objects.filter(pk__in=[pk for (pk,) in talk_ids]).changed()

    @admin.action(description="Merge selected speakers", permissions=["merge"])
    def merge_selected(self, request, queryset):
        speakers = list(queryset.order_by("-talk_count", "id"))
        if len(speakers) < 2:
            self.message_user(request, "Select at least two speakers to merge.", messages.WARNING)
            return None
        if request.POST.get("keep"):
            keep = next((s for s in speakers if str(s.pk) == request.POST["keep"]), None)
            if keep is None:
                self.message_user(request, "Choose one of the selected speakers.", messages.ERROR)
                return None
            moved = merge_speakers(keep=keep, others=speakers)
            self.message_user(
                request,
                f"Merged {len(speakers) - 1} speaker(s) into {keep.name}; {moved} talk(s) moved.",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge speakers",
            "speakers": speakers,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/seminars/speaker/merge.html", context)
