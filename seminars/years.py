"""The years a talk may fall in, for the models, the import and the admin alike.

Outside them dates overflow time zone conversions (year 1, year 9999) and are never a real
talk: the import skips such events with a notice, and forms refuse them.
"""

import datetime as dt

FIRST_YEAR, LAST_YEAR = 1900, 2200
EARLIEST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)


def in_supported_years(value: dt.date) -> bool:
    """Whether a date or time falls in the supported years, wherever its zone is."""
    # The wall-clock year first: comparing year 1 or 9999 across zones may overflow.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    return not isinstance(value, dt.datetime) or value.tzinfo is None or EARLIEST <= value < LATEST
