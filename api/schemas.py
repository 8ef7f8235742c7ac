"""The JSON shapes of the HTTP API; Figure and Report, which `--json` prints too, live in
services/formats.py and are re-exported here for the routes and the OpenAPI schema.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from domain.events import RecordedEvent
from domain.figures import FigurePage
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from domain.subjects import SLUG
from domain.times import ACCEPTED
from services.audit import canonical_line
from services.figures import FigureRows, SubjectFigures
from services.formats import Figure as Figure
from services.formats import FigureSummary as FigureSummary
from services.formats import Report as Report
from services.formats import RetractionOut as RetractionOut
from services.formats import ReviewItem, figure_fields, page_fields
from services.formats import SourceOut as SourceOut
from services.formats import SubjectOut as SubjectOut

# A time as text, parsed by domain/times.py's one rule; the schema names the same two forms, so
# a client (or a fuzzer) that follows it sends what the server accepts.
_TIME_FORMS: list[dict[str, Any]] = [
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "date"},
]
TimeText = Annotated[str, WithJsonSchema({"anyOf": _TIME_FORMS, "description": ACCEPTED})]
OptionalTimeText = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [*_TIME_FORMS, {"type": "string", "maxLength": 0}],
            "description": ACCEPTED + "; empty means no bound",
        }
    ),
]


class FigureOut(Figure):
    """A Figure over HTTP, with the permalink that pins it."""

    permalink: str = Field(description="the same view pinned at_position: same bytes forever")

    @classmethod
    def pinned(cls, page: FigurePage, permalink: str) -> FigureOut:
        return cls(**page_fields(page), permalink=permalink)

    @classmethod
    def encoded(cls, found: FigureRows | FigurePage, permalink: str) -> bytes:
        """The JSON bytes of the answer; from rows, written at once without the models (the
        same bytes: tests/api/test_figure_json.py)."""
        if isinstance(found, FigurePage):
            return cls.pinned(found, permalink).model_dump_json().encode()
        fields = figure_fields(found)
        fields["permalink"] = permalink
        return orjson.dumps(fields, option=orjson.OPT_UTC_Z)


class SubjectFiguresOut(BaseModel):
    subject: str
    as_of: datetime | None
    known_at: datetime | None
    position: int = Field(description="the log position this view is pinned to")
    permalink: str = Field(description="the same view pinned at_position: same bytes forever")
    figures: list[FigureSummary]

    @classmethod
    def of(cls, result: SubjectFigures, permalink: str) -> SubjectFiguresOut:
        return cls(
            subject=result.subject,
            as_of=result.window.as_of,
            known_at=result.window.known_at,
            position=result.window.position or 0,
            permalink=permalink,
            figures=[FigureSummary.of(f) for f in result.figures],
        )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


# Request bodies and log events (issue 7). Bounds keep every value storable on both backends.

BIG = 10**15  # far above any count of people, well inside a 64-bit integer


def _text(max_length: int, description: str = "") -> Any:
    return Field(
        min_length=1, max_length=max_length, pattern=r"^[^\x00]*$", description=description
    )


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = _text(2000, "the article's URL")
    title: str | None = Field(default=None, max_length=1000, pattern=r"^[^\x00]*$")
    publisher: str | None = Field(default=None, max_length=300, pattern=r"^[^\x00]*$")


class ReportIn(BaseModel):
    """A report typed by hand. `low` and `high` are read for a `range` only.

    Strict: `false` is not a number nor `"3"` one. The qualifier and status name the domain's
    vocabularies in the schema; the domain checks them, with its own message.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    metric: str = Field(pattern=r"^[a-z][a-z0-9_]{0,99}$", examples=["deaths"])
    value: int | None = Field(default=None, ge=0, le=BIG)
    qualifier: str = Field(
        max_length=40,
        examples=["at_least"],
        json_schema_extra={"enum": [q.value for q in Qualifier]},
    )
    quote: str = _text(10_000, "the source's own words")
    reported_at: TimeText = Field(examples=["2022-01-11"])
    unit: str | None = Field(default=None, max_length=100, pattern=r"^[^\x00]*$")
    low: int | None = Field(default=None, ge=0, le=BIG)
    high: int | None = Field(default=None, ge=0, le=BIG)
    status: str = Field(
        default="reported",
        max_length=40,
        json_schema_extra={"enum": [s.value for s in ReportStatus]},
    )
    source: SourceIn


class RetractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = _text(2000, "why the report is withdrawn")


class CorrectionIn(BaseModel):
    """What a reviewer changes in a reading (anything left out stays as it was), and why.

    `subset_of` "" makes a breakdown the headline figure again.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = _text(2000, "why the reading was wrong")
    value: int | None = Field(default=None, ge=0, le=BIG)
    low: int | None = Field(default=None, ge=0, le=BIG)
    high: int | None = Field(default=None, ge=0, le=BIG)
    qualifier: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [q.value for q in Qualifier]}
    )
    metric: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,99}$")
    status: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [s.value for s in ReportStatus]}
    )
    subset_of: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")


class MissedIn(BaseModel):
    """A figure the extractor missed: the sentence as the captured article has it, and the
    reading. `low` and `high` are read for a `range` only."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sentence: str = _text(10_000, "the sentence, word for word as captured")
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]{0,99}$", examples=["deaths"])
    value: int | None = Field(default=None, ge=0, le=BIG)
    qualifier: str = Field(
        max_length=40, examples=["exact"], json_schema_extra={"enum": [q.value for q in Qualifier]}
    )
    low: int | None = Field(default=None, ge=0, le=BIG)
    high: int | None = Field(default=None, ge=0, le=BIG)
    status: str = Field(
        default="reported",
        max_length=40,
        json_schema_extra={"enum": [s.value for s in ReportStatus]},
    )
    unit: str | None = Field(default=None, max_length=100, pattern=r"^[^\x00]*$")
    subset_of: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")


class ReviewQueueOut(BaseModel):
    """A page of the review queue."""

    items: list[ReviewItem]
    waiting: int = Field(description="readings waiting in all (this page included)")
    next: str | None = Field(description="pass as `after` for the next page; null on the last")


class EventOut(BaseModel):
    """One event of the log, as appended."""

    position: int
    event_id: str
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime

    @classmethod
    def of(cls, event: RecordedEvent) -> EventOut:
        return cls(**_event_fields(event))


class LogEventOut(EventOut):
    """An event with what an auditor hashes: its canonical bytes and leaf hash, base64."""

    canonical: str = Field(description="base64 of the RFC 8785 bytes the leaf hash is over")
    leaf_hash: str = Field(description="base64 of SHA-256(0x00 || canonical)")

    @classmethod
    def of(cls, event: RecordedEvent) -> LogEventOut:
        return cls(
            **_event_fields(event),
            canonical=base64.b64encode(canonical_line(event)).decode(),
            leaf_hash=base64.b64encode(event.leaf_hash).decode(),
        )


def _event_fields(event: RecordedEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "event_id": event.event_id,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "recorded_at": event.recorded_at,
    }


_PHRASES: Any = Field(default_factory=list, max_length=50)


class SubjectIn(BaseModel):
    """A subject's definition: its title and routing rules (domain/routing.py)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    subject: str = Field(pattern=f"^{SLUG.pattern}$", examples=["valoria-earthquake-2026"])
    title: str = _text(200, "what the home page lists it by")
    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    match: list[Annotated[str, _text(200)]] = _PHRASES
    exclude: list[Annotated[str, _text(200)]] = _PHRASES
    feeds: list[Annotated[str, Field(min_length=4, max_length=36)]] = Field(
        default_factory=list, max_length=50
    )
    backfill: bool = Field(default=False, description="route what general feeds captured before")


class SubjectRenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    new_subject: str = Field(pattern=f"^{SLUG.pattern}$")


class SubjectMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    into: str = Field(pattern=f"^{SLUG.pattern}$")
