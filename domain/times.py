"""Times on every interface, with one rule for the CLI and HTTP alike.

Accepted: an RFC 3339 timestamp (`2022-01-11T18:00:00Z`, `2022-01-11T18:00:00.5+06:00`: a `T`,
seconds, fractional seconds up to nanoseconds, and `Z` or an offset are all part of the form)
or a date `2022-01-11`, which means the end of that day, UTC: "as of 2022-01-11" is read the way
a person means it, everything reported on the 11th counts. Anything else is refused with a
message that names both forms, so `20220111` can no more mean midnight than `2022011199` can
mean anything at all. Times come out in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from domain.errors import InvalidTime

END_OF_DAY = time(23, 59, 59, 999999)

ACCEPTED = (
    "an RFC 3339 timestamp such as 2022-01-11T18:00:00Z or 2022-01-11T18:00:00.5+06:00, "
    "or a date such as 2022-01-11 (the end of that day, UTC)"
)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_SHOWN = 40  # characters of a refused value repeated in the message


def parse_time(text: str) -> datetime:
    """The instant `text` names, in UTC; InvalidTime, naming the accepted forms, otherwise."""
    if not text:
        raise InvalidTime(f"a time is required: {ACCEPTED}")
    try:
        if day := _DATE.fullmatch(text):
            return datetime.combine(date(*map(int, day.groups())), END_OF_DAY, tzinfo=UTC)
        if stamp := _TIMESTAMP.fullmatch(text):
            return _timestamp(stamp)
    except (ValueError, OverflowError):
        pass
    raise InvalidTime(f"not a time: {_shown(text)!r}; use {ACCEPTED}")


def optional_time(text: str | None) -> datetime | None:
    """A time that may be left out: absent and empty (a form field left blank) both mean none."""
    return parse_time(text) if text else None


def _timestamp(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    offset = timedelta(0)
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError("offset out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    moment = datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        micro,
        tzinfo=timezone(offset),
    )
    return moment.astimezone(UTC)


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, the one spelling used in events and canonical bytes."""
    return as_utc(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")
