"""One rule for times on every interface: RFC 3339 timestamps, or a date meaning its end, UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidTime
from domain.times import format_time, optional_time, parse_time

END_OF_JAN_11 = datetime(2022, 1, 11, 23, 59, 59, 999999, tzinfo=UTC)

ACCEPTED = [
    ("2022-01-11", END_OF_JAN_11),
    ("2022-01-11T18:00:00Z", datetime(2022, 1, 11, 18, tzinfo=UTC)),
    ("2022-01-11t18:00:00z", datetime(2022, 1, 11, 18, tzinfo=UTC)),
    ("2022-01-11T18:00:00+06:00", datetime(2022, 1, 11, 12, tzinfo=UTC)),
    ("2022-01-11T18:00:00-05:30", datetime(2022, 1, 11, 23, 30, tzinfo=UTC)),
    ("2022-01-11T18:00:00-00:00", datetime(2022, 1, 11, 18, tzinfo=UTC)),
    ("2022-01-11T18:00:00.5Z", datetime(2022, 1, 11, 18, 0, 0, 500000, tzinfo=UTC)),
    ("2022-01-11T18:00:00.123456Z", datetime(2022, 1, 11, 18, 0, 0, 123456, tzinfo=UTC)),
    ("2022-01-11T18:00:00.123456789Z", datetime(2022, 1, 11, 18, 0, 0, 123456, tzinfo=UTC)),
    ("2022-01-11T23:59:59.999999Z", END_OF_JAN_11),
    ("2024-02-29", datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),
]

REFUSED = [
    "20220111",  # was midnight while 2022-01-11 meant the end of the day
    "2022011199",
    "1" * 100_000,
    "2022-01-11T18:00:00",  # no offset: which zone?
    "2022-01-11T18:00Z",  # no seconds
    "2022-01-11 18:00:00Z",
    "2022-01-11T18:00:00.Z",
    "2022-01-11T18:00:00.1234567891Z",
    "2022-01-11T18:00:00+0600",
    "2022-01-11T18:00:00+24:00",
    "2022-01-11T24:00:00Z",
    "2022-01-11T18:00:60Z",
    "2022-13-01",
    "2023-02-29",
    "2022-1-11",
    "22-01-11",
    " 2022-01-11",
    "2022-01-11\n",
    "2022-W02",
    "2022-011",
    "yesterday",
    "11/01/2022",
    "١٢٣٤-01-11",  # digits, but not ASCII ones
    "0001-01-01T00:00:00+01:00",  # before the first representable instant
    "9999-12-31T23:00:00-05:00",  # after the last
]


@pytest.mark.parametrize(("text", "instant"), ACCEPTED)
def test_accepted_forms_name_one_instant_in_utc(text, instant):
    parsed = parse_time(text)
    assert parsed == instant and parsed.tzinfo == UTC


@pytest.mark.parametrize("text", REFUSED, ids=lambda t: t[:30])
def test_everything_else_is_refused_with_the_accepted_forms(text):
    with pytest.raises(InvalidTime) as refused:
        parse_time(text)
    message = str(refused.value)
    assert "RFC 3339" in message and "2022-01-11T18:00:00Z" in message
    assert "end of that day" in message
    assert len(message) < 300  # a 100,000-digit input is not echoed back whole


def test_a_required_time_left_empty_is_refused():
    with pytest.raises(InvalidTime, match="a time is required.*RFC 3339"):
        parse_time("")


@pytest.mark.parametrize("absent", [None, ""])
def test_an_optional_time_left_empty_is_no_bound(absent):
    assert optional_time(absent) is None


def test_an_optional_time_given_follows_the_same_rule():
    assert optional_time("2022-01-11") == END_OF_JAN_11
    with pytest.raises(InvalidTime):
        optional_time("20220111")


def test_times_are_written_in_one_spelling():
    assert format_time(datetime(2022, 1, 11, tzinfo=UTC)) == "2022-01-11T00:00:00.000000Z"
    assert parse_time(format_time(END_OF_JAN_11)) == END_OF_JAN_11
