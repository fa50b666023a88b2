"""The organisers' CSV of their talks' confirmed registrations: name, email, confirmed.

Names come from a public form: a cell starting with = + - @ (or a tab or carriage return)
is what spreadsheets run as a formula, so it is written after a quote (OWASP's "CSV
injection")."""

import csv
import io

from django.utils import timezone

from .models import Registration

HEADER = ["talk", "talk start", "name", "email", "confirmed"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value` as a spreadsheet shows it as text, never runs it."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def registrations_csv(talks) -> str:
    """The confirmed registrations of `talks` (a Talk queryset, already scoped to the
    organiser's), in order of talk and confirmation, times in the site's zone."""
    rows = (
        Registration.objects.confirmed()
        .filter(talk__in=talks)
        .select_related("talk")
        .order_by("talk__start", "talk_id", "confirmed_at", "pk")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        cells = [
            row.talk.title,
            row.talk.local_times()[0].strftime("%Y-%m-%d %H:%M"),
            row.name,
            row.email,
            timezone.localtime(row.confirmed_at).strftime("%Y-%m-%d %H:%M:%S"),
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()
