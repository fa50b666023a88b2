"""The talk admin: the talk list, the talk form that never undoes an import, and the actions."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.contrib.admin.widgets import AdminSplitDateTime, AdminTextInputWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.forms.boundfield import BoundField
from django.forms.widgets import SplitHiddenDateTimeWidget
from django.template.response import TemplateResponse
from django.utils import dateformat, timezone
from django.utils.translation import ngettext

from ..history import talk_history
from ..locks import Busy, SourceBusy, changing_talks
from ..mail import announcing
from ..mail.tasks import send_now
from ..models import SHOWABLE, Talk, TalkSpeaker, nearest_first_order
from ..years import FIRST_YEAR, LAST_YEAR
from .display import HTTPS_URL_FIELDS, truncated
from .locking import LockedChanges, busy_message
from .registrations import RegistrationLimitInline, TalkRegistrations
from .scoping import (
    OrganisedSeriesFilter,
    OrganiserScopedAdmin,
    ParentScopedInline,
)
from .speaker_links import SpeakerLinksAdmin


class TalkSpeakerForm(forms.ModelForm):
    # Blank for a new row, which then goes after the others (a default of 0 would put it
    # among the first).
    position = forms.IntegerField(
        min_value=0, max_value=32767, required=False, help_text="Blank: after the others."
    )
    shown_homepage = TalkSpeaker._meta.get_field("shown_homepage").formfield(assume_scheme="https")

    class Meta:
        model = TalkSpeaker
        # How the speaker is shown on this talk: usually blank, set by their speaker link.
        fields = ["speaker", "position", "shown_name", "shown_affiliation", "shown_homepage"]


class TalkSpeakerFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(form.instance.pk is None for form in self.initial_forms):
            # A row the form showed is gone: an import or another organiser replaced them.
            now = ", ".join(str(ts.speaker) for ts in self.get_queryset()) or "none"
            raise ValidationError(
                f"The speakers changed while you were editing (by an import or another "
                f"organiser); they are now: {now}. Nothing was saved: open the talk again to "
                "change its speakers."
            )
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        positions = [f.cleaned_data.get("position") for f in kept]
        taken = [p for p in positions if p is not None] + [
            ts.position for ts in self.get_queryset()
        ]
        after = max(taken, default=-1) + 1
        for form, position in zip(kept, positions, strict=True):
            if position is None:
                form.instance.position = after
                after += 1


class TalkSpeakerInline(ParentScopedInline, admin.TabularInline):
    """The talk's speakers in order. A speaker shows with the affiliation (Speaker.__str__),
    in the list and in the search as one types."""

    model = TalkSpeaker
    form = TalkSpeakerForm
    formset = TalkSpeakerFormSet
    autocomplete_fields = ["speaker"]
    extra = 1
    ordering = ["position", "id"]


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.upcoming()
        if self.value() == "past":
            return queryset.past()
        return queryset


class TalkChangeList(ChangeList):
    """The talk list, whatever dates the talks have or the query string asks for.

    A date the query string asks for that a datetime can't hold (a drill-down past year 9999, or
    a bound that leaves range on its way to UTC) is an incorrect lookup: the admin then shows the
    whole list with a note, as for any other bad lookup.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:  # the drill-down's end, past year 9999
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except OverflowError as error:  # a bound whose UTC time is out of range
            raise IncorrectLookupParameters(error) from error
        # The date drill-down reads `queryset` and converts its dates to the site's zone, which
        # fails at the ends of time; the list itself is already taken, with every talk.
        self.queryset = self.queryset.filter(start__range=SHOWABLE)

    def get_ordering_field_columns(self):
        # Unsorted by a column, the list is in TalkAdmin.get_ordering()'s order, which no
        # column shows; don't mark the "when" column as sorted.
        return super().get_ordering_field_columns() if ORDER_VAR in self.params else {}


class _ShowsTheEndsOfTime:
    """A split date and time widget showing in UTC a stored time that the site's zone cannot
    hold (year 1 or 9999), so that the talk can be opened and corrected."""

    def decompress(self, value):
        try:
            return super().decompress(value)
        except OverflowError:
            return [value.date(), value.time()]


class TalkTimeWidget(_ShowsTheEndsOfTime, AdminSplitDateTime):
    """The admin's date and time fields."""


class TalkHiddenTimeWidget(_ShowsTheEndsOfTime, SplitHiddenDateTimeWidget):
    """A time as the talk's form showed it, in hidden inputs."""


class TalkBoundField(BoundField):
    """A field of the talk's form, whose hidden copy of the value the form showed is carried
    over from what was posted, or shows the talk's value now (`TalkForm.shown_now`).

    Django carries over only a hidden copy of one input: a date and time's (two inputs)
    became the value posted, which then looked unchanged.
    """

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        if not only_initial or not self.form.is_bound:
            return super().as_widget(widget, attrs, only_initial)
        widget = widget or self.field.hidden_widget()
        if self.name in self.form.shown_now:
            value = self.field.prepare_value(self.initial)
        else:
            value = self.form._widget_data_value(widget, self.html_initial_name)
        attrs = self.build_widget_attrs(attrs or {}, widget)
        if self.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", self.html_initial_id)
        return widget.render(
            self.html_initial_name, value, attrs=attrs, renderer=self.form.renderer
        )


EDITED_MEANWHILE = (
    "This talk changed while you were editing it: see the fields marked below. Nothing was "
    "saved; your values are still in the form. Save again to keep them."
)


class TalkForm(forms.ModelForm):
    """A talk's form that saves only what the organiser changed, onto the talk as it is now.

    The form carries the values it showed in hidden inputs (Django's `show_hidden_initial`),
    so `changed_data` names what the organiser changed. A field that changed meanwhile (by an
    import or another organiser) and that the organiser left alone keeps its newer value
    (listed in `kept`); one that both changed, differently, is refused with the newer value
    named, and saving again replaces it. A form posted without the values it showed is
    compared with the talk as it is now, as Django does.
    """

    bound_field_class = TalkBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = []
        self.shown_now = set()  # fields whose hidden copy shows the talk's value now
        if self.instance.pk is None:
            return
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField):
                continue  # a file input carries no value back: only a new upload changes it
            if isinstance(field, forms.SplitDateTimeField):
                field.hidden_widget = TalkHiddenTimeWidget
            shown = self.add_initial_prefix(name)
            if not self.is_bound or not field.hidden_widget().value_omitted_from_data(
                self.data, self.files, shown
            ):
                field.show_hidden_initial = True

    def clean(self):
        cleaned_data = super().clean()
        clashes = []
        for name in list(cleaned_data):
            field = self.fields[name]
            if not field.show_hidden_initial:
                continue
            bound = self[name]
            shown = self._widget_data_value(field.hidden_widget(), bound.html_initial_name)
            if not field.has_changed(bound.initial, shown):
                continue  # the talk still has the value the form showed
            if name not in self.changed_data:
                cleaned_data[name] = getattr(self.instance, name)
                self.kept.append(name)
            elif field.has_changed(bound.initial, bound.data):
                clashes.append(name)
        for name in clashes:
            now = _shown_value(self.instance, name)
            self.add_error(name, f"Changed meanwhile (by an import or another organiser) to: {now}")
            self.shown_now.add(name)  # so that saving again replaces it knowingly
        if clashes:
            raise ValidationError(EDITED_MEANWHILE)
        return cleaned_data

    class Meta:
        model = Talk
        fields = []  # TalkAdmin's fieldsets choose them
        widgets = {
            "title": AdminTextInputWidget(attrs={"class": "vLargeTextField"}),
            "venue": AdminTextInputWidget(attrs={"class": "vLargeTextField"}),
        }
        # The admin capitalises a read-only field's label: "iCalendar UID" would read "ICalendar".
        labels = {
            "uid": "Calendar UID",
            "sequence": "Revision",
            "source": "Imported from",
            "created": "Added",
            "updated": "Last changed",
        }


def _shown_value(talk: Talk, name: str) -> str:
    """The value of the field `name` of `talk`, as words for a message."""
    value = getattr(talk, name)
    if talk._meta.get_field(name).choices:
        return str(getattr(talk, f"get_{name}_display")())
    if isinstance(value, dt.datetime):
        zone = timezone.get_default_timezone()
        try:
            return dateformat.format(value.astimezone(zone), "D j M Y, H:i")
        except OverflowError:
            return dateformat.format(value.astimezone(dt.UTC), "D j M Y, H:i") + " UTC"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "(empty)"


@admin.register(Talk)
class TalkAdmin(
    SpeakerLinksAdmin, TalkRegistrations, LockedChanges, OrganiserScopedAdmin, admin.ModelAdmin
):
    formfield_overrides = {
        **HTTPS_URL_FIELDS,
        models.DateTimeField: {"widget": TalkTimeWidget},
    }
    list_display = ["when", "title_cell", "series_cell", "speaker_names", "status", "registrations"]
    list_display_links = ["title_cell"]
    list_filter = [OrganisedSeriesFilter, "status", WhenFilter]
    list_select_related = ["series"]
    date_hierarchy = "start"
    search_fields = ["title", "speakers__name", "venue"]
    inlines = [TalkSpeakerInline, RegistrationLimitInline]
    autocomplete_fields = ["series"]
    form = TalkForm
    readonly_fields = ["uid", "sequence", "source", "created", "updated"]
    actions = [
        "cancel_talks",
        "reconfirm_talks",
        "repeat_next_week",
        "announce_talks",
        "export_registrations",
    ]
    fieldsets = [
        (None, {"fields": ["series", "title", "status", "abstract"]}),
        ("When and where", {"fields": ["start", "end", "all_day", "venue"]}),
        (
            "Online",
            {
                "fields": [
                    "online",
                    "join_url",
                    "join_access",
                    "join_reveal_minutes",
                    "registration_url",
                    "livestream_url",
                    "recording_url",
                    "slides_url",
                    "slides_file",
                ]
            },
        ),
        ("More", {"fields": ["url", "contact"]}),
        ("Calendar", {"fields": ["uid", "sequence", "source", "created", "updated"]}),
    ]

    class Media:
        css = {"all": ["seminars/admin.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "talk_speakers",
                    queryset=TalkSpeaker.objects.select_related("speaker").order_by("position"),
                )
            )
        )

    def get_ordering(self, request):
        """Upcoming talks first, soonest first, then past ones, latest first, as feeds keep
        them; a click on a column's header sorts by that column instead."""
        return nearest_first_order()

    def get_changelist(self, request, **kwargs):
        return TalkChangeList

    def get_fieldsets(self, request, obj=None):
        # The calendar's bookkeeping exists once the talk is saved; the add page would show an
        # invented UID.
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj else [fs for fs in fieldsets if fs[0] != "Calendar"]

    @admin.display(description="when", ordering="start")
    def when(self, obj):
        """Short, in the site's zone; in UTC, saying so, where the site's zone can't hold it."""
        start, _ = obj.local_times()
        text = dateformat.format(start, "D j M Y" if obj.all_day else "D j M Y, H:i")
        return f"{text} UTC" if start.tzinfo is dt.UTC else text

    @admin.display(description="title", ordering="title")
    def title_cell(self, obj):
        return truncated(obj.title, "title")

    @admin.display(description="series", ordering="series__name")
    def series_cell(self, obj):
        return truncated(obj.series.name, "series")

    @admin.display(description="speakers")
    def speaker_names(self, obj):
        names = ", ".join(s.name for s in obj.speaker_list)
        return truncated(names, "speakers") if names else None  # the admin's "-"

    def locked_talk_ids(self, request, object_id) -> list[int]:
        """The talk a change or delete page is about, as a list: none for the add page, a bad
        id or another series' talk (whose locks are none of this user's business). The save
        holds the talk's calendar source, then the talk (LockedChanges)."""
        try:
            pk = int(unquote(object_id)) if object_id else None
        except ValueError:
            pk = None
        return list(self.get_queryset(request).filter(pk=pk).values_list("pk", flat=True))

    def history_view(self, request, object_id, extra_context=None):
        """Every change of the talk, its speakers' places and profiles (seminars.history):
        admin edits, imports and the speakers' own, with old and new values."""
        talk = self.get_object(request, unquote(object_id))
        if talk is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, talk):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": talk,
            "title": f"History: {talk.title}",
            "entries": talk_history(talk),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/seminars/talk/history.html", context)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Only what the organiser changed, onto the talk as it is now (see TalkForm); the
        # import's snapshot of the talk (`imported`) is never written here.
        fields = form.changed_data + (["slug"] if "title" in form.changed_data else [])
        obj.save(update_fields=fields)
        if form.kept:
            labels = ", ".join(str(form.fields[name].label).lower() for name in form.kept)
            self.message_user(
                request,
                f"While you were editing, the {labels} changed (by an import or another "
                "organiser); the newer value is kept.",
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(fs.has_changed() for fs in formsets)):
            # Subscribed calendars only take a change whose SEQUENCE went up.
            Talk.objects.filter(pk=form.instance.pk).changed()

    @admin.action(description="Cancel selected talks", permissions=["change"])
    def cancel_talks(self, request, queryset):
        n = self._change_talks(request, queryset, lambda talks: talks.cancel())
        if n is not None:
            self.message_user(request, ngettext("%d talk cancelled.", "%d talks cancelled.", n) % n)

    @admin.action(description="Reconfirm selected talks", permissions=["change"])
    def reconfirm_talks(self, request, queryset):
        n = self._change_talks(request, queryset, lambda talks: talks.reconfirm())
        if n is not None:
            self.message_user(
                request, ngettext("%d talk reconfirmed.", "%d talks reconfirmed.", n) % n
            )

    def _change_talks(self, request, queryset, change) -> int | None:
        """`change(talks)` under the talks' locks; None, saying why, when they are taken."""
        ids = list(queryset.values_list("pk", flat=True))
        try:
            with changing_talks(ids):
                return change(Talk.objects.filter(pk__in=ids))
        except Busy as busy:
            message = busy_message(
                busy, calendar="A calendar of these talks", undone="nothing was changed"
            )
            self.message_user(request, message, messages.ERROR)
            return None

    @admin.action(description="Repeat selected talks next week", permissions=["add"])
    def repeat_next_week(self, request, queryset):
        """New talks seven days after the selected ones, in the same series, with a new UID
        and no speakers yet."""
        talks = list(queryset.order_by("start", "id"))
        copies = [copy for talk in talks if (copy := talk.a_week_later())]
        try:
            with changing_talks():
                for copy in copies:
                    copy.save()
                    self.log_addition(request, copy, [{"added": {}}])
        except Busy as busy:
            message = busy_message(busy, calendar="A calendar", undone="no talk was created")
            self.message_user(request, message, messages.ERROR)
            return
        n = len(copies)
        self.message_user(
            request,
            ngettext("%d talk created a week later.", "%d talks created a week later.", n) % n,
        )
        if skipped := len(talks) - n:
            self.message_user(
                request,
                ngettext(
                    "%(n)d talk not repeated: a week later falls outside %(first)d–%(last)d.",
                    "%(n)d talks not repeated: a week later falls outside %(first)d–%(last)d.",
                    skipped,
                )
                % {"n": skipped, "first": FIRST_YEAR, "last": LAST_YEAR},
                messages.WARNING,
            )

    @admin.action(description="Announce selected talks to subscribers", permissions=["change"])
    def announce_talks(self, request, queryset):
        """A preview of the email, then (its form's "post") the announcement, sent by the
        worker to the series' subscribers, once per talk."""
        found = announcing.plan(queryset)
        if request.POST.get("post") == "yes":
            done = announcing.announce(found.ready, by=request.user)
            if done:
                send_now()
                n = len(done)
                self.message_user(
                    request,
                    ngettext(
                        "%d talk announced: its email is on its way to the series' subscribers.",
                        "%d talks announced: their emails are on their way to the subscribers.",
                        n,
                    )
                    % n,
                )
            for talk, announced in found.already:
                when = dateformat.format(timezone.localtime(announced.announced_at), "j F Y, H:i")
                self.message_user(
                    request,
                    f"“{talk.title}” was already announced on {when}; not sent again.",
                    messages.WARNING,
                )
            for talk, reason in found.refused:
                self.message_user(
                    request, f"“{talk.title}” was not announced: {reason}.", messages.WARNING
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Announce talks",
            "plan": found,
            "ready": [(t, found.subscribers.get(t.series_id, 0)) for t in found.ready],
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        }
        if found.ready:
            email = announcing.preview(found.ready[0])
            context.update(
                preview=email,
                preview_talk=found.ready[0],
                preview_text=email.body,
                preview_html=email.alternatives[0][0],
            )
        return TemplateResponse(request, "admin/seminars/talk/announce.html", context)


SOURCE_BUSY = busy_message(
    SourceBusy(), calendar="This talk's calendar", undone="nothing was saved"
)
BUSY = busy_message(Busy(), calendar="This talk's calendar", undone="nothing was saved")
