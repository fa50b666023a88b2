"""manage.py import_ics: import talks from iCalendar files or URLs."""

import dataclasses
import sys

from django.core.management.base import BaseCommand, CommandError

from seminars.importing import ImportOptions, import_source
from seminars.models import FeedSource

DEFAULTS = ImportOptions()
MB = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import talks from iCalendar sources into a series. Re-running is a sync: changed "
        "events are updated, vanished future ones cancelled, nothing is duplicated, and "
        "edits made in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "sources",
            nargs="*",
            metavar="SOURCE",
            help="a file path, - for standard input, or an http(s):// or webcal:// URL",
        )
        parser.add_argument(
            "--series",
            default="",
            metavar="NAME",
            help="series the talks go into, by name or slug (created when missing); default: "
            "the series of an earlier import of the source, else the calendar's X-WR-CALNAME. "
            "Naming another series moves the source's talks there",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="sync the recorded URL sources that are due, each after its interval (for "
            "cron); with --force, all of them",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--strict", action="store_true", help="fail a source on any warning, writing nothing"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="sync even a source whose bytes are those of its last import today (which "
            "is otherwise skipped as not modified), and with --all every URL source",
        )
        parser.add_argument(
            "--take-over",
            action="store_true",
            help="take over talks that another file or URL imported into the same series "
            "(the same calendar under a new name, or from standard input)",
        )
        parser.add_argument(
            "--horizon-days",
            type=int,
            default=DEFAULTS.horizon_days,
            metavar="DAYS",
            help="expand recurring events this far ahead (default %(default)s)",
        )
        parser.add_argument(
            "--max-occurrences",
            type=int,
            default=DEFAULTS.max_occurrences,
            metavar="N",
            help="keep at most N occurrences of one recurring event, those nearest today "
            "(default %(default)s)",
        )
        parser.add_argument(
            "--max-size",
            type=int,
            default=DEFAULTS.max_bytes // MB,
            metavar="MB",
            help="refuse sources larger than this (default %(default)s MB)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULTS.timeout,
            metavar="SECONDS",
            help="the longest a URL's whole download may take (default %(default)s)",
        )

    def handle(self, *args, **options):
        for name in ("horizon_days", "max_occurrences", "max_size"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        base = ImportOptions(
            series=options["series"].strip(),
            dry_run=options["dry_run"],
            strict=options["strict"],
            take_over=options["take_over"],
            force=options["force"],
            horizon_days=options["horizon_days"],
            max_occurrences=options["max_occurrences"],
            max_bytes=options["max_size"] * MB,
            timeout=options["timeout"],
        )
        jobs = [(location, base) for location in options["sources"]]
        if options["all"]:
            for source in FeedSource.objects.due(force=options["force"]):
                # The series itself: its name could be another series' slug.
                jobs.append((source.location, dataclasses.replace(base, series=source.series)))
        if not jobs and options["all"]:
            # The usual cron run between two intervals: nothing to do is no failure.
            self.stdout.write("no source is due for a sync")
            return
        if not jobs:
            raise CommandError("name at least one SOURCE (a file, - or a URL), or use --all")
        if options["sources"].count("-") > 1:
            raise CommandError("standard input (-) can be read only once")

        progress = self._progress if self.stdout.isatty() else None
        failed = []
        for location, job_options in jobs:
            try:
                report = import_source(
                    location, job_options, stdin=sys.stdin.buffer, progress=progress
                )
            except Exception as error:
                if options["traceback"]:
                    raise
                self.stderr.write(
                    f"{location}: failed: unexpected error: {error} (see --traceback)"
                )
                failed.append(location)
                continue
            self._print(report, dry_run=base.dry_run)
            if report.failed:
                failed.append(report.location)
        if failed:
            # The others were imported all the same; say which ones to look at.
            names = ", ".join(failed[:5]) + (
                f" and {len(failed) - 5} more" if len(failed) > 5 else ""
            )
            raise CommandError(f"{len(failed)} of {len(jobs)} source(s) failed: {names}")

    def _progress(self, done, total):
        self.stderr.write(f"\r  {done}/{total} events", ending="")
        self.stderr.flush()

    def _print(self, report, *, dry_run):
        r = report.result
        for notice in dict.fromkeys(r.notices):
            self.stdout.write(f"  warning: {notice}")
        for conflict in dict.fromkeys(r.conflicts):
            self.stdout.write(f"  conflict: {conflict}")
        if report.failed:
            self.stderr.write(f"{report.location}: failed: {report.error}")
            return
        if report.busy:
            self.stdout.write(f"{report.location}: {report.busy}")
            return
        if report.not_modified:
            self.stdout.write(f"{report.location}: not modified since the last import")
            return
        suffix = " (dry run: nothing written)" if dry_run else ""
        if report.moved_from:
            self.stdout.write(
                f"{report.location}: moved from {report.moved_from!r} to {report.series!r}, "
                f"with its {report.moved} talk(s){suffix}"
            )
        self.stdout.write(f"{report.location}: {r.summary()} into {report.series!r}{suffix}")
