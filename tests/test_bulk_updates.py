"""update_rows(): each row gets its own values, of every kind of field the importer writes, and
the database's triggers see the change as they see any update."""

import datetime as dt

import pytest

from seminars.bulk_updates import update_rows
from seminars.models import Talk
from seminars.search import search_talks
from tests.factories import make_series, make_talk

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_the_others_are_untouched():
    series, other = make_series("Logic"), make_series("Algebra")
    talks = [make_talk(series=series, title=f"Talk {i}") for i in range(3)]
    untouched = make_talk(series=series, title="Left alone")
    start = dt.datetime(2031, 5, 6, 14, 30, tzinfo=dt.UTC)
    for i, talk in enumerate(talks[:2]):
        talk.title = f"Renamed {i}"
        talk.imported = {"title": f"Renamed {i}", "speakers": [["Ada", ""]], "n": i}
        talk.start, talk.end = start + dt.timedelta(days=i), None
        talk.series = other
    update_rows(talks[:2], ["title", "imported", "start", "end", "series"])

    rows = {t.pk: t for t in Talk.objects.all()}
    for i, talk in enumerate(talks[:2]):
        row = rows[talk.pk]
        assert row.title == f"Renamed {i}"
        assert row.imported == {"title": f"Renamed {i}", "speakers": [["Ada", ""]], "n": i}
        assert (row.start, row.end) == (start + dt.timedelta(days=i), None)
        assert row.series_id == other.pk
    assert rows[talks[2].pk].title == "Talk 2"
    assert rows[untouched.pk].title == "Left alone"


def test_an_updated_title_is_found_by_search_at_once():
    talk = make_talk(title="Quantales")
    talk.title = "Frames and locales"
    update_rows([talk], ["title"])
    assert [t.title for t in search_talks("locales")[0:10]] == ["Frames and locales"]
    assert list(search_talks("quantales")[0:10]) == []


def test_no_objects_write_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        update_rows([], ["title"])
