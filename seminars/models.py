"""Series, talks, speakers and the feeds they come from, with the queries pages ask."""

import copy
import datetime as dt
import threading
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest, Least, Now, Trunc
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import bulk_history, joining, materials, photos
from .locations import SourceKind, kind_of
from .names import name_key
from .online import place
from .slugs import slug_for
from .years import FIRST_YEAR, LAST_YEAR, in_supported_years

# A talk that started longer ago than this no longer shows as in progress. The bound lets
# "upcoming" walk the start index from a point near now instead of from the first talk ever.
LONGEST_RUNNING = dt.timedelta(days=90)

# An archive spanning more years than this lists its years by reading every talk's start.
YEARS_ASKED_ONE_BY_ONE = 200

# Links a page may show: http(s) only, never javascript: or data: (feeds are untrusted).
web_url = URLValidator(schemes=["http", "https"])


def slides_path(talk, filename: str) -> str:
    """Where an uploaded PDF of slides is stored (seminars.materials): never `filename`."""
    return materials.stored_name(talk)


def photo_path(speaker, filename: str) -> str:
    """Where a speaker's photo is stored (seminars.photos): never `filename`."""
    return photos.stored_name(speaker)


# Instants a day or more from either end of what a datetime holds: every zone's clock shows
# them, so converting them to any zone stays in range.
SHOWABLE = (
    dt.datetime.min.replace(tzinfo=dt.UTC) + dt.timedelta(days=1),
    dt.datetime.max.replace(tzinfo=dt.UTC) - dt.timedelta(days=1),
)


def upcoming_condition(now: dt.datetime, via: str = "") -> Q:
    """Talks not yet over at `now`, in progress included: the one definition of "upcoming".

    `via` is the path from the model queried to its talks, e.g. "talks__".
    """
    finish = Coalesce(f"{via}end", f"{via}start")  # the expression the finish index holds
    return Q(**{f"{via}start__gte": now - LONGEST_RUNNING}) & Q(GreaterThanOrEqual(finish, now))


def nearest_first_order(now: dt.datetime | None = None) -> list:
    """The order_by() of talks not yet over first, soonest first, then those over, latest
    first; "over" as `Talk.is_over()` and `TalkQuerySet.past()` have it.

    A talk that started more than LONGEST_RUNNING ago and goes on still comes first: it is not
    over, though no longer "upcoming".
    """
    going_on = GreaterThanOrEqual(Coalesce("end", "start"), now or timezone.now())
    return [
        Case(When(going_on, then=Value(0)), default=Value(1)).asc(),
        Case(When(going_on, then=F("start"))).asc(),  # NULL, all alike, for talks over
        F("start").desc(),
        "-id",
    ]


def talk_counts(now: dt.datetime | None = None) -> dict:
    """Annotations of a series' or a speaker's talks: `talk_count` and `upcoming_count`."""
    upcoming = upcoming_condition(now or timezone.now(), via="talks__")
    return {
        "talk_count": Count("talks", distinct=True),
        "upcoming_count": Count("talks", distinct=True, filter=upcoming),
    }


def _keep_order(queryset):
    # Django leaves Meta.ordering out of GROUP BY queries: say it, or PostgreSQL picks one.
    if queryset.query.order_by:
        return queryset
    return queryset.order_by(*queryset.model._meta.ordering)


class SeriesQuerySet(models.QuerySet):
    def with_talk_counts(self, now=None):
        return _keep_order(self.annotate(**talk_counts(now)))

    def by_slugs(self, slugs) -> "SeriesQuerySet":
        """The series with these slugs, current or old ones; unknown slugs are ignored."""
        # Each kind of slug looked up by its own index: OR across the join to old slugs made
        # PostgreSQL scan every series (at 20,000 series, most of a series feed's time).
        current = Series.objects.filter(slug__in=slugs).order_by().values("pk")
        old = SeriesSlug.objects.filter(slug__in=slugs).order_by().values("series_id")
        return self.filter(pk__in=current.union(old))

    def listed(self, *, including=()) -> "SeriesQuerySet":
        """The series visitors are shown: those with talks, organisers or calendar sources,
        and the series `including` (pks) whatever they hold, such as the ones a visitor chose.

        An empty series that nobody runs and nothing feeds (the one a source was moved out
        of, say) is left out, though its page still answers.
        """
        return self.filter(
            Exists(Talk.objects.filter(series=OuterRef("pk")))
            | Exists(Series.organisers.through.objects.filter(series=OuterRef("pk")))
            | Exists(FeedSource.objects.filter(series=OuterRef("pk")))
            | Q(pk__in=including)
        )

    def matching(self, name: str) -> list["Series"]:
        """The series a person means by `name`: by name (any case) or by slug, current or old.

        More than one means `name` is ambiguous (one series' name is another's slug); the
        caller must say so rather than pick one.
        """
        name = name.strip()
        found = list(
            self.filter(Q(name__iexact=name) | Q(slug=name) | Q(old_slugs__slug=name))
            .distinct()
            .order_by("pk")
        )
        if not found:
            slug = slug_for(name, max_length=Series._meta.get_field("slug").max_length)
            found = list(self.filter(slug=slug)) if slug else []
        return found


class Series(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the series' URL.")
    description = models.TextField(blank=True)
    website = models.URLField(max_length=500, blank=True, help_text="The series' own home page.")
    contact = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who visitors may write to about the series: a name, an email or both.",
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organised_series",
        help_text="The accounts that run this series in the admin: its talks, speakers and "
        "calendar sources.",
    )
    join_access = models.CharField(
        "who sees the join link",
        max_length=10,
        choices=joining.CHOICES,
        default=joining.OPEN,
        help_text="How people get its talks' join links (a talk may choose otherwise).",
    )
    join_reveal_minutes = models.PositiveSmallIntegerField(
        "shown this many minutes before",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 60)],
        help_text="With “shortly before”: minutes before the start (0–1440; empty: the "
        "site's default, JOIN_LINK_REVEAL_MINUTES).",
    )
    registration_url = models.URLField(
        "registration page",
        max_length=2000,
        blank=True,
        validators=[web_url],
        help_text="With “external registration”: your page (Eventbrite, a form) people "
        "register on to get the link.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_slug = old_name = None
        if self.pk:
            old_slug, old_name = Series.objects.filter(pk=self.pk).values_list(
                "slug", "name"
            ).first() or (None, None)
        super().save(*args, **kwargs)
        if old_slug and old_slug != self.slug:
            # Links, bookmarks and subscribed calendars keep working through the old slug.
            SeriesSlug.objects.update_or_create(slug=old_slug, defaults={"series": self})
            SeriesSlug.objects.filter(slug=self.slug).delete()
        if old_name is not None and old_name != self.name:
            # Every talk's calendar entry names its series (CATEGORIES): subscribed calendars
            # take the new name only with a higher SEQUENCE.
            self.talks.all().changed()

    def get_absolute_url(self):
        return reverse("seminars:series_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.join_access == joining.EXTERNAL and not self.registration_url:
            raise ValidationError(
                {"registration_url": "External registration needs a registration page."}
            )


class SeriesSlug(models.Model):
    """A slug a series had before: its pages redirect, its feeds carry the same talks."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        verbose_name = "old slug"

    def __str__(self):
        return self.slug


class SpeakerQuerySet(models.QuerySet):
    def matching_name(self, name: str):
        """Speakers whose name is `name` up to case, accents, spacing and umlaut spelling."""
        return self.filter(name_key=name_key(name))

    def with_talk_counts(self, now=None):
        return _keep_order(self.annotate(**talk_counts(now)))


class Speaker(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the speaker's URL.")
    name_key = models.CharField(
        max_length=200, db_index=True, editable=False, help_text="The name, normalised for lookup."
    )
    affiliation = models.CharField(max_length=300, blank=True)
    homepage = models.URLField(max_length=500, blank=True)
    bio = models.TextField(blank=True, help_text="A few sentences; plain text.")
    photo = models.ImageField(
        upload_to=photo_path,
        max_length=200,
        blank=True,
        help_text="A portrait, scaled to at most 800 px with its metadata removed.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = SpeakerQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["name_key", "created", "updated"])

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("seminars:speaker_detail", kwargs={"slug": self.slug})

    @property
    def photo_url(self) -> str:
        return photos.url(self)


class FeedSourceQuerySet(models.QuerySet):
    def due(self, *, force: bool = False, now: dt.datetime | None = None):
        """The URL sources `import_ics --all` syncs: never synced, failed last time, or their
        interval passed since the last run; every URL source when `force`. Only sources of a
        series: a source that never imported into one has nothing to keep in sync."""
        sources = self.filter(kind=FeedSource.Kind.URL, series__isnull=False)
        sources = sources.select_related("series")
        if force:
            return sources
        due = ExpressionWrapper(F("last_run") + F("interval"), output_field=models.DateTimeField())
        return sources.alias(due=due).filter(
            Q(last_run__isnull=True) | ~Q(last_error="") | Q(due__lte=now or timezone.now())
        )


class FeedSource(models.Model):
    """A calendar that talks are imported from: a URL, an uploaded file, a file on the server,
    standard input or the demo calendar."""

    Kind = SourceKind

    location = models.CharField(max_length=2000, unique=True, help_text="URL or file path.")
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        editable=False,
        help_text="Where the calendar comes from, decided from the location when the source "
        "is recorded: only URLs are synced again by `import_ics --all`.",
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="sources"
    )
    last_run = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_count = models.PositiveIntegerField("created", default=0)
    updated_count = models.PositiveIntegerField("updated", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    cancelled_count = models.PositiveIntegerField("cancelled", default=0)
    skipped_count = models.PositiveIntegerField("skipped", default=0)
    etag = models.CharField(max_length=500, blank=True, help_text="ETag of the last fetch.")
    last_modified = models.CharField(
        max_length=100, blank=True, help_text="Last-Modified header of the last fetch."
    )
    interval = models.DurationField(
        "sync interval",
        default=dt.timedelta(hours=1),
        help_text="How often `import_ics --all` syncs a URL source (hh:mm:ss).",
    )
    public_only = models.BooleanField(
        default=False,
        help_text="Fetch only from public addresses (URLs added in the admin), unless the "
        "host is in IMPORT_ALLOWED_HOSTS.",
    )
    upload = models.BinaryField(
        null=True,
        editable=False,
        help_text="The calendar file an organiser uploaded, for a source that is not a URL.",
    )
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Hash of the bytes, options and day of the last import: the same again is "
        "skipped.",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = FeedSourceQuerySet.as_manager()

    class Meta:
        ordering = ["location"]

    def __str__(self):
        return self.location

    def save(self, *args, **kwargs):
        if not self.kind:
            self.kind = self.kind_for(self.location)
        super().save(*args, **kwargs)

    @classmethod
    def kind_for(cls, location: str) -> str:
        """The kind of the source recorded as `location` (see seminars.locations)."""
        return kind_of(location)

    @property
    def is_upload(self) -> bool:
        return self.kind == self.Kind.UPLOAD


# What a talk's history leaves out (seminars.history): the import's bookkeeping and what
# follows from other fields.
HISTORY_LEAVES_OUT = ["imported", "slug", "sequence", "created", "updated"]


class TalkQuerySet(models.QuerySet):
    def with_finish(self):
        # Matches the expression index on Talk, used by the calendar feed windows.
        return self.alias(finish=Coalesce("end", "start"))

    def upcoming(self, now=None):
        """Talks not yet over (in progress included), soonest first."""
        now = now or timezone.now()
        return self.filter(upcoming_condition(now)).order_by("start", "id")

    def past(self, now=None):
        """Talks that are over, most recent first."""
        now = now or timezone.now()
        # start < now follows from finish < now; saying it lets the start index serve the order.
        return self.with_finish().filter(start__lt=now, finish__lt=now).order_by("-start", "-id")

    def years(self) -> list[int]:
        """The years of the current zone that have talks, latest first, in two queries that
        read the start index a few entries a year, whatever the number of talks.

        A talk within a day of the ends of what a datetime holds may fall before year 1 or
        after year 9999 in the site's zone; it counts in the first or the last year.
        """
        ends = self.order_by().aggregate(first=Min("start"), last=Max("start"))
        if ends["first"] is None:
            return []
        zone = timezone.get_current_timezone()
        low, high = SHOWABLE
        first, last = (min(max(ends[end], low), high).astimezone(zone).year for end in ends)
        if last - first > YEARS_ASKED_ONE_BY_ONE:
            return self._years_of_every_talk()
        # The first start of each year, in a query of one row. Ordered by start, each
        # subquery reads the start index from where its year begins; an EXISTS would let the
        # planner scan the table for a row, which may lie at its far end.
        asked = {
            f"y{year}": Subquery(self.in_year(year).order_by("start").values("start")[:1])
            for year in range(first, last + 1)
        }
        # The row is the first talk's, found by the start index: any row would do.
        row = self.model._default_manager.filter(start=ends["first"]).order_by()
        row = row.annotate(**asked).values(*asked)[:1]
        found = next(iter(row), {})
        return [year for year in range(last, first - 1, -1) if found.get(f"y{year}")]

    def _years_of_every_talk(self) -> list[int]:
        # Talks centuries apart (the supported years allow it): reading them all is cheaper
        # than a subquery for each year between.
        first, last = SHOWABLE
        start = Least(Greatest("start", Value(first)), Value(last))
        year = Trunc(start, "year", output_field=models.DateTimeField())
        starts = self.annotate(year=year).values_list("year", flat=True).distinct()
        return [d.year for d in starts.order_by("-year")]

    def in_year(self, year: int):
        """Talks starting in `year` of the current zone, counted as `years()` counts them: the
        first and last years a datetime holds reach to the ends of time. (Django's
        `start__year` fails on both: its bounds leave range.)"""
        zone = timezone.get_current_timezone()
        talks = self
        if year > dt.MINYEAR:
            talks = talks.filter(start__gte=dt.datetime(year, 1, 1, tzinfo=zone))
        if year < dt.MAXYEAR:
            talks = talks.filter(start__lt=dt.datetime(year + 1, 1, 1, tzinfo=zone))
        return talks

    def in_calendar_window(self, *, past, keep_cancelled, now=None):
        """Talks a calendar feed carries: those not over before `now - past`, except talks
        cancelled longer than `keep_cancelled` ago, which subscribed calendars have seen by then.
        """
        now = now or timezone.now()
        return (
            self.with_finish()
            .filter(finish__gte=now - past)
            .exclude(status=Talk.Status.CANCELLED, updated__lt=now - keep_cancelled)
        )

    def nearest_first(self, now=None):
        """Talks not yet over, soonest first, then past ones, latest first: what a feed keeps,
        and the admin's talk list (`nearest_first_order()`)."""
        return self.order_by(*nearest_first_order(now))

    def nearest(self, limit: int, now=None) -> list["Talk"]:
        """The first `limit` talks of nearest_first(), in up to three queries that each read
        an index from a point near now, where nearest_first() sorts every talk: those going on
        since longer than LONGEST_RUNNING (the finish index, its start beside it), then the
        upcoming ones and those over (the start index, onwards and back from now)."""
        now = now or timezone.now()
        # Related rows are fetched once for all three, whichever of them found talks.
        lookups, talks = self._prefetch_related_lookups, self.prefetch_related(None)
        long_running = talks.with_finish().filter(start__lt=now - LONGEST_RUNNING, finish__gte=now)
        found = list(long_running.order_by("start", "id")[:limit])
        for part in (talks.upcoming(now), talks.past(now)):
            if len(found) < limit:
                found += part[: limit - len(found)]
        prefetch_related_objects(found, *lookups)
        return found

    def with_speakers(self):
        """Talks with their series and their speakers in order, in a constant number of queries.

        Leaves out `imported`, the import's bookkeeping, which no page or feed shows.
        """
        return (
            self.defer("imported")
            .select_related("series")
            .prefetch_related(
                Prefetch(
                    "talk_speakers",
                    queryset=TalkSpeaker.objects.select_related("speaker").order_by("position"),
                )
            )
        )

    def cancel(self, now=None, *, why: str = ""):
        """Mark these talks cancelled, raising their sequence so calendars pick it up."""
        return self.exclude(status=Talk.Status.CANCELLED).changed(
            now, why=why, status=Talk.Status.CANCELLED
        )

    def reconfirm(self, now=None):
        """Mark these talks confirmed again, raising their sequence."""
        return self.exclude(status=Talk.Status.CONFIRMED).changed(now, status=Talk.Status.CONFIRMED)

    def changed(self, now=None, *, why: str = "", **values) -> int:
        """Record a change to these talks that calendars must see: set `values`, raise the
        SEQUENCE, stamp `updated` and give the site's content a new version. Returns how many.

        The one way a talk's change is published; update() sends no signals, so it is here.
        """
        now = now or timezone.now()
        change = {"sequence": F("sequence") + 1, "updated": now, **values}
        if all(name in HISTORY_LEAVES_OUT for name in values):
            count = self.update(**change)
        else:
            # update() sends no signals: the talks' history (seminars.history) is told here,
            # with the account of the request when there is one. The talks are those of
            # before the change (it may take them out of this queryset), in batches under
            # SQLite's limit on a statement's parameters.
            pks = list(self.values_list("pk", flat=True))
            count = 0
            for i in range(0, len(pks), bulk_history.BATCH):
                batch = pks[i : i + bulk_history.BATCH]
                count += self.model.objects.filter(pk__in=batch).update(**change)
                bulk_history.record(Talk, batch, reason=why, when=now)
        if count:
            ContentVersion.objects.bump()
        return count


def new_talk_uid() -> str:
    """A stable, unique UID for a talk created on this site rather than imported."""
    return f"{uuid.uuid4()}@{settings.UID_DOMAIN}"


WEEK = dt.timedelta(days=7)


def _a_week_on(when: dt.datetime | None, zone) -> dt.datetime | None:
    """`when` seven days on by the clock of `zone`: 16:00 stays 16:00 across a summer time
    change, where adding 168 hours would make it 15:00 or 17:00."""
    if when is None:
        return None
    local = when.astimezone(zone)
    return dt.datetime.combine(local.date() + WEEK, local.time(), tzinfo=zone)


class Talk(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="talks")
    title = models.CharField(max_length=500)
    slug = models.SlugField(
        max_length=80, editable=False, help_text="Cosmetic part of the URL, follows the title."
    )
    abstract = models.TextField(blank=True, help_text="Plain text; blank lines split paragraphs.")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    all_day = models.BooleanField(
        default=False,
        help_text="Whole days: start at midnight of the first day, end at midnight after the last.",
    )
    venue = models.CharField(max_length=500, blank=True)
    join_access = models.CharField(
        "who sees the join link",
        max_length=10,
        choices=joining.TALK_CHOICES,
        default="",
        blank=True,
        help_text="Empty: as the series chooses.",
    )
    join_reveal_minutes = models.PositiveSmallIntegerField(
        "shown this many minutes before",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 60)],
        help_text="With “shortly before”: minutes before the start (0–1440; empty: the series').",
    )
    registration_url = models.URLField(
        "registration page",
        max_length=2000,
        blank=True,
        validators=[web_url],
        help_text="With “external registration”: the page people register on (empty: the series').",
    )
    online = models.BooleanField(
        "online only",
        default=False,
        help_text="Held online, in no room (a calendar's location such as “Online” or “via Zoom”).",
    )
    speakers = models.ManyToManyField(Speaker, through="TalkSpeaker", related_name="talks")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    url = models.URLField("external URL", max_length=2000, blank=True)
    join_url = models.URLField(
        "join link",
        max_length=2000,
        blank=True,
        validators=[web_url],
        help_text="The video call people join to take part online.",
    )
    livestream_url = models.URLField(
        "livestream link", max_length=2000, blank=True, validators=[web_url]
    )
    recording_url = models.URLField(
        "recording link", max_length=2000, blank=True, validators=[web_url]
    )
    slides_url = models.URLField("slides link", max_length=2000, blank=True, validators=[web_url])
    slides_file = models.FileField(
        "slides (PDF)",
        upload_to=slides_path,
        max_length=200,
        blank=True,
        help_text="A PDF, shown with the talk once it is over (instead of the slides link).",
    )
    contact = models.CharField(max_length=300, blank=True)
    uid = models.CharField(
        "iCalendar UID",
        max_length=255,
        unique=True,
        default=new_talk_uid,
        help_text="Identity of the talk in calendar feeds; never changes.",
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="Raised whenever a change shows in calendar feeds."
    )
    source = models.ForeignKey(
        FeedSource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talks",
        help_text="The calendar this talk was imported from, if any.",
    )
    imported = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Field values as last imported, to tell an organiser's edits from the feed's.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TalkQuerySet.as_manager()
    # Admin edits, imports and speakers' edits (seminars.history): the import's bookkeeping
    # and what follows from other fields are left out.
    history = HistoricalRecords(excluded_fields=HISTORY_LEAVES_OUT)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="talk_end_not_before_start",
                violation_error_message="A talk cannot end before it starts.",
            ),
        ]
        indexes = [
            # The start beside the finish finds, in the index, the talks going on that started
            # long ago (TalkQuerySet.nearest).
            models.Index(Coalesce("end", "start"), F("start"), name="talk_finish_idx"),
            models.Index(fields=["series", "start"], name="talk_series_start_idx"),
            # The finish beside the start lets "upcoming" skip, in the index, the talks of its
            # LONGEST_RUNNING look-back that are over, without reading their rows.
            models.Index(F("start"), F("id"), Coalesce("end", "start"), name="talk_start_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = self.slug_for_title(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("seminars:talk_detail", kwargs={"pk": self.pk, "slug": self.slug})

    def clean(self):
        super().clean()
        # A venue that only says "Online" (or "via Zoom", a bare meeting URL) is no room.
        where = place(self.venue)
        if where.online:
            self.venue, self.online = "", True
            self.join_url = self.join_url or where.join_url
        errors = {}
        if self.slides_file and not getattr(self.slides_file, "_committed", True):
            try:
                materials.check_pdf(self.slides_file.file)  # a new upload
            except ValidationError as error:
                errors["slides_file"] = error.messages
        if self.join_access == joining.EXTERNAL and not (
            self.registration_url or (self.series_id and self.series.registration_url)
        ):
            errors["registration_url"] = (
                "External registration needs a registration page, here or on the series."
            )
        errors |= {
            name: f"Talks take place in the years {FIRST_YEAR}–{LAST_YEAR}."
            for name in ("start", "end")
            if getattr(self, name) is not None and not in_supported_years(getattr(self, name))
        }
        if errors:
            raise ValidationError(errors)

    def a_week_later(self) -> "Talk | None":
        """A new, unsaved talk like this one a week later in the site's zone, confirmed, with
        no speakers yet; None when that week falls outside the supported years."""
        zone = timezone.get_default_timezone()
        try:
            start, end = _a_week_on(self.start, zone), _a_week_on(self.end, zone)
        except OverflowError:  # a talk stored at the ends of time
            return None
        if not in_supported_years(start) or (end is not None and not in_supported_years(end)):
            return None
        return Talk(
            series_id=self.series_id,
            title=self.title,
            abstract=self.abstract,
            start=start,
            end=end,
            all_day=self.all_day,
            venue=self.venue,
            url=self.url,
            # A series' call or stream is usually the same every week; a recording or slides
            # not.
            join_url=self.join_url,
            livestream_url=self.livestream_url,
            contact=self.contact,
            status=Talk.Status.CONFIRMED,
        )

    @classmethod
    def slug_for_title(cls, title: str) -> str:
        """The cosmetic slug of a talk's URL for `title`."""
        return slug_for(title, max_length=cls._meta.get_field("slug").max_length, fallback="talk")

    @property
    def speaker_list(self) -> list[Speaker]:
        """The speakers in order (prefetched by `with_speakers()`), each as shown on this
        talk: with the name, affiliation and homepage it gives for them, if any."""
        return [ts.shown_speaker for ts in self.talk_speakers.all()]

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def is_over(self, now: dt.datetime | None = None) -> bool:
        """Whether the talk has finished by `now`: the rule of `TalkQuerySet.past()`, its end
        or, without one, its start before `now`."""
        return (self.end or self.start) < (now or timezone.now())

    @property
    def attendance(self) -> str:
        """How people attend: "online", "hybrid" (a room and a way to join or watch), "in person",
        or "" when the talk says neither."""
        remote = bool(self.join_url or self.livestream_url or self.online)
        if remote:
            return "hybrid" if self.venue.strip() else "online"
        return "in person" if self.venue.strip() else ""

    # The labels of the talk's web links, by field, in the order pages and calendars list
    # them. Feeds write them as "Label: URL" lines that our own dialect reads back
    # (seminars.ics.export, dialects): a label changed here changes every feed. Other
    # calendars write the first four too. "More" is the talk's own link (url), such as a
    # registration page.
    LINK_LABELS = {
        "join_url": "Join online",
        "livestream_url": "Livestream",
        "recording_url": "Recording",
        "slides_url": "Slides",
        "url": "More",
    }

    def online_links(self, *, own_link: bool = False, site_url: str = "") -> list[tuple[str, str]]:
        """(label, URL) of the talk's join, livestream, recording and slides links that are
        web addresses, in the order of LINK_LABELS; with `own_link`, its own link too. The
        join link only while the public may see it (seminars.joining), the materials once
        the talk is over (seminars.materials); an uploaded PDF's link is the site's own,
        absolute with `site_url`."""
        shown = materials.public(self)
        links = []
        for name, label in self.LINK_LABELS.items():
            if name == "url" and not own_link:
                continue
            if name in ("recording_url", "slides_url") and not shown:
                continue
            if name == "join_url":
                url = joining.join_link(self)
            elif name == "slides_url" and self.slides_file:
                url = site_url + materials.slides_link(self)
            else:
                url = getattr(self, name)
            links.append((label, url))
        return [
            (label, url)
            for label, url in links
            if url.startswith(("https://", "http://")) or (not site_url and url.startswith("/"))
        ]

    def local_times(self, zone=None) -> tuple[dt.datetime, dt.datetime | None]:
        """Start and end in `zone`, the site's by default.

        Both in UTC instead when either falls outside what a datetime holds there (a talk
        stored at year 1 or 9999), so that the talk still shows, with its zone saying so.
        """
        zone = zone or timezone.get_default_timezone()
        try:
            return self.start.astimezone(zone), self.end and self.end.astimezone(zone)
        except OverflowError:
            return self.start.astimezone(dt.UTC), self.end and self.end.astimezone(dt.UTC)

    def local_days(self, zone=None) -> tuple[dt.date, dt.date]:
        """The first and the last day the talk takes in, in `zone` (see local_times()).

        The one rule for a talk's days, which pages, event data, calendar links and feeds
        all follow. The end is exclusive: a talk ending at midnight ends the day before, as
        an all-day talk stored from midnight to midnight does. An end at another time (say
        17:00) takes in its day.
        """
        start, end = self.local_times(zone)
        first = start.date()
        if end is None or end <= start:
            return first, first
        # end > start, so end's date is after the first day when it falls at midnight.
        last = end.date() - dt.timedelta(days=1) if end.time() == dt.time(0) else end.date()
        return first, last


class TalkSpeaker(models.Model):
    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="talk_speakers")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="talk_speakers")
    position = models.PositiveSmallIntegerField(default=0)
    # As the speaker asks to be shown on this talk (their speaker link); blank: as the speaker.
    shown_name = models.CharField("name on this talk", max_length=200, blank=True)
    shown_affiliation = models.CharField("affiliation on this talk", max_length=300, blank=True)
    shown_homepage = models.URLField(
        "homepage on this talk", max_length=500, blank=True, validators=[web_url]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["talk", "speaker"], name="talkspeaker_unique_speaker"),
        ]
        verbose_name = "speaker"

    def __str__(self):
        return str(self.shown_speaker)

    @property
    def shown_speaker(self) -> Speaker:
        """The speaker as shown on this talk: a copy with this talk's name, affiliation and
        homepage where it gives them (never saved)."""
        speaker = self.speaker
        if not (self.shown_name or self.shown_affiliation or self.shown_homepage):
            return speaker
        shown = copy.copy(speaker)
        shown.name = self.shown_name or speaker.name
        shown.affiliation = self.shown_affiliation or speaker.affiliation
        shown.homepage = self.shown_homepage or speaker.homepage
        return shown


_state_queries = threading.local()
_recent_states = {}  # (database, second) -> state(), of the last second asked (state_this_second)


class ContentVersionManager(models.Manager):
    def current(self) -> tuple[str, dt.datetime | None]:
        """The token and the time of the last change; None for a site never changed."""
        return self.values_list("token", "changed").first() or ("initial", None)

    def state(self, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None, str]:
        """The token, the time of the last change, and the latest time a "shortly before"
        join link appeared or went (seminars.joining), in one query: what a cached page or
        feed must be keyed on."""
        compiler, sql, params = self._state_query()
        with compiler.connection.cursor() as cursor:
            cursor.execute(sql, joining.at(params, now or timezone.now(), compiler.connection))
            rows = cursor.fetchall()
        rows = list(compiler.results_iter(results=[rows], tuple_expected=True))
        return rows[0] if rows else ("initial", None, None)

    def state_this_second(self, now: dt.datetime) -> tuple[str, dt.datetime | None, str]:
        """state(), read at most once per second of `now` by each process: what the cached
        feeds' fast path (seminars.feeds.fast) keys on. A change made here is seen at once
        (bump() forgets it); one made by another server, within the second."""
        key = (self.db, int(now.timestamp()))
        found = _recent_states.get(key)
        if found is None:
            found = self.state(now)
            _recent_states.clear()
            _recent_states[key] = found
        return found

    def _state_query(self):
        # Compiled once per thread and database: a cached page is served in less time than
        # building and compiling this query takes. Its moments are parameters (joining.Moment).
        key = (self.db, settings.JOIN_LINK_REVEAL_MINUTES)
        compiled = getattr(_state_queries, "compiled", None)
        if compiled is None:
            compiled = _state_queries.compiled = {}
        if key not in compiled:
            query = (
                self.annotate(joined=joining.last_change_at())
                .values_list("token", "changed", "joined")
                .order_by("pk")[:1]
                .query
            )
            compiler = query.get_compiler(using=self.db)
            compiled[key] = (compiler, *compiler.as_sql())
        return compiled[key]

    def bump(self) -> None:
        """Give the content a new token, changed now."""
        token = uuid.uuid4().hex
        _recent_states.clear()
        # The database's clock rather than this server's: one clock for every server, so the
        # time of change (a feed's Last-Modified) never goes back.
        if not self.filter(pk=1).update(token=token, changed=Now()):
            # The first change ever: make the row, then stamp it by the same clock.
            self.get_or_create(pk=1, defaults={"token": token})
            self.filter(pk=1).update(token=token, changed=Now())


class ContentVersion(models.Model):
    """A single row whose token changes whenever anything a public page shows changes.

    Page caches key on the token, so a change made on any server (admin edit or import) is
    seen by every server at once, whatever cache backend they use.
    """

    token = models.CharField(max_length=32)
    changed = models.DateTimeField(auto_now=True)

    objects = ContentVersionManager()

    def __str__(self):
        return self.token
