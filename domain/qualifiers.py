"""Qualifiers: the words a source put around its number, turned into an interval a machine compares.

The source's words stay in the report's quote; the interval is what comparisons and charts use.
A `more_than` interval's low bound is exclusive ("more than 2,000" excludes 2,000): that follows
from the qualifier, so it is not stored separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidReport


class Qualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    NEARLY = "nearly"
    AROUND = "around"
    UP_TO = "up_to"
    ESTIMATED = "estimated"
    RANGE = "range"
    DOZENS = "dozens"
    HUNDREDS = "hundreds"
    THOUSANDS = "thousands"
    SEVERAL_THOUSAND = "several_thousand"
    TENS_OF_THOUSANDS = "tens_of_thousands"
    HUNDREDS_OF_THOUSANDS = "hundreds_of_thousands"
    MILLIONS = "millions"

    @classmethod
    def parse(cls, name: str) -> Qualifier:
        """Accept the snake_case name or the dev set's spaced form ("more than")."""
        try:
            return cls(name.strip().lower().replace(" ", "_").replace("-", "_"))
        except ValueError:
            known = ", ".join(q.value for q in cls)
            raise InvalidReport(f"unknown qualifier {name!r} (known: {known})") from None

    @property
    def is_vague(self) -> bool:
        return self in VAGUE_BOUNDS


VAGUE_BOUNDS: dict[Qualifier, tuple[int, int]] = {
    Qualifier.DOZENS: (24, 99),
    Qualifier.HUNDREDS: (200, 999),
    Qualifier.THOUSANDS: (2_000, 9_999),
    Qualifier.SEVERAL_THOUSAND: (2_000, 9_999),
    Qualifier.TENS_OF_THOUSANDS: (20_000, 99_999),
    Qualifier.HUNDREDS_OF_THOUSANDS: (200_000, 999_999),
    Qualifier.MILLIONS: (2_000_000, 999_000_000),
}


@dataclass(frozen=True)
class Interval:
    """What a report says about the true number: `value` as written, and its bounds."""

    value: int | None
    low: int | None
    high: int | None
    approximate: bool = False


def interval(
    qualifier: Qualifier,
    value: int | None,
    low: int | None = None,
    high: int | None = None,
) -> Interval:
    """The interval that `qualifier` puts around `value` (the design's qualifier table).

    `low` and `high` are only read for a range, where the source gave both ends.
    """
    if qualifier is Qualifier.RANGE:
        if low is None or high is None or low > high:
            raise InvalidReport("a range needs low <= high")
        return Interval(None, low, high)
    if qualifier.is_vague:
        vague_low, vague_high = VAGUE_BOUNDS[qualifier]
        return Interval(None, vague_low, vague_high)
    if value is None:
        raise InvalidReport(f"qualifier {qualifier.value!r} needs a value")
    if value < 0:
        raise InvalidReport("a reported figure cannot be negative")
    match qualifier:
        case Qualifier.EXACT:
            return Interval(value, value, value)
        case Qualifier.AT_LEAST | Qualifier.MORE_THAN:
            return Interval(value, value, None)
        case Qualifier.NEARLY | Qualifier.UP_TO:
            return Interval(value, None, value)
        case _:  # around, estimated
            return Interval(value, None, None, approximate=True)


def stated(qualifier: Qualifier, value: int | None, low: int | None, high: int | None) -> str:
    """A figure in the words a reader knows, as the pages write it: "at least 160", "dozens",
    "between 200 and 300", "9,900" (exact needs no word). The JSON keeps the snake_case name."""
    word = "" if qualifier is Qualifier.EXACT else qualifier.value.replace("_", " ")
    if value is None:
        if qualifier is Qualifier.RANGE and low is not None and high is not None:
            return f"between {low:,} and {high:,}"
        return word
    return f"{word} {value:,}".strip()
