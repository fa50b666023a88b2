"""The calendar sources' admin: organisers add a URL or a file to their series, preview what
an import would do (in the request), and queue it for the worker (seminars.tasks). The
importing itself is `import_source`, as on the command line.
"""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django_tasks.base import TaskResultStatus

from ..ics.fetch import size_text
from ..ics.sync import CannotTake, SyncResult, kept_edits, take_feed_value
from ..importing import ImportOptions, import_source
from ..locations import UPLOAD_PREFIX, is_url
from ..locks import Busy
from ..models import FeedSource, Talk, TalkSpeaker
from ..retrying import ATTEMPTS
from ..tasks import import_tasks, queue_import
from .display import truncated
from .scoping import (
    OrganisedSeriesFilter,
    OrganiserScopedAdmin,
    is_site_admin,
    organised_series,
    organised_series_ids,
)

# A page waits at most this long for a remote calendar (the whole download, not each read),
# and its import (or preview) stops after this long, saying so: a request must end before
# gunicorn's worker timeout (30 s).
ADMIN_TIMEOUT = 20  # seconds
ADMIN_TIME_LIMIT = 20  # seconds
# A queued import's page reloads itself this often (a <meta> refresh: no script), until done.
STATUS_REFRESH = 3  # seconds


def _max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


INTERVAL_HELP = (
    "How often the site fetches a calendar URL again (hh:mm:ss). An uploaded file is "
    "imported only when you import it."
)


class SourceForm(forms.ModelForm):
    """A source is a URL or an uploaded file; a file can be replaced by a newer one later.

    One calendar URL feeds one series. `organised` (set by the admin) holds the ids of the
    series the user runs: only those are named when a calendar is a source already.
    """

    organised: frozenset[int] = frozenset()

    url = forms.CharField(
        label="Calendar URL",
        required=False,
        max_length=FeedSource._meta.get_field("location").max_length,
        help_text="An http://, https:// or webcal:// address of an iCalendar feed.",
    )
    file = forms.FileField(
        label="or an .ics file",
        required=False,
    )

    class Meta:
        model = FeedSource
        fields = ["series", "interval"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].required = True
        self.fields["file"].help_text = f"At most {size_text(_max_bytes())}."
        if "interval" in self.fields:
            self.fields["interval"].help_text = INTERVAL_HELP
        if self.instance.pk:  # where a source comes from does not change; its file may
            del self.fields["url"]
            if not self.instance.is_upload:
                del self.fields["file"]
            else:
                self.fields["file"].label = "Replace the file"

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url and not is_url(url):
            raise forms.ValidationError("Give an http://, https:// or webcal:// address.")
        return url

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and upload.size > _max_bytes():
            raise forms.ValidationError(
                f"The file is larger than the {size_text(_max_bytes())} limit."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            return cleaned
        url, upload, series = cleaned.get("url"), cleaned.get("file"), cleaned.get("series")
        if bool(url) == bool(upload):
            raise forms.ValidationError("Give either a calendar URL or an .ics file.")
        if series is not None:
            location = url or f"{UPLOAD_PREFIX}{series.slug}/{upload.name}"
            self._refuse_a_source_twice(location)
            self.instance.location = location
        return cleaned

    def _refuse_a_source_twice(self, location: str) -> None:
        """One source per calendar: name the series that has it only to those who run it."""
        other = FeedSource.objects.filter(location=location).select_related("series").first()
        if other is None:
            return
        if other.series_id is not None and other.series_id in self.organised:
            raise forms.ValidationError(
                "This calendar is a source of “%(series)s” already; open that source to import it.",
                params={"series": other.series.name},
            )
        raise forms.ValidationError("This calendar is already imported into another series.")

    def save(self, commit=True):
        upload = self.cleaned_data.get("file")
        if upload:
            self.instance.upload = upload.read()
        return super().save(commit)


@admin.register(FeedSource)
class FeedSourceAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    form = SourceForm
    # Beside the admin's menu and the series filter a 1280px screen leaves the list ~650px:
    # four columns, a long URL or error cut short, the last run's result or error together.
    list_display = ["shown_name", "series", "run", "buttons"]
    list_filter = [OrganisedSeriesFilter]
    list_select_related = ["series"]
    search_fields = ["location", "series__name"]
    readonly_fields = ["location", "last_run", "last_success", "counts", "last_error"]

    class Media:
        css = {"all": ["seminars/admin.css"]}

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["series", "url", "file", "interval"]
        if obj.is_upload:  # a file is never fetched again
            return ["series", "file", *self.readonly_fields]
        return ["series", "interval", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # A class of its own for this request (modelform_factory made it): the user's series.
        form.organised = organised_series_ids(request.user)
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "series" not in initial:
            only = list(organised_series(request.user).values_list("pk", flat=True)[:2])
            if len(only) == 1:  # no choice to make
                initial["series"] = only[0]
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            # Organisers are less trusted than people with a shell: their URLs must not lead
            # the site to internal services.
            obj.public_only = not is_site_admin(request.user)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The next thing an organiser wants after adding a source is to see what it holds.
        return redirect("admin:seminars_feedsource_preview", obj.pk)

    def response_change(self, request, obj):
        # So after replacing its file, unless they asked to go on editing.
        if request.FILES.get("file") and "_continue" not in request.POST:
            return redirect("admin:seminars_feedsource_preview", obj.pk)
        return super().response_change(request, obj)

    @admin.display(description="source", ordering="location")
    def name(self, obj):
        return obj.location.removeprefix(UPLOAD_PREFIX)

    @admin.display(description="source", ordering="location")
    def shown_name(self, obj):
        """The name cut to the column's width by the style sheet, whole in its tooltip."""
        return truncated(self.name(obj), "source")

    def get_list_filter(self, request):
        # A filter with one series to pick takes room and filters nothing.
        user = request.user
        return (
            self.list_filter if is_site_admin(user) or len(organised_series_ids(user)) > 1 else []
        )

    @admin.display(description="last run", ordering="last_run")
    def run(self, obj):
        """When the source last ran, and what came of it: its counts or its error."""
        if obj.last_run is None:
            return "never"
        when = date_format(timezone.localtime(obj.last_run), "j M Y, H:i")
        if obj.last_error:
            return format_html(
                '{}<br><span class="errornote-inline">failed: {}</span>',
                when,
                truncated(obj.last_error, "error"),
            )
        return format_html("{}<br>{}", when, self.counts(obj))

    @admin.display(description="last result")
    def counts(self, obj):
        if obj.last_success is None:
            return "never imported"
        return SyncResult(
            created=obj.created_count,
            updated=obj.updated_count,
            unchanged=obj.unchanged_count,
            cancelled=obj.cancelled_count,
            skipped=obj.skipped_count,
        ).summary()

    @admin.display(description="")
    def buttons(self, obj):
        return format_html(
            '<a href="{}">Preview</a>', reverse("admin:seminars_feedsource_preview", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="seminars_feedsource_preview",
            ),
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(require_POST(self.import_view)),
                name="seminars_feedsource_import",
            ),
            path(
                "<int:pk>/import/status/",
                self.admin_site.admin_view(self.import_status_view),
                name="seminars_feedsource_import_status",
            ),
            path(
                "<int:pk>/edits/",
                self.admin_site.admin_view(self.edits_view),
                name="seminars_feedsource_edits",
            ),
            path(
                "<int:pk>/take/",
                self.admin_site.admin_view(require_POST(self.take_view)),
                name="seminars_feedsource_take",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        """What an import would do now, talk by talk; writes nothing. It runs in the request,
        within its time limit."""
        return self._run(request, pk)

    def import_view(self, request, pk):
        """Queue an import for the worker (one at a time per source), then show its status."""
        source = self._source(request, pk)
        try:
            _, queued = queue_import(source)
        except Busy:  # SQLite: an import holds the database's write lock
            self.message_user(
                request,
                "Another import is writing to the database: nothing queued; press Import now "
                "again in a moment.",
                messages.ERROR,
            )
            return redirect("admin:seminars_feedsource_import_status", source.pk)
        if queued:
            self.message_user(
                request,
                f"The import of {self.name(source)} is queued: this page shows what it did "
                "when it is done.",
            )
        else:
            self.message_user(
                request, f"An import of {self.name(source)} is queued already.", messages.WARNING
            )
        return redirect("admin:seminars_feedsource_import_status", source.pk)

    def import_status_view(self, request, pk):
        """The source's latest import from "Import now": queued, running, or what it did. A
        pending import's page reloads itself every few seconds."""
        source = self._source(request, pk)
        latest = import_tasks(source).first()
        outcome = latest.return_value if latest and latest.return_value else {}
        edits = kept_edits(self._talks(request, source)) if outcome else []
        status = latest.status if latest else ""
        pending = status in (TaskResultStatus.READY, TaskResultStatus.RUNNING)
        attempt = latest.args_kwargs["kwargs"].get("attempt", 1) if latest else 1
        context = {
            **self._context(request, source, f"Import of {self.name(source)}"),
            "task": latest,
            "last_run": self.run(source),  # when no task is on record (pruned, or none yet)
            "pending": pending,
            "running": status == TaskResultStatus.RUNNING,
            "retrying": status == TaskResultStatus.READY and attempt > 1,
            "attempt": attempt,
            "attempts": ATTEMPTS,
            "crashed": status == TaskResultStatus.FAILED,
            "outcome": outcome,
            "refresh": STATUS_REFRESH if pending else None,
            # The import is stored now: its edits kept can be taken back.
            "can_take": True,
            "edits": _edit_rows(edits),
            "talk_ids": sorted({e.talk_id for e in edits}),
            "skipped": outcome.get("skipped", []),
            "warnings": outcome.get("warnings", []),
        }
        return TemplateResponse(request, "admin/seminars/feedsource/import_status.html", context)

    def edits_view(self, request, pk):
        """The organisers' edits that imports keep over the calendar's values, each with a way
        to take the calendar's value instead: of the talks `?talk=` names, else of the
        source's talks to come."""
        source = self._source(request, pk)
        edits = kept_edits(self._talks(request, source, request.GET.getlist("talk") or None))
        context = {
            **self._context(request, source, f"Your edits kept over {self.name(source)}"),
            "edits": _edit_rows(edits),
            "talk_ids": sorted({e.talk_id for e in edits}),  # the list to come back to
        }
        return TemplateResponse(request, "admin/seminars/feedsource/edits.html", context)

    def take_view(self, request, pk):
        """Give a talk of this source the calendar's value of one field, then show the edits
        that remain among the talks the page listed."""
        source = self._source(request, pk)
        talk_id, _, name = request.POST.get("take", "").partition(":")
        talks = self._talks(request, source, [talk_id])
        if len(talks) != 1:  # another source's talk, one of a series the user does not run
            raise Http404
        (talk,) = talks
        try:
            with transaction.atomic():
                take_feed_value(talk, name)
        except CannotTake as error:
            self.message_user(request, f"Not changed: {error}.", messages.ERROR)
        else:
            label = _label(name)
            self.message_user(request, f"“{talk.title}” has the calendar's {label} again.")
        back = [i for i in request.POST.getlist("talk") if i.isdigit()]
        url = reverse("admin:seminars_feedsource_edits", args=[source.pk])
        return redirect(f"{url}?{urlencode({'talk': back}, doseq=True)}" if back else url)

    def _source(self, request, pk) -> FeedSource:
        source = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        return source

    def _talks(self, request, source, ids=None) -> list[Talk]:
        """The talks of `source` among `ids` (its talks to come when None) that the user may
        change, as the talks' own admin decides, with their speakers."""
        talks = Talk.objects.filter(source=source).select_related("series")
        if ids is None:
            talks = talks.filter(start__gte=timezone.now())
        else:
            talks = talks.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
        talks = talks.prefetch_related(
            Prefetch("talk_speakers", TalkSpeaker.objects.select_related("speaker"))
        )
        talk_admin = self.admin_site.get_model_admin(Talk)
        return [t for t in talks if talk_admin.has_change_permission(request, t)]

    def _context(self, request, source, title) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "source": source,
        }

    def _run(self, request, pk):
        """Preview an import of the source within the request's bounds."""
        source = self._source(request, pk)
        options = ImportOptions(
            # The series itself, never its name, which may be another series' slug.
            series=source.series or "",
            dry_run=True,
            force=True,  # the organiser asked: "not modified" would show nothing
            timeout=ADMIN_TIMEOUT,
            max_bytes=_max_bytes(),
            max_events=settings.IMPORT_MAX_EVENTS,
            time_limit=ADMIN_TIME_LIMIT,
        )
        report = import_source(source.location, options)
        result = report.result
        conflicts = list(dict.fromkeys(result.conflicts))
        context = {
            **self._context(request, source, f"Preview of {self.name(source)}"),
            "report": report,
            "dry_run": True,
            # A preview's calendar values are not stored yet: nothing to take from.
            "can_take": False,
            "summary": report.summary(),
            "created": _change_rows(result.changes, "created", linked=False),
            "updated": _change_rows(result.changes, "updated"),
            "cancelled": _change_rows(result.changes, "cancelled"),
            "edits": _edit_rows(conflicts),
            "talk_ids": sorted({c.talk_id for c in conflicts}),
            "skipped": [n for n in result.notices if n.skipped],
            "warnings": [n for n in result.notices if not n.skipped],
        }
        return TemplateResponse(request, "admin/seminars/feedsource/report.html", context)


def _label(name: str) -> str:
    """What the talk's form calls field `name`."""
    return "speakers" if name == "speakers" else str(Talk._meta.get_field(name).verbose_name)


def _when(start, end=None, all_day=False) -> Talk:
    """A talk standing for these times, to be shown by the `talk_time` tag as pages show them."""
    return Talk(start=start, end=end, all_day=all_day)


def _shown(name: str, value) -> str:
    """A field's value in words, for an old → new or an edit kept."""
    if value in (None, "", ()):
        return "(none)"
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "D j M Y, H:i")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(value)
    if name == "status":
        return Talk.Status(value).label
    return str(value)


def _change_rows(changes, kind: str, *, linked: bool = True) -> list[dict]:
    """The preview's table rows of the changes of `kind`: when, title, venue, old → new."""
    return [
        {
            "change": c,
            "when": _when(c.start, c.end, c.all_day),
            "talk_url": reverse("admin:seminars_talk_change", args=[c.talk_id])
            if linked and c.talk_id
            else "",
            "diffs": [(_label(n), _shown(n, old), _shown(n, new)) for n, old, new in c.diffs],
        }
        for c in changes
        if c.kind == kind
    ]


def _edit_rows(edits) -> list[dict]:
    """The rows of the edits kept over a calendar's values, each in words."""
    return [
        {
            "edit": e,
            "when": _when(e.start, all_day=e.all_day),
            "label": _label(e.field),
            "ours": _shown(e.field, e.ours),
            "feeds": _shown(e.field, e.feeds),
            "take": f"{e.talk_id}:{e.field}",
            "talk_url": reverse("admin:seminars_talk_change", args=[e.talk_id]),
        }
        for e in edits
    ]
