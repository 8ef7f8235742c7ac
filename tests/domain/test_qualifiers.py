from __future__ import annotations

import pytest

from domain.errors import InvalidReport
from domain.qualifiers import Interval, Qualifier, interval


@pytest.mark.parametrize(
    ("qualifier", "value", "expected"),
    [
        (Qualifier.EXACT, 2030, Interval(2030, 2030, 2030)),
        (Qualifier.AT_LEAST, 160, Interval(160, 160, None)),
        (Qualifier.MORE_THAN, 2000, Interval(2000, 2000, None)),
        (Qualifier.NEARLY, 10000, Interval(10000, None, 10000)),
        (Qualifier.UP_TO, 50, Interval(50, None, 50)),
        (Qualifier.AROUND, 9900, Interval(9900, None, None, approximate=True)),
        (Qualifier.ESTIMATED, 5000, Interval(5000, None, None, approximate=True)),
    ],
)
def test_numeric_qualifiers_give_the_designs_bounds(qualifier, value, expected):
    assert interval(qualifier, value) == expected


@pytest.mark.parametrize(
    ("qualifier", "low", "high"),
    [
        (Qualifier.DOZENS, 24, 99),
        (Qualifier.HUNDREDS, 200, 999),
        (Qualifier.THOUSANDS, 2000, 9999),
        (Qualifier.SEVERAL_THOUSAND, 2000, 9999),
        (Qualifier.TENS_OF_THOUSANDS, 20000, 99999),
        (Qualifier.MILLIONS, 2_000_000, 999_000_000),
    ],
)
def test_vague_words_have_no_value_only_bounds(qualifier, low, high):
    assert qualifier.is_vague
    assert interval(qualifier, None) == Interval(None, low, high)


def test_a_range_keeps_both_ends_and_no_value():
    assert interval(Qualifier.RANGE, None, 169_000, 190_000) == Interval(None, 169_000, 190_000)


def test_a_backwards_range_is_refused():
    with pytest.raises(InvalidReport):
        interval(Qualifier.RANGE, None, 190_000, 169_000)


def test_a_numeric_qualifier_without_a_value_is_refused():
    with pytest.raises(InvalidReport, match="needs a value"):
        interval(Qualifier.AT_LEAST, None)


@pytest.mark.parametrize("spelled", ["more than", "more_than", "More Than", "more-than"])
def test_the_dev_sets_spaced_names_are_accepted(spelled):
    assert Qualifier.parse(spelled) is Qualifier.MORE_THAN


def test_an_unknown_qualifier_names_the_known_ones():
    with pytest.raises(InvalidReport, match="at_least"):
        Qualifier.parse("roughly")
