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
from dataclasses import dataclass, field
from typing import Any, ClassVar

from domain.errors import InvalidInput
from domain.events import Event, feed_stream, register

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL = re.compile(r"\s*(\d+)\s*([smhd])\s*")
MIN_INTERVAL = 30  # seconds: politer than this is not polling, it is hammering
MAX_INTERVAL = 7 * 86400


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
    name, value = name.strip(), value.strip()
    if not colon or not HEADER_NAME.fullmatch(name):
        raise InvalidInput(f"a header is 'Name: value' with a token for a name, not {name!r}:…")
    if name.lower() in RESERVED_HEADERS:
        raise InvalidInput(f"the {name} header is set by the fetcher and cannot be given")
    if not value or len(value) > MAX_HEADER_VALUE or any(ord(c) < 0x20 for c in value):
        raise InvalidInput(
            f"the value of header {name} must be 1 to {MAX_HEADER_VALUE} printable characters"
        )
    return name, value


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


class FeedEvent(Event):
    """Base of the feed events: they all live on the feed's own stream."""

    feed_id: str

    @property
    def stream_id(self) -> str:
        return feed_stream(self.feed_id)


@register
class FeedAdded(FeedEvent):
    """An operator registered a feed to poll for a subject, every `interval_seconds`."""

    type: ClassVar[str] = "FeedAdded"
    url: str  # never with userinfo: credentials are stored apart, named by credential_id
    subject: str
    interval_seconds: int
    credential_id: str | None = None


@register
class FeedPaused(FeedEvent):
    """Polling of the feed was stopped; its configuration and state are kept."""

    type: ClassVar[str] = "FeedPaused"


@register
class FeedResumed(FeedEvent):
    """Polling of a paused feed started again."""

    type: ClassVar[str] = "FeedResumed"


@register
class FeedRemoved(FeedEvent):
    """The feed is no longer polled; what it captured stays in the archive."""

    type: ClassVar[str] = "FeedRemoved"
