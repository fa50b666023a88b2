"""Rules for calendar values that reading and writing share."""

import re

# Control characters other than tab and newline: iCalendar text may not hold them, PostgreSQL
# refuses NUL, and none is text. Read and written calendars both lose them.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def as_list(value) -> list:
    """A property's values as a list: icalendar gives one alone, several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
