"""Numbers as news writes them."""

from __future__ import annotations

import pytest

from domain.qualifiers import Qualifier
from ingest.extract.numbers import find_numbers, parse_number, parse_words


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("5000", 5000),
        ("5,000", 5000),
        ("11 300", 11300),
        ("11\u202f300", 11300),
        ("11\u2009300", 11300),
        ("1.9 million", 1_900_000),
        ("5.2 million", 5_200_000),
        ("17 thousand", 17_000),
        ("three", 3),
        ("Sixty-two", 62),
        ("twenty thousand", 20_000),
        ("a thousand", 1000),
        ("a dozen", 12),
        ("one hundred and fifty", 150),
    ],
)
def test_parses_number_as_written(written: str, value: int) -> None:
    assert parse_number(written) == value


def test_number_words_reject_other_words() -> None:
    assert parse_words("several") is None


def test_space_separator_does_not_join_a_date_and_a_count() -> None:
    found = find_numbers("since June 14, 1,033 people were killed")
    assert [n.value for n in found] == [14, 1033]


def test_decimal_without_scale_is_marked_as_measurement() -> None:
    (magnitude,) = find_numbers("a 7.8 magnitude earthquake")
    assert magnitude.decimal


def test_digits_glued_to_letters_are_not_numbers() -> None:
    assert find_numbers("an appeal for USD1 billion, a woman in her 20s, the 2nd") == []


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("left dozens dead", Qualifier.DOZENS),
        ("hundreds were injured", Qualifier.HUNDREDS),
        ("sent thousands of soldiers", Qualifier.THOUSANDS),
        ("several thousand more left", Qualifier.SEVERAL_THOUSAND),
        ("tens of thousands of people", Qualifier.TENS_OF_THOUSANDS),
        ("hundreds of thousands fled", Qualifier.HUNDREDS_OF_THOUSANDS),
        ("left millions more in need", Qualifier.MILLIONS),
    ],
)
def test_vague_quantities_carry_their_qualifier(text: str, qualifier: Qualifier) -> None:
    (found,) = find_numbers(text)
    assert found.vague is qualifier and found.value is None
