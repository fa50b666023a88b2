"""Pagination without counting: a page costs the same whatever the number of talks.

Django's Paginator counts every matching row to number the last page; on a long list of
upcoming or past talks that count is the one query that grows with the database. Fetching
one row more than a page holds is enough to know whether there is a next page.
"""

from dataclasses import dataclass

from django.http import Http404

# Databases take a row offset as a signed 64-bit integer; no list of talks comes near it.
MAX_OFFSET = 2**63 - 1


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(queryset, number, *, size: int) -> Page:
    """Page `number` (1-based; anything else means 1) of `queryset`; 404 past the last page."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    if start + size + 1 > MAX_OFFSET:
        raise Http404("No such page.")
    rows = list(queryset[start : start + size + 1])
    if not rows and number > 1:
        raise Http404("No such page.")
    return Page(object_list=rows[:size], number=number, has_next=len(rows) > size)
