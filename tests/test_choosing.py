"""A choice of series in an address: the one parser, limit and unknown-slug rule."""

import pytest

from seminars.choosing import MAX_CHOSEN_SERIES, MAX_SLUGS, choose_series, chosen_slugs
from tests.factories import make_series

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "slugs"),
    [
        ([], []),
        ([""], []),
        (["a"], ["a"]),
        (["b,a"], ["b", "a"]),
        (["a", "b"], ["a", "b"]),
        (["b, a,,", " c "], ["b", "a", "c"]),
        (["a,b", "b", "a,c"], ["a", "b", "c"]),
    ],
)
def test_slugs_are_read_from_repeated_and_comma_separated_values_in_order(values, slugs):
    assert chosen_slugs(values) == slugs


def test_slugs_past_the_most_read_are_not_read():
    values = [f"s{i}" for i in range(MAX_SLUGS + 5)]
    assert chosen_slugs(values) == values[:MAX_SLUGS]


def test_a_choice_holds_the_known_series_in_the_sites_order_and_leaves_out_unknown_slugs():
    logic, algebra = make_series("Logic", slug="logic"), make_series("Algebra", slug="algebra")

    choice = choose_series(["logic,nope", "algebra"])

    assert choice.slugs == ["logic", "nope", "algebra"]
    assert choice.series == choice.followed == [algebra, logic]
    assert choice.left_out == []
    assert choice.unknown() == ["nope"]


def test_an_old_slug_chooses_its_series_once_and_is_not_unknown():
    logic = make_series("Logic", slug="logic")
    logic.slug = "logic-seminar"
    logic.save()

    choice = choose_series(["logic,logic-seminar"])

    assert choice.series == [logic]
    assert choice.unknown() == []


def test_a_choice_of_only_current_slugs_is_one_query(django_assert_num_queries):
    make_series(slug="a")
    with django_assert_num_queries(1):
        choice = choose_series(["a"])
        assert choice.unknown() == []


def test_no_slugs_choose_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        choice = choose_series(["", " , "])
    assert (choice.slugs, choice.series, choice.unknown()) == ([], [], [])


def test_series_past_the_limit_are_left_out_in_the_sites_order():
    series = [make_series(f"Series {i:02d}") for i in range(MAX_CHOSEN_SERIES + 2)]

    choice = choose_series([",".join(s.slug for s in reversed(series))])

    assert choice.followed == series[:MAX_CHOSEN_SERIES]
    assert choice.left_out == series[MAX_CHOSEN_SERIES:]
