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
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import InvalidInput
from domain.times import format_time
from domain.urls import has_userinfo, redact_url

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL = re.compile(r"\s*(\d+)\s*([smhd])\s*")
MIN_INTERVAL = 30  # seconds: politer than this is not polling, it is hammering
MAX_INTERVAL = 7 * 86400
ACTIVE, PAUSED, REMOVED = "active", "paused", "removed"
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "accept-encoding",
        "if-none-match",
        "if-modified-since",
    }
)
MAX_HEADER_VALUE = 4096


@dataclass(frozen=True)
class FeedCredentials:
    """What a feed asks of us to let us in: Basic auth (a URL's userinfo) or headers (an API key).

    Never in an event: the event names them by a credential id and the store keeps them apart,
    encrypted. `repr` shows no secret, so a logged object or a traceback cannot leak one.
    """

    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __bool__(self) -> bool:
        return bool(self.username or self.password or self.headers)

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": self.password,
            "headers": [list(pair) for pair in self.headers],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> FeedCredentials:
        headers = tuple((str(name), str(text)) for name, text in value.get("headers", []))
        return cls(value.get("username"), value.get("password"), headers)


def parse_header(text: str) -> tuple[str, str]:
    """`"X-Api-Key: abc"` -> ("X-Api-Key", "abc"); InvalidInput without echoing the value."""
    name, colon, value = text.partition(":")
    if not colon:
        raise InvalidInput("a header is 'Name: value'")
    return check_header(name.strip(), value.strip())


def check_header(name: str, value: str) -> tuple[str, str]:
    """A header a feed may be sent, or InvalidInput (never echoing the value: it is a secret)."""
    if not HEADER_NAME.fullmatch(name):
        raise InvalidInput(f"a header name is a token (letters, digits, -), not {name[:100]!r}")
    if name.lower() in RESERVED_HEADERS:
        raise InvalidInput(f"the {name} header is set by the fetcher and cannot be given")
    if not value or len(value) > MAX_HEADER_VALUE or any(ord(c) < 0x20 for c in value):
        raise InvalidInput(
            f"the value of header {name} must be 1 to {MAX_HEADER_VALUE} printable characters"
        )
    return name, value


def feed_id_for(subject: str | None, url: str) -> str:
    """A stable id: the same subject (None: general) and URL always name the same feed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"recount-feed:{subject or ''}:{url}"))


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
    last_truncated: int = 0  # entries whose text was cut to the per-entry cap
    last_deferred: int = 0  # entries left for the next poll by the per-poll cap
    last_cut: str | None = None  # what was cut, in words


@dataclass(frozen=True)
class Feed:
    """One feed as an operator sees it: configuration and polling state together."""

    feed_id: str
    url: str
    subject: str | None  # None: a general feed, routed by the subjects' rules
    interval_seconds: int
    status: str
    added_at: datetime
    version: int
    state: FeedState
    credential_id: str | None = None

    def is_due(self, now: datetime) -> bool:
        due_at = self.state.next_poll_at
        return self.status == ACTIVE and (due_at is None or due_at <= now)

    def to_json(self) -> dict[str, Any]:
        """The same state for `feeds list --json` and `GET /v1/feeds`."""
        state = {k: _json_value(v) for k, v in asdict(self.state).items()}
        return {
            "id": self.feed_id,
            "url": redact_url(self.url),  # a feed added before credentials were kept apart
            "has_credentials": self.credential_id is not None or has_userinfo(self.url),
            "subject": self.subject,
            "every": format_interval(self.interval_seconds),
            "interval_seconds": self.interval_seconds,
            "status": self.status,
            "added_at": format_time(self.added_at),
            **state,
        }


def _json_value(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value
