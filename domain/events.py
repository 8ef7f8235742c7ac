"""The events of the log: what happened, in the past tense, under names that never change.

An event's `type` is stored with it forever; a change of shape gets an upcaster in `parse_event`,
never a rename. Each event knows the stream it belongs to, so appends can check stream versions:
one stream per figure (reports and their retractions), per document (its versions), per feed
(its configuration) and one for the log's signing keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.checkpoints import key_id, load_public_key
from domain.errors import InvalidInput, InvalidReport
from domain.qualifiers import Qualifier
from domain.status import ReportStatus


class Event(BaseModel):
    """Base of every event: frozen, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str]

    @property
    def stream_id(self) -> str:
        raise NotImplementedError

    def to_data(self) -> dict[str, Any]:
        """`model_dump(mode="json")`, by the serializer itself: an append calls it per event,
        and the wrapper's own keyword passing was about a tenth of its cost."""
        data: dict[str, Any] = self.__pydantic_serializer__.to_python(self, mode="json")
        return data


def figure_stream(subject: str, metric: str) -> str:
    return f"figure:{subject}/{metric}"


def document_stream(document_id: str) -> str:
    return f"document:{document_id}"


def feed_stream(feed_id: str) -> str:
    return f"feed:{feed_id}"


def subject_stream(subject: str) -> str:
    return f"subject:{subject}"


def routing_stream(document_id: str) -> str:
    return f"routing:{document_id}"


class Source(BaseModel):
    """Where a report came from: the captured document, or a source typed in by an editor."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    document_id: str | None = None


class DocumentCaptured(Event):
    """An article was captured: a new document, or a new version of one whose text changed."""

    type: ClassVar[str] = "DocumentCaptured"
    document_id: str
    subject: str | None  # None: captured from a general feed, routed by DocumentRouted
    url: str
    title: str | None = None
    publisher: str | None = None
    content_hash: str
    text: str
    published_at: datetime | None = None
    captured_at: datetime
    feed_id: str | None = None
    entry_id: str | None = None

    @property
    def stream_id(self) -> str:
        return document_stream(self.document_id)


class FigureReported(Event):
    """A source stated a figure: its number, its words and when it said so."""

    type: ClassVar[str] = "FigureReported"
    report_id: str
    subject: str
    metric: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: Qualifier
    approximate: bool = False
    unit: str | None = None
    status: ReportStatus = ReportStatus.REPORTED
    subset_of: str | None = None
    quote: str
    reported_at: datetime
    reported_at_basis: Literal["published", "captured", "given"] = "published"
    source: Source
    # How sure the extractor was (0-1); None for reports made by hand and for events written
    # before extraction had a confidence.
    confidence: float | None = Field(default=None, ge=0, le=1)

    @property
    def stream_id(self) -> str:
        return figure_stream(self.subject, self.metric)

    def to_data(self) -> dict[str, Any]:
        """Without `confidence` when it is None, so an event that has none keeps the canonical
        bytes it had before the field existed."""
        data = super().to_data()
        if data.get("confidence") is None:
            data.pop("confidence", None)
        return data


class ReportRetracted(Event):
    """A report was withdrawn; it stays in the log and in the history, marked retracted."""

    type: ClassVar[str] = "ReportRetracted"
    report_id: str
    subject: str
    metric: str
    reason: str

    @property
    def stream_id(self) -> str:
        return figure_stream(self.subject, self.metric)


class ReportConfirmed(Event):
    """A reviewer checked an extracted reading against its sentence and found it right."""

    type: ClassVar[str] = "ReportConfirmed"
    report_id: str
    subject: str
    metric: str

    @property
    def stream_id(self) -> str:
        return figure_stream(self.subject, self.metric)


class ReportCorrected(Event):
    """A reviewer replaced a reading with `correction`, a new report of the same sentence.

    From this position on the correction takes the old report's place: the old one is withdrawn
    (it stays in the history, marked corrected) and the new one stands where it stood on the
    story's timeline. The event lives on the old report's figure stream; the correction may
    name another metric.
    """

    type: ClassVar[str] = "ReportCorrected"
    report_id: str
    subject: str
    metric: str
    reason: str
    correction: FigureReported

    @property
    def stream_id(self) -> str:
        return figure_stream(self.subject, self.metric)

    def to_data(self) -> dict[str, Any]:
        return super().to_data() | {"correction": self.correction.to_data()}


class ReadingQueued(Event):
    """The extractor now reads a decided sentence otherwise: its reading waits for a person.

    Re-extraction never overrides a decision; it queues its new `reading` against the decided
    report (`report_id`) instead of applying it. The reading is in no figure until a reviewer
    corrects the report to it.
    """

    type: ClassVar[str] = "ReadingQueued"
    report_id: str
    subject: str
    metric: str
    reading: FigureReported

    @property
    def stream_id(self) -> str:
        return figure_stream(self.subject, self.metric)

    def to_data(self) -> dict[str, Any]:
        return super().to_data() | {"reading": self.reading.to_data()}


class FeedEvent(Event):
    """Base of the feed events: they all live on the feed's own stream."""

    feed_id: str

    @property
    def stream_id(self) -> str:
        return feed_stream(self.feed_id)


class FeedAdded(FeedEvent):
    """An operator registered a feed to poll for a subject, every `interval_seconds`."""

    type: ClassVar[str] = "FeedAdded"
    url: str  # never with userinfo: credentials are stored apart, named by credential_id
    subject: str | None  # None: a general feed, its entries routed by the subjects' rules
    interval_seconds: int
    credential_id: str | None = None


class FeedPaused(FeedEvent):
    """Polling of the feed was stopped; its configuration and state are kept."""

    type: ClassVar[str] = "FeedPaused"


class FeedResumed(FeedEvent):
    """Polling of a paused feed started again."""

    type: ClassVar[str] = "FeedResumed"


class FeedRemoved(FeedEvent):
    """The feed is no longer polled; what it captured stays in the archive."""

    type: ClassVar[str] = "FeedRemoved"


class DocumentRouted(Event):
    """A captured document version was found to belong to a subject (by its rules, or because
    it was ingested for that subject too); the subject's reports from it follow."""

    type: ClassVar[str] = "DocumentRouted"
    document_id: str
    version: int
    content_hash: str
    subject: str

    @property
    def stream_id(self) -> str:
        return routing_stream(self.document_id)


class RoutingRules(BaseModel):
    """Phrases an entry must hold (any of `match`), must not (`exclude`), and the feeds it may
    come from (all when empty); normalised as domain/routing.py says."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    match: list[str] = []
    exclude: list[str] = []
    feeds: list[str] = []


class SubjectEvent(Event):
    """Base of the subject events: they live on the stream of the subject they name first."""

    subject: str

    @property
    def stream_id(self) -> str:
        return subject_stream(self.subject)


class SubjectDefined(SubjectEvent):
    """An operator gave a subject its title, description and routing rules (again: replaced)."""

    type: ClassVar[str] = "SubjectDefined"
    title: str
    description: str | None = None
    rules: RoutingRules = RoutingRules()


class SubjectRenamed(SubjectEvent):
    """The subject is called `new_subject` from here on; its old name points at the new one."""

    type: ClassVar[str] = "SubjectRenamed"
    new_subject: str


class SubjectsMerged(SubjectEvent):
    """`subject` became part of `into`: from here on their figures are one, under `into`."""

    type: ClassVar[str] = "SubjectsMerged"
    into: str


class SubjectHidden(SubjectEvent):
    """The subject is left out of the lists (home page, `subjects list`); nothing is removed."""

    type: ClassVar[str] = "SubjectHidden"


class SubjectShown(SubjectEvent):
    """A hidden subject is listed again."""

    type: ClassVar[str] = "SubjectShown"


KEYS_STREAM = "log:keys"


class SigningKeyRotated(Event):
    """The log's checkpoints are signed by a new Ed25519 key from here on."""

    type: ClassVar[str] = "SigningKeyRotated"
    key_id: str
    public_key: str  # SubjectPublicKeyInfo PEM of the new key
    previous_key_id: str | None = None
    previous_public_key: str | None = None  # PEM of the key it replaces

    @property
    def stream_id(self) -> str:
        return KEYS_STREAM

    @model_validator(mode="after")
    def _ids_name_the_keys(self) -> SigningKeyRotated:
        """A key id that does not match its key would let a forged key pose as a known one."""
        _check_id("key_id", self.key_id, self.public_key)
        if (self.previous_key_id is None) != (self.previous_public_key is None):
            raise ValueError("previous_key_id and previous_public_key come together")
        if self.previous_key_id is not None and self.previous_public_key is not None:
            _check_id("previous_key_id", self.previous_key_id, self.previous_public_key)
        return self


def _check_id(name: str, kid: str, pem: str) -> None:
    try:
        actual = key_id(load_public_key(pem.encode("ascii")))
    except (InvalidInput, UnicodeEncodeError) as error:
        raise ValueError(f"{name}: {error}") from None
    if actual != kid:
        raise ValueError(f"{name} {kid} does not name its key ({actual})")


# Every event type the log may hold, listed here and nowhere else: a type missing from this
# literal cannot be appended or read back, so the whole vocabulary is visible in one place.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        DocumentCaptured,
        FigureReported,
        ReportRetracted,
        ReportConfirmed,
        ReportCorrected,
        ReadingQueued,
        FeedAdded,
        FeedPaused,
        FeedResumed,
        FeedRemoved,
        SigningKeyRotated,
        DocumentRouted,
        SubjectDefined,
        SubjectRenamed,
        SubjectsMerged,
        SubjectHidden,
        SubjectShown,
    )
}


def parse_event(type_name: str, data: dict[str, Any]) -> Event:
    """Rebuild an event from its stored type and data (the place for upcasters)."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise InvalidReport(f"unknown event type {type_name!r}")
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise InvalidReport(f"bad {type_name} data: {error.errors()[0]['msg']}") from error


@dataclass(frozen=True)
class PendingEvent:
    """An event on its way into the log, with what the append must check."""

    event: Event
    expected_version: int | None = None  # None: append whatever the stream's version
    idempotency_key: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the log holds it: numbered, timed and hashed."""

    position: int
    event_id: str
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    idempotency_key: str | None
    leaf_hash: bytes
    parsed: Event | None = field(default=None, compare=False, repr=False)

    @property
    def event(self) -> Event:
        """The typed event: the one appended, or parsed from the stored data on reading."""
        return self.parsed if self.parsed is not None else parse_event(self.type, self.data)
