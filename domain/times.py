"""Times on every interface: RFC 3339 / ISO 8601 in, UTC out; a bare date means its end, UTC.

"As of 2022-01-11" is read the way a person means it: everything reported on the 11th counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.errors import InvalidTime

END_OF_DAY = time(23, 59, 59, 999999)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 time or a bare date; a time without an offset is taken as UTC."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), END_OF_DAY, tzinfo=UTC)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidTime(
            f"not a time: {text!r} (use RFC 3339, e.g. 2022-01-11T18:00:00Z, or a date 2022-01-11)"
        ) from None
    return as_utc(parsed)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, the one spelling used in events and canonical bytes."""
    return as_utc(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")
