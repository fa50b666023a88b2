"""Pagination without counting, and without offsets past the first pages: a page costs the
same whatever the number of talks and however deep it is.

Django's Paginator counts every matching row to number the last page; on a long list of
upcoming or past talks that count is the one query that grows with the database. Fetching
one row more than a page holds is enough to know whether there is a next page.

An offset makes the database read every row before the page's: page 2,000 would read 50,000
talks. So the links between pages carry a cursor, the start and id of the talk they page on
from (`after`, or `before` going back), and the page's number only for showing it; a
`page=N` link alone still works, by offset, for the links that are out there.
"""

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404

# Databases take a row offset as a signed 64-bit integer; no list of talks comes near it.
MAX_OFFSET = 2**63 - 1

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CURSOR = re.compile(r"(-?\d{1,19})\.(\d{1,19})")


def cursor(talk) -> str:
    """Where a page starts or ends: at `talk`, by its start (microseconds) and id."""
    return f"{(talk.start - _EPOCH) // dt.timedelta(microseconds=1)}.{talk.pk}"


def read_cursor(value: str) -> tuple[dt.datetime, int]:
    """The (start, id) of a cursor(); ValueError for anything cursor() does not write."""
    match = _CURSOR.fullmatch(value)
    try:
        start, pk = _EPOCH + dt.timedelta(microseconds=int(match[1])), int(match[2])
    except (TypeError, OverflowError) as error:
        raise ValueError(value) from error
    if pk > MAX_OFFSET:  # past what the database's integers hold
        raise ValueError(value)
    return start, pk


def beyond(talks, position: tuple[dt.datetime, int], *, descending: bool):
    """`talks` after `position` in the order by (start, id), or by both descending: a range
    on the start, so that the start index finds where it begins."""
    start, pk = position
    if descending:
        return talks.filter(start__lte=start).exclude(start=start, pk__gte=pk)
    return talks.filter(start__gte=start).exclude(start=start, pk__lte=pk)


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool
    has_previous: bool = False
    next_query: str = ""  # the next page's query parameters (urlencoded), with the list's own
    previous_query: str = ""

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def _number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def page_of(queryset, number, *, size: int) -> Page:
    """Page `number` (1-based; anything else means 1) of `queryset`, by offset; 404 past the
    last page. For lists short enough that no offset grows (search results, say)."""
    number = _number(number)
    start = (number - 1) * size
    if start + size + 1 > MAX_OFFSET:
        raise Http404("No such page.")
    rows = list(queryset[start : start + size + 1])
    if not rows and number > 1:
        raise Http404("No such page.")
    return Page(
        object_list=rows[:size],
        number=number,
        has_next=len(rows) > size,
        has_previous=number > 1,
    )


def talk_page(talks, params, *, size: int, descending: bool = False, keep=()) -> Page:
    """The page of `talks` (ordered by start and id, or by both descending) that the query
    `params` asks for: `after` or `before` a cursor, else `page=N` by offset. Its links page on
    by cursor and keep the `keep` pairs (the list's own parameters, such as its series).
    404 for a page that holds nothing or a cursor that is not one of ours."""
    number = _number(params.get("page"))
    after, before = params.get("after"), params.get("before")
    try:
        if after is not None:
            rows = list(beyond(talks, read_cursor(after), descending=descending)[: size + 1])
            has_next, has_previous = len(rows) > size, True
            rows = rows[:size]
        elif before is not None:
            back = beyond(talks, read_cursor(before), descending=not descending)
            back = back.reverse()
            rows = list(back[: size + 1])
            has_next, has_previous = True, len(rows) > size
            rows = rows[:size][::-1]
        else:
            offset = page_of(talks, number, size=size)
            rows, has_next, has_previous = offset.object_list, offset.has_next, offset.has_previous
    except ValueError:
        raise Http404("No such page: take the link from the page before as it is.") from None
    if not rows and (after is not None or before is not None):
        raise Http404("No such page.")
    if not has_previous:
        number = 1
    keep = list(keep)
    page = Page(rows, number, has_next, has_previous)
    if rows:
        page.next_query = urlencode(keep + [("page", number + 1), ("after", cursor(rows[-1]))])
        back = [("page", number - 1)]
        if number > 2:  # page 1 by offset, at its usual address
            back.append(("before", cursor(rows[0])))
        page.previous_query = urlencode(keep + back)
    return page
