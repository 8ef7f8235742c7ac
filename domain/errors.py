"""Recount's errors: one tree, so each boundary can translate them in one place.

    RecountError
    ├── InvalidInput            bad input from a user, a file or a feed (400/422)
    │   ├── InvalidTime
    │   │   └── InvalidAcceptDatetime  a Memento Accept-Datetime that is not RFC 1123 (400)
    │   ├── InvalidReport
    │   ├── InvalidVocabulary
    │   ├── InvalidFeedURL      a feed URL that is not a well-formed http(s) URL
    │   └── PayloadTooLarge     (413)
    ├── NotFound                (404)
    │   ├── NotInitialized      the database has no schema yet: run `recount init`
    │   ├── UnknownSubject
    │   ├── SubjectMoved        (301) a subject renamed or merged away: `to` names where
    │   ├── UnknownMetric
    │   ├── UnknownReport
    │   ├── UnknownDocument
    │   ├── UnknownFeed
    │   ├── UnknownEvent
    │   ├── UnknownToken
    │   └── UnknownMemento
    ├── Conflict                (409)
    │   ├── StreamConflict      the expected stream version is stale
    │   ├── IdempotencyKeyReused  the same key came back with other content
    │   ├── AlreadyRetracted    a report can be retracted once
    │   └── AlreadyDecided      a report confirmed twice, or a decision on a reading typed by hand
    ├── AuthError
    │   ├── Unauthorized        (401) no token or an unknown one
    │   └── Forbidden           (403) a revoked token, or a role that may not do this
    ├── FeedError               recorded on the feed, never raised to a user of the API
    │   ├── FetchFailed
    │   ├── UnsafeURL
    │   └── BodyTooLarge
    ├── IntegrityError          the log does not verify (a bad leaf, root or signature)
    └── NotReady                (503) a database unreachable, behind on migrations, or lagging

HTTP status codes live in api/errors.py only; the CLI prints `str(error)` on one line.
"""

from __future__ import annotations


class RecountError(Exception):
    """The root of every error Recount raises on purpose."""


class InvalidInput(RecountError):
    """Input that Recount cannot accept as it is."""


class InvalidTime(InvalidInput):
    """A time that is not RFC 3339 / ISO 8601."""


class InvalidAcceptDatetime(InvalidTime):
    """An Accept-Datetime header that is not an RFC 1123 date (RFC 7089 asks for 400)."""


class InvalidReport(InvalidInput):
    """A report whose fields contradict each other or the vocabulary."""


class InvalidVocabulary(InvalidInput):
    """A metric vocabulary file that cannot be loaded."""


class InvalidFeedURL(InvalidInput):
    """A feed URL that cannot be parsed one way only (numeric shorthand, bad port, bad brackets)."""


class PayloadTooLarge(InvalidInput):
    """A body larger than Recount accepts."""


class NotFound(RecountError):
    """Something asked for by name that the archive does not hold."""


class NotInitialized(NotFound):
    pass


class UnknownSubject(NotFound):
    pass


class SubjectMoved(NotFound):
    """A name renamed or merged away: it answers by pointing at the subject it became."""

    def __init__(self, subject: str, to: str) -> None:
        super().__init__(f"subject {subject!r} is now {to!r}")
        self.subject = subject
        self.to = to


class UnknownMetric(NotFound):
    pass


class UnknownReport(NotFound):
    pass


class UnknownDocument(NotFound):
    pass


class UnknownFeed(NotFound):
    pass


class UnknownToken(NotFound):
    pass


class UnknownMemento(NotFound):
    """No captured version of that URL (Memento: TimeGate, TimeMap, memento)."""


class Conflict(RecountError):
    """The request is valid but contradicts the log's present state."""


class StreamConflict(Conflict):
    """An append expected a stream version that is no longer the stream's head."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, but version {expected} was expected"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(Conflict):
    """An idempotency key came back with content other than the first time."""


class AlreadyRetracted(Conflict):
    """A retraction of a report that is retracted already."""


class AlreadyDecided(Conflict):
    """A review decision that the report's present decision makes pointless."""


class AuthError(RecountError):
    pass


class Unauthorized(AuthError):
    pass


class Forbidden(AuthError):
    pass


class FeedError(RecountError):
    """A feed could not be polled; the reason is recorded on the feed."""


class FetchFailed(FeedError):
    """A poll that got no usable feed; `status` and `retry_after` let the scheduler back off."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class UnsafeURL(FeedError):
    """A feed URL that resolves to a private, loopback or link-local address."""


class BodyTooLarge(FeedError):
    pass


class IntegrityError(RecountError):
    """The log does not verify; `position` names the first bad event where there is one."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class NotReady(RecountError):
    """This process should not take requests yet: a database is unreachable, its schema is
    behind the code (run `recount init`), or the read replica lags too far behind."""
