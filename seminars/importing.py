"""Importing one calendar source from start to end: fetch, read, refine, sync, record.

Each source is one transaction: it is imported whole or not at all.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from .ics.dialects import dialect_for
from .ics.events import calendar_events
from .ics.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Fetched, FetchError, fetch
from .ics.read import NotACalendar, calendar_description, calendar_name, read_calendars
from .ics.records import first_line
from .ics.sync import SyncResult, sync_records
from .locations import is_upload, is_url, stdin_location
from .locks import is_lock_wait
from .models import FeedSource, Series, Talk
from .slugs import slug_for, unique_slug

logger = logging.getLogger(__name__)

_SERIES_NAME_LENGTH = Series._meta.get_field("name").max_length


@dataclass
class ImportOptions:
    """How to import a source; the defaults are the command's and the admin's."""

    # The series itself (the admin, --all), or a name or slug (--series); else the source's
    # series, else the calendar's X-WR-CALNAME.
    series: Series | str = ""
    dry_run: bool = False
    strict: bool = False
    take_over: bool = False  # talks of another source in the same series become this one's
    force: bool = False  # sync even when the bytes are those of today's last import
    horizon_days: int = 365
    max_occurrences: int = 1000
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    # Bounds for an import run inside a request (the admin's): events in the calendar, and
    # seconds from the start of the import (a preview stops there and says so).
    max_events: int | None = None
    time_limit: float | None = None


@dataclass
class ImportReport:
    location: str
    error: str = ""
    busy: str = ""  # why the import was skipped without failing (another import writes)
    transient: bool = False  # the error may pass: the server said "try later" or timed out
    not_modified: bool = False
    series: str = ""
    moved: int = 0  # talks moved from `moved_from`, the series the source had before
    moved_from: str = ""
    result: SyncResult = field(default_factory=SyncResult)

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def summary(self) -> str:
        """What came of the import, in one line (the admin's and the worker's)."""
        if self.failed:
            return f"failed: {self.error}"
        if self.busy:
            return self.busy
        if self.not_modified:
            return "not modified since the last import"
        r = self.result
        return f"{r.summary()}, {len(r.conflicts)} conflict(s) into {self.series}"


class ImportFailed(Exception):
    """The source cannot be imported; str() is one line for the user."""


def source_location(location: str, *, series: Series | str = "") -> str:
    """How a source is recorded: URLs and uploads as given, files by absolute path, stdin
    per series."""
    if location == "-":
        slug = series.slug if isinstance(series, Series) else slug_for(series)
        return stdin_location(slug)
    if is_url(location) or is_upload(location):
        return location
    return os.path.abspath(location)


def import_source(location: str, options: ImportOptions, *, stdin=None, progress=None):
    """Fetch and import one source; return its report (never raises for bad input).

    Writes the talks, speakers and series the calendar asks for, and records the run on the
    source's FeedSource row (unless it is a dry run). A source is recorded only by an import
    that succeeds: a failure is recorded on a source imported before, and otherwise only
    reported.
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
        report.transient = getattr(error, "transient", False)
    except OperationalError as error:
        if not is_lock_wait(error):
            logger.exception("import of %s failed in the database", recorded)
            report.error = f"database error, nothing imported: {first_line(error)}"
        else:
            # Another import holds the source (or, on SQLite, the one write lock) longer than
            # this import may wait. Nothing went wrong with the source: nothing is recorded.
            report.busy = (
                "skipped: another import is writing to the database; nothing imported, "
                "run it again later"
            )
    except DatabaseError as error:
        logger.exception("import of %s failed in the database", recorded)
        report.error = f"database error, nothing imported: {first_line(error)}"
    except Exception as error:  # a bug must not stop the other sources, nor go unrecorded
        logger.exception("import of %s failed", recorded)
        report.error = f"unexpected error, nothing imported: {first_line(error)}"
    if report.error and not options.dry_run:
        _record_failure(recorded, report.error)
    return report


def _fetch(location: str, source: FeedSource | None, options: ImportOptions, stdin) -> Fetched:
    if FeedSource.kind_for(location) == FeedSource.Kind.UPLOAD:
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
    started = time.monotonic()
    now = timezone.now()
    existing = FeedSource.objects.filter(location=location).select_related("series").first()
    known = existing.series if existing and existing.series else None
    wanted = _series_wanted(options.series, known)
    fingerprint = _fingerprint(data, options, now, series=wanted or known)
    if not options.force and existing and existing.fingerprint == fingerprint:
        # The same bytes with the same options on the same day give the same talks: the
        # cheapest sync is none. (A URL's server may not answer 304 for unchanged bytes.)
        report.not_modified = True
        if not options.dry_run:
            FeedSource.objects.filter(pk=existing.pk).update(last_run=now)
        return report
    notices = report.result.notices
    if options.max_events is not None:
        _check_event_count(data.upper().count(b"BEGIN:VEVENT"), options.max_events, "events")
    try:
        calendars = read_calendars(data, notices)
    except NotACalendar as error:
        raise ImportFailed(str(error)) from error
    _check_time(started, options, "reading the calendar")

    # A source stays in its series, even when the calendar renames itself, unless told.
    if wanted is None and known is None:
        name = calendar_name(calendars)[:_SERIES_NAME_LENGTH].strip()
        if not name:
            raise ImportFailed("no series: pass --series NAME (the calendar has no X-WR-CALNAME)")
        wanted = _series_wanted(name, None)

    horizon = now + dt.timedelta(days=options.horizon_days)
    site_tz = ZoneInfo(settings.TIME_ZONE)
    records, skipped = [], set()
    for calendar in calendars:
        dialect = dialect_for(str(calendar.get("PRODID", "")))
        events = calendar_events(
            calendar,
            site_tz=site_tz,
            now=now,
            horizon=horizon,
            max_occurrences=options.max_occurrences,
            notices=notices,
        )
        skipped |= events.skipped
        records.extend(dialect.refine(event) for event in events.records)
        _check_time(started, options, f"reading {len(records):,} events")
    if options.max_events is not None:
        _check_event_count(len(records), options.max_events, "talks (with repetitions)")
    description = calendar_description(calendars)
    # The parsed calendars weigh several times the records: free them before the writing.
    calendars = calendar = events = None

    def tick(done, total):
        _check_time(started, options, f"saving {done:,} of {total:,} talks")
        if progress:
            progress(done, total)

    with transaction.atomic():
        if options.time_limit is not None and connection.vendor == "postgresql":
            # Within a request: wait for another import of the source no longer than this
            # import may take, then say so (rather than meet the statement timeout).
            with connection.cursor() as cursor:
                wait = f"{int(options.time_limit * 1000)}ms"
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
        source = _locked_source(location)
        series = wanted or known
        created_series = None
        if isinstance(series, str):
            series = created_series = _new_series(series, description=description)
        if source.series_id is None:
            source.series = series
        elif source.series_id != series.pk:
            report.moved_from = source.series.name
            report.moved = _move_source(source, series, now=now)
        result = sync_records(
            records,
            source=source,
            series=series,
            skipped_uids=skipped,
            take_over=options.take_over,
            now=now,
            progress=tick,
        )
        if created_series is not None and not series.talks.exists():
            # Nothing went into the series this import would have made: a series with no talk
            # is made when its first talk comes.
            source.series = None
            series.delete()
        result.notices = notices + result.notices
        result.skipped += len(skipped)
        report.result, report.series = result, series.name
        if options.strict and result.notices:
            raise ImportFailed(f"{len(result.notices)} warning(s) with --strict, nothing imported")
        source.last_run = source.last_success = now
        source.last_error = ""
        source.etag, source.last_modified = etag, last_modified
        source.fingerprint = _fingerprint(data, options, now, series=source.series)
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
IMPORTER_VERSION = 2  # 2: empty RRULEs, no end from recurrences, More: lines, "Cancelled: "


def _fingerprint(data: bytes, options: ImportOptions, now: dt.datetime, *, series) -> str:
    """What decides an import's outcome besides the database: bytes, options, the series and
    the day (recurrences are expanded from today to the horizon)."""
    digest = hashlib.sha256(data)
    series = series.pk if isinstance(series, Series) else series  # or the name of a new one
    decisive = dataclasses.replace(
        options, series=series, dry_run=False, force=False, time_limit=None
    )
    today = timezone.localdate(now)
    digest.update(repr((IMPORTER_VERSION, decisive, today, settings.TIME_ZONE)).encode())
    return digest.hexdigest()


def _check_event_count(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise ImportFailed(
            f"the calendar has {count:,} {what}, more than the {limit:,} an import here may "
            "have (IMPORT_MAX_EVENTS); split it, or import it with manage.py import_ics"
        )


def _check_time(started: float, options: ImportOptions, doing: str) -> None:
    if options.time_limit is not None and time.monotonic() - started > options.time_limit:
        raise ImportFailed(
            f"stopped after {options.time_limit:g} s, {doing}: the calendar is too large to "
            "import here; nothing imported (import it with manage.py import_ics)"
        )


def _series_wanted(wanted: Series | str, known: Series | None) -> Series | str | None:
    """The series an import was asked for: the one given, the one named, the name itself
    when no series has it yet (the import creates it), or None when none was asked for.

    Raises ImportFailed when a name matches two series (one's name is another's slug): the
    import never guesses which.
    """
    if isinstance(wanted, Series):
        return wanted
    if not wanted:
        return None
    if known is not None and wanted in (known.name, known.slug):
        return known
    found = Series.objects.matching(wanted)
    if len(found) > 1:
        names = " and ".join(f"{s.name!r} (slug {s.slug})" for s in found[:2])
        raise ImportFailed(
            f"the series {wanted!r} is ambiguous: it matches {names}; name one by its slug"
        )
    return found[0] if found else wanted


def _new_series(name: str, *, description: str = "") -> Series:
    """A new series called `name`; the one a concurrent import just made, if any."""
    try:
        with transaction.atomic():
            return Series.objects.create(
                name=name,
                slug=unique_slug(Series, name, fallback="series"),
                description=description,
            )
    except IntegrityError:
        return Series.objects.get(name=name)


def _locked_source(location: str) -> FeedSource:
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
            FeedSource.objects.get_or_create(location=location)
    except IntegrityError:
        pass  # created by a concurrent import a moment ago
    # Only the source's row: the series' may be locked by nobody (nor is it joinable to lock
    # on PostgreSQL, being the nullable side of the join).
    sources = FeedSource.objects.select_for_update(no_key=True, of=("self",))
    sources = sources.select_related("series")
    return sources.get(location=location)


def _move_source(source: FeedSource, series: Series, *, now: dt.datetime) -> int:
    """Move the source, and its talks still in its old series, to `series`."""
    # Each talk's calendar entry names its series: a move is a change calendars must see.
    moved = Talk.objects.filter(source=source, series_id=source.series_id).changed(
        now, why=f"Import from {source}", series=series
    )
    source.series = series
    return moved


def _record_failure(location: str, error: str) -> None:
    # Only on a source that exists: a location that never imported is not a source.
    FeedSource.objects.filter(location=location).update(last_run=timezone.now(), last_error=error)
