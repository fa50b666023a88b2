"""A visitor's choice of series in an address: `?series=a,b` or `?series=a&series=b`.

The one reading of it for the chosen-series feed, the API, the embeds and the follow page:
one parser, one limit (MAX_CHOSEN_SERIES), and one rule for slugs that name no series (left
out; old slugs of renamed series count as theirs). Each view decides what a choice over the
limit or with unknown slugs means to it. Imports only the models.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Series, SeriesSlug

MAX_CHOSEN_SERIES = 20  # series one feed, listing or filter combines
# Read no further: as many fields as Django reads from a request (DATA_UPLOAD_MAX_NUMBER_FIELDS),
# so that the follow form, which sends one per series, never has a tick dropped.
MAX_SLUGS = 1000


def chosen_slugs(values: Iterable[str]) -> list[str]:
    """The slugs of `?series=` values (`request.GET.getlist("series")`), each one slug or
    several separated by commas: in order, without blanks or repeats, at most MAX_SLUGS."""
    slugs = dict.fromkeys(s.strip() for value in values for s in value.split(",") if s.strip())
    return list(slugs)[:MAX_SLUGS]


@dataclass(frozen=True)
class Choice:
    """The series `slugs` name (current or old slugs), in the order of the site's list."""

    slugs: list[str]
    series: list[Series]

    @property
    def followed(self) -> list[Series]:
        """The series one feed combines: the first MAX_CHOSEN_SERIES."""
        return self.series[:MAX_CHOSEN_SERIES]

    @property
    def left_out(self) -> list[Series]:
        """The series past MAX_CHOSEN_SERIES."""
        return self.series[MAX_CHOSEN_SERIES:]

    def unknown(self) -> list[str]:
        """The slugs that name no series, which `series` leaves out; a query only when a slug
        is not a current one."""
        current = {series.slug for series in self.series}
        others = [slug for slug in self.slugs if slug not in current]
        if not others:
            return []
        old = SeriesSlug.objects.filter(slug__in=others, series__in=self.series)
        known = set(old.values_list("slug", flat=True))
        return [slug for slug in others if slug not in known]


def choose_series(values: Iterable[str]) -> Choice:
    """The choice raw `?series=` values make (`request.GET.getlist("series")`): one query,
    none without slugs."""
    slugs = chosen_slugs(values)
    return Choice(slugs, list(Series.objects.by_slugs(slugs)) if slugs else [])
