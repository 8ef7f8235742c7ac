"""Numbers as news writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.qualifiers import Qualifier
from ingest.extract import EXTRACTOR_VERSION, Extraction, extract
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


# -- where a figure is, and its JSON form --------------------------------------------------

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def only(text: str) -> Extraction:
    (figure,) = extract(text)
    return figure


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_offsets_and_quote_point_back_into_the_text() -> None:
    text = seed("000")
    for figure in extract(text):
        assert text[figure.start : figure.end] == figure.surface
        assert figure.surface in figure.quote and figure.quote in text


def test_units_are_reported() -> None:
    assert only("The organization sent 2,030 soldiers to Kazakhstan.").unit == "soldiers"
    assert only("In Syria, 1,712 people were killed.").unit == "people"
    text = "Nearly 240,000 rescue workers, including volunteers, continue to work."
    assert (only(text).metric, only(text).unit) == ("rescue_workers", "rescue workers")


def test_extraction_serialises_to_json_fields() -> None:
    figure = only("So far, at least 160 people have died.")
    assert figure.to_json() == {
        "metric": "deaths", "value": 160, "low": 160, "high": None, "qualifier": "at_least",
        "approximate": False, "unit": "people", "quote": "So far, at least 160 people have died.",
        "start": 8, "end": 27, "status": "reported", "subset_of": None,
        "surface": "at least 160 people", "confidence": figure.confidence,
    }  # fmt: skip
    assert 0.9 <= figure.confidence <= 1.0  # a predicate, and no status cue anywhere
    assert EXTRACTOR_VERSION.startswith("regex-")
