"""Importing one calendar source from start to end: fetch, read, refine, sync, record.

Each source is one transaction: it is imported whole or not at all.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone

from .caching import content_changed
from .ics.dialects import dialect_for
from .ics.events import calendar_events
from .ics.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Fetched, FetchError, fetch, is_url
from .ics.read import NotACalendar, calendar_description, calendar_name, read_calendars
from .ics.sync import SyncResult, sync_records
from .models import FeedSource, Series, Talk
from .slugs import slug_for, unique_slug

logger = logging.getLogger(__name__)

_SERIES_NAME_LENGTH = Series._meta.get_field("name").max_length


@dataclass
class ImportOptions:
    """How to import a source; the defaults are the command's and the admin's."""

    series: str = ""  # name or slug; else the source's series, else the X-WR-CALNAME
    dry_run: bool = False
    strict: bool = False
    take_over: bool = False  # talks of another source in the same series become this one's
    force: bool = False  # sync even when the bytes are those of today's last import
    horizon_days: int = 365
    max_occurrences: int = 1000
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class ImportReport:
    location: str
    error: str = ""
    not_modified: bool = False
    series: str = ""
    moved: int = 0  # talks moved from `moved_from`, the series the source had before
    moved_from: str = ""
    result: SyncResult = field(default_factory=SyncResult)

    @property
    def failed(self) -> bool:
        return bool(self.error)


class ImportFailed(Exception):
    """The source cannot be imported; str() is one line for the user."""


# A calendar uploaded in the admin is recorded under this prefix, its bytes on the source.
UPLOAD_PREFIX = "upload:"


def source_location(location: str, *, series: str = "") -> str:
    """How a source is recorded: URLs and uploads as given, files by absolute path, stdin
    per series."""
    if location == "-":
        return f"stdin:{slug_for(series)}" if series else "stdin"
    if is_url(location) or location.startswith(UPLOAD_PREFIX):
        return location
    return os.path.abspath(location)


def import_source(location: str, options: ImportOptions, *, stdin=None, progress=None):
    """Fetch and import one source; return its report (never raises for bad input).

    Writes the talks, speakers and series the calendar asks for, and records the run on the
    source's FeedSource row (unless it is a dry run).
    """
    recorded = source_location(location, series=options.series)
    report = ImportReport(location=recorded)
    source = FeedSource.objects.filter(location=recorded).first()
    try:
        fetched = _fetch(location, source, options, stdin)
        if fetched.not_modified:
            report.not_modified = True
            if not options.dry_run:
                FeedSource.objects.filter(pk=source.pk).update(
                    last_run=timezone.now(), last_error=""
                )
            return report
        import_data(
            fetched.data,
            recorded,
            options,
            report=report,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            progress=progress,
        )
    except (FetchError, ImportFailed) as error:
        report.error = str(error)
    except DatabaseError as error:
        logger.exception("import of %s failed in the database", recorded)
        report.error = f"database error, nothing imported: {_first_line(error)}"
    except Exception as error:  # a bug must not stop the other sources, nor go unrecorded
        logger.exception("import of %s failed", recorded)
        report.error = f"unexpected error, nothing imported: {_first_line(error)}"
    if report.error and not options.dry_run:
        _record_failure(recorded, report.error)
    return report


def _fetch(location: str, source: FeedSource | None, options: ImportOptions, stdin) -> Fetched:
    if location.startswith(UPLOAD_PREFIX):
        if source is None or source.upload is None:
            raise ImportFailed("the uploaded calendar is missing: upload it again")
        return Fetched(data=bytes(source.upload))
    # Forced: the server's "not modified" would hide what there is to import.
    remembered = source is not None and not options.force
    return fetch(
        location,
        etag=source.etag if remembered else "",
        last_modified=source.last_modified if remembered else "",
        max_bytes=options.max_bytes,
        timeout=options.timeout,
        stdin=stdin,
        # Sources added in the admin: organisers must not reach internal services through us.
        public_only=source is not None and source.public_only,
        allowed_hosts=settings.IMPORT_ALLOWED_HOSTS,
    )


def import_data(
    data: bytes,
    location: str,
    options: ImportOptions,
    *,
    report: ImportReport | None = None,
    etag: str = "",
    last_modified: str = "",
    progress=None,
) -> ImportReport:
    """Import calendar bytes as the source `location`; raise ImportFailed with nothing written."""
    report = report or ImportReport(location=location)
    now = timezone.now()
    existing = FeedSource.objects.filter(location=location).select_related("series").first()
    # The series the source is in stands for the same series named again (as --all does).
    known = existing.series.name if existing and existing.series else ""
    fingerprint = _fingerprint(data, options, now, series=options.series or known)
    if not options.force and existing and existing.fingerprint == fingerprint:
        # The same bytes with the same options on the same day give the same talks: the
        # cheapest sync is none. (A URL's server may not answer 304 for unchanged bytes.)
        report.not_modified = True
        if not options.dry_run:
            FeedSource.objects.filter(pk=existing.pk).update(last_run=now)
        return report
    notices = report.result.notices
    try:
        calendars = read_calendars(data, notices)
    except NotACalendar as error:
        raise ImportFailed(str(error)) from error

    # A source stays in its series, even when the calendar renames itself, unless told.
    series_name = options.series or known or calendar_name(calendars)[:_SERIES_NAME_LENGTH]
    if not series_name:
        raise ImportFailed("no series: pass --series NAME (the calendar has no X-WR-CALNAME)")

    horizon = now + dt.timedelta(days=options.horizon_days)
    site_tz = ZoneInfo(settings.TIME_ZONE)
    records, skipped = [], set()
    for calendar in calendars:
        dialect = dialect_for(str(calendar.get("PRODID", "")))
        before = len(notices)
        events = calendar_events(
            calendar,
            site_tz=site_tz,
            now=now,
            horizon=horizon,
            max_occurrences=options.max_occurrences,
            notices=notices,
        )
        skipped.update(n.uid for n in notices[before:] if n.skipped)
        records.extend(dialect.refine(event) for event in events)

    with transaction.atomic():
        series = _series(series_name, description=calendar_description(calendars))
        source = _locked_source(location, series)
        if source.series_id != series.pk:
            report.moved_from = source.series.name
            report.moved = _move_source(source, series)
        result = sync_records(
            records,
            source=source,
            series=series,
            skipped_uids=skipped,
            take_over=options.take_over,
            now=now,
            progress=progress,
        )
        result.notices = notices + result.notices
        result.skipped += len(skipped)
        report.result, report.series = result, series.name
        if options.strict and result.notices:
            raise ImportFailed(f"{len(result.notices)} warning(s) with --strict, nothing imported")
        source.last_run = source.last_success = now
        source.last_error = ""
        source.etag, source.last_modified = etag, last_modified
        source.fingerprint = _fingerprint(data, options, now, series=series.name)
        source.created_count = result.created
        source.updated_count = result.updated
        source.unchanged_count = result.unchanged
        source.cancelled_count = result.cancelled
        source.skipped_count = result.skipped
        source.save()
        if options.dry_run:
            transaction.set_rollback(True)
    return report


# Raise when the importer reads the same bytes into different talks, so that sources are
# imported again rather than skipped as unchanged.
IMPORTER_VERSION = 1


def _fingerprint(data: bytes, options: ImportOptions, now: dt.datetime, *, series: str) -> str:
    """What decides an import's outcome besides the database: bytes, options, the series and
    the day (recurrences are expanded from today to the horizon)."""
    digest = hashlib.sha256(data)
    decisive = dataclasses.replace(options, series=series, dry_run=False, force=False)
    today = timezone.localdate(now)
    digest.update(repr((IMPORTER_VERSION, decisive, today, settings.TIME_ZONE)).encode())
    return digest.hexdigest()


def _first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def _series(name: str, *, description: str = "") -> Series:
    """The series called `name` (or with that slug), created when missing."""
    series = Series.objects.filter(Q(name__iexact=name) | Q(slug=name)).first()
    if series is None:
        slug = slug_for(name, max_length=Series._meta.get_field("slug").max_length)
        series = Series.objects.filter(slug=slug).first()
    if series is None:
        try:
            with transaction.atomic():
                series = Series.objects.create(
                    name=name,
                    slug=unique_slug(Series, name, fallback="series"),
                    description=description,
                )
        except IntegrityError:
            # A concurrent import created it a moment ago.
            series = Series.objects.get(name=name)
    return series


def _locked_source(location: str, series: Series) -> FeedSource:
    """The FeedSource row, locked so that two imports of one source run one after the other,
    and so that an admin change of the source's talks waits for the import or gives up
    (seminars.locks).

    FOR NO KEY UPDATE rather than FOR UPDATE: on PostgreSQL a transaction that writes a talk
    row twice checks its (deferred) foreign keys at commit with FOR KEY SHARE on the source,
    which FOR UPDATE blocks; while that transaction holds a talk the import waits for, the two
    deadlocked.
    """
    try:
        with transaction.atomic():
            FeedSource.objects.get_or_create(location=location, defaults={"series": series})
    except IntegrityError:
        pass  # created by a concurrent import a moment ago
    source = FeedSource.objects.select_for_update().get(location=location)
    if source.series_id is None:
        source.series = series
    return source


def _move_source(source: FeedSource, series: Series) -> int:
    """Move the source, and its talks still in its old series, to `series`."""
    moved = Talk.objects.filter(source=source, series_id=source.series_id).update(series=series)
    source.series = series
    if moved:
        content_changed()  # update() sends no signals
    return moved


def _record_failure(location: str, error: str) -> None:
    now = timezone.now()
    updated = FeedSource.objects.filter(location=location).update(last_run=now, last_error=error)
    if not updated:
        FeedSource.objects.create(location=location, last_run=now, last_error=error)


def sources_to_refresh(*, force: bool = False, now: dt.datetime | None = None):
    """The URL sources due for a sync, for `import_ics --all`: never synced, failed last
    time, or their interval passed since the last run; every URL source when `force`."""
    sources = FeedSource.objects.filter(
        Q(location__startswith="http://")
        | Q(location__startswith="https://")
        | Q(location__startswith="webcal://")
    ).select_related("series")
    if force:
        return sources
    due = ExpressionWrapper(F("last_run") + F("interval"), output_field=models.DateTimeField())
    return sources.alias(due=due).filter(
        Q(last_run__isnull=True) | ~Q(last_error="") | Q(due__lte=now or timezone.now())
    )
