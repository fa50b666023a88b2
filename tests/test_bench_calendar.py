"""bench/calendar.py's later version of a calendar (generate's `changed`), which the import
benchmark's update row times: it must leave the other events' bytes alone and update, through
the importer, exactly the talks of the events it changes."""

import datetime as dt

import pytest

from bench.calendar import generate, is_changed
from seminars.importing import ImportOptions, import_source
from seminars.models import Talk

# Near today, as the bench's: the importer reads recurrences around today.
START = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
START -= dt.timedelta(days=30)


def _index(uid: str) -> int:
    """The event of a talk's UID: bench-{i}@example.org, or that/{key} for an occurrence."""
    return int(uid.split("@", 1)[0].removeprefix("bench-"))


def _events(data: bytes) -> list[bytes]:
    """The VEVENTs of `data`, unfolded."""
    return data.replace(b"\r\n ", b"").split(b"BEGIN:VEVENT")[1:]


def test_is_changed_takes_that_share_spread_evenly():
    assert [i for i in range(8) if is_changed(i, 0.5)] == [1, 3, 5, 7]
    assert sum(is_changed(i, 0.25) for i in range(1000)) == 250
    assert not any(is_changed(i, 0.0) for i in range(1000))


def test_changed_revises_only_its_events():
    first = generate(50, start=START, recurring=4)
    assert generate(50, start=START, recurring=4, changed=0.0) == first
    changed = generate(50, start=START, recurring=4, changed=0.5)
    # A series' moved occurrence is a second VEVENT of the same UID.
    uids = [e.split(b"UID:", 1)[1].split(b"\r\n", 1)[0].decode() for e in _events(first)]
    for uid, old, new in zip(uids, _events(first), _events(changed), strict=True):
        if is_changed(_index(uid), 0.5):
            assert b"(revised)" in new and b"SEQUENCE:1" in new and new != old
        else:
            assert new == old


@pytest.mark.django_db
def test_the_changed_version_updates_the_talks_of_the_changed_events(tmp_path):
    feed = tmp_path / "feed.ics"
    feed.write_bytes(generate(40, start=START, recurring=2))
    options = ImportOptions(series="Bench Seminar")
    assert import_source(str(feed), options).result.created
    talks = Talk.objects.count()
    uids = Talk.objects.values_list("uid", flat=True)
    of_changed = sum(is_changed(_index(uid), 0.5) for uid in uids)
    before = {t.uid: t.start for t in Talk.objects.all()}

    feed.write_bytes(generate(40, start=START, recurring=2, changed=0.5))
    result = import_source(str(feed), options).result
    assert (result.created, result.updated, result.cancelled) == (0, of_changed, 0)
    assert result.unchanged == talks - of_changed
    assert Talk.objects.filter(title__contains="(revised)").count() == of_changed
    moved = [t for t in Talk.objects.all() if t.start != before[t.uid]]
    assert moved and all(t.start - before[t.uid] == dt.timedelta(hours=1) for t in moved)
