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
from typing import ClassVar

from domain.errors import InvalidInput
from domain.events import Event, feed_stream, register

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL = re.compile(r"\s*(\d+)\s*([smhd])\s*")
MIN_INTERVAL = 30  # seconds: politer than this is not polling, it is hammering
MAX_INTERVAL = 7 * 86400


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
    url: str
    subject: str
    interval_seconds: int


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
