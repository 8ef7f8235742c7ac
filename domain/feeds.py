"""Feeds as configuration events: adding, pausing, resuming and removing a feed is history too.

Each feed has a stream `feed:{feed_id}`. Its id is derived from its subject and URL, so adding
the same feed twice lands on the same stream and optimistic concurrency refuses the duplicate,
even when two operators race. A removed feed can be added again: its stream simply goes on.

Only configuration is an event. Polling state (validators, failures, next poll) changes every
few minutes and is not history anyone audits, so the store keeps it beside the log, not in it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from domain.errors import InvalidInput
from domain.times import format_time

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL = re.compile(r"\s*(\d+)\s*([smhd])\s*")
MIN_INTERVAL = 30  # seconds: politer than this is not polling, it is hammering
MAX_INTERVAL = 7 * 86400
ACTIVE, PAUSED, REMOVED = "active", "paused", "removed"


def feed_id_for(subject: str, url: str) -> str:
    """A stable id: the same subject and URL always name the same feed (and stream)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"recount-feed:{subject}:{url}"))


def parse_interval(text: str) -> int:
    """Seconds from "30s", "15m", "1h" or "1d"; anything else is an InvalidInput that says why."""
    match = INTERVAL.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"not an interval: {text!r} (a whole number and a unit: 30s, 15m, 1h or 1d)"
        )
    seconds = int(match.group(1)) * UNITS[match.group(2)]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise InvalidInput(
            f"interval {text!r} is out of range: between {format_interval(MIN_INTERVAL)} "
            f"and {format_interval(MAX_INTERVAL)}"
        )
    return seconds


def format_interval(seconds: int) -> str:
    """The largest unit that divides the interval exactly: 900 -> "15m", 90 -> "90s"."""
    for unit in ("d", "h", "m"):
        if seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class FeedState:
    """What the last poll left behind, and when the next one is due."""

    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_status: str | None = None  # ok, malformed, not_modified, failed
    last_http_status: int | None = None
    last_error: str | None = None
    last_new: int = 0
    last_changed: int = 0
    last_unchanged: int = 0
    last_reports: int = 0
    failures: int = 0
    next_poll_at: datetime | None = None  # None: due now


@dataclass(frozen=True)
class Feed:
    """One feed as an operator sees it: configuration and polling state together."""

    feed_id: str
    url: str
    subject: str
    interval_seconds: int
    status: str
    added_at: datetime
    version: int
    state: FeedState

    def is_due(self, now: datetime) -> bool:
        due_at = self.state.next_poll_at
        return self.status == ACTIVE and (due_at is None or due_at <= now)

    def to_json(self) -> dict[str, Any]:
        """The same state for `feeds list --json` and `GET /v1/feeds`."""
        state = {k: _json_value(v) for k, v in asdict(self.state).items()}
        return {
            "id": self.feed_id,
            "url": self.url,
            "subject": self.subject,
            "every": format_interval(self.interval_seconds),
            "interval_seconds": self.interval_seconds,
            "status": self.status,
            "added_at": format_time(self.added_at),
            **state,
        }


def _json_value(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value
