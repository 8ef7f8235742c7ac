from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidTime
from domain.times import format_time, parse_time


def test_a_date_alone_means_the_end_of_that_day_utc():
    assert parse_time("2022-01-11") == datetime(2022, 1, 11, 23, 59, 59, 999999, tzinfo=UTC)


def test_an_offset_is_converted_to_utc():
    assert parse_time("2022-01-11T18:00:00+06:00") == datetime(2022, 1, 11, 12, tzinfo=UTC)


def test_z_and_no_offset_both_mean_utc():
    assert parse_time("2026-01-01T00:00:00Z") == parse_time("2026-01-01T00:00:00")


@pytest.mark.parametrize("bad", ["yesterday", "2022-13-01", "11/01/2022", ""])
def test_a_malformed_time_is_a_clear_error(bad):
    with pytest.raises(InvalidTime, match="RFC 3339"):
        parse_time(bad)


def test_times_are_written_in_one_spelling():
    assert format_time(datetime(2022, 1, 11, tzinfo=UTC)) == "2022-01-11T00:00:00.000000Z"
