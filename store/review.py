"""The desk's read models: each report's decisions, the queue of readings still to look at,
and the pages' sign-in sessions.

`apply` is the decisions projector (services/archive.py lists it): one row per decision, at
the position of its event, so `reviews_at` answers "what had been decided at position P" with
the latest row at or before P (a `queued` row, the extractor's new reading of a decided
sentence, is no decision). The queue is the standing reports with no decision yet, or queued
again since their last one, the least sure first, after a keyset cursor (confidence, position).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, or_, select

from domain.errors import InvalidInput
from domain.events import FigureReported, RecordedEvent, ReportCorrected
from domain.figures import ReportView, Window
from domain.review import DECIDING_TYPES as DECIDING_TYPES
from domain.review import Review, ReviewState, decisions_of
from store.figures import COLUMNS, report_from_row
from store.log import recorded_event
from store.rows import RowInsert, db_time
from store.tables import documents, events, reports, review_decisions, review_sessions

DECISION_COLUMNS = (
    "report_id",
    "position",
    "subject",
    "metric",
    "state",
    "actor",
    "recorded_at",
    "reason",
    "corrects",
    "corrected_by",
)
INSERT_DECISIONS = RowInsert(review_decisions, DECISION_COLUMNS)


def apply(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """Record what each event decided (most decide nothing: one type test each)."""
    time = db_time(connection.dialect)
    rows = []
    for recorded in batch:
        if recorded.type not in DECIDING_TYPES:
            continue
        for d in decisions_of(recorded):
            r = d.review
            rows.append(
                (
                    d.report_id,
                    r.position,
                    d.subject,
                    d.metric,
                    r.state.value,
                    r.by,
                    time(r.at),
                    r.reason,
                    r.corrects,
                    r.corrected_by,
                )
            )
    INSERT_DECISIONS(connection, rows)


def reviews_at(
    connection: Connection, report_ids: Iterable[str], position: int | None
) -> dict[str, Review]:
    """Each report's latest decision at or before `position` (None: the log head)."""
    ids = sorted(set(report_ids))
    found: dict[str, Review] = {}
    for start in range(0, len(ids), 500):
        query = select(review_decisions).where(
            review_decisions.c.report_id.in_(ids[start : start + 500]),
            review_decisions.c.state != ReviewState.QUEUED.value,
        )
        if position is not None:
            query = query.where(review_decisions.c.position <= position)
        for row in connection.execute(query.order_by(review_decisions.c.position)).mappings():
            found[row["report_id"]] = _review(row)
    return found


def _review(row: Any) -> Review:
    return Review(
        state=ReviewState(row["state"]),
        by=row["actor"],
        at=row["recorded_at"],
        reason=row["reason"],
        corrects=row["corrects"],
        corrected_by=row["corrected_by"],
        position=row["position"],
    )


def with_reviews(engine: Engine, views: list[ReportView], window: Window) -> list[ReportView]:
    """The views, each with its review as it stood in the window."""
    if not views:
        return views
    with engine.connect() as connection:
        found = reviews_at(connection, (v.report_id for v in views), window.position)
    return [_reviewed(v, found.get(v.report_id)) for v in views]


def _reviewed(view: ReportView, review: Review | None) -> ReportView:
    return replace(view, review=review or Review(ReviewState.UNREVIEWED))


# --- the queue -------------------------------------------------------------------------------

QUEUED = ReviewState.QUEUED.value
_decision = review_decisions.alias("decision")
_queued = review_decisions.alias("queued")
DECIDED = exists().where(_decision.c.report_id == reports.c.report_id, _decision.c.state != QUEUED)
# The extractor read a decided sentence otherwise, and no one has decided since.
REQUEUED = exists().where(
    _queued.c.report_id == reports.c.report_id,
    _queued.c.state == QUEUED,
    ~exists().where(
        _decision.c.report_id == _queued.c.report_id,
        _decision.c.state != QUEUED,
        _decision.c.position > _queued.c.position,
    ),
)
DOUBT = func.coalesce(reports.c.confidence, 0.0)
WAITING = and_(reports.c.retraction_position.is_(None), or_(~DECIDED, REQUEUED))


@dataclass(frozen=True)
class QueueCursor:
    """Where a page of the queue ended: (confidence, position), opaque to clients."""

    confidence: float
    position: int

    def encode(self) -> str:
        raw = f"{self.confidence!r}~{self.position}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> QueueCursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            confidence, position = raw.split("~")
            return cls(float(confidence), int(position))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput(f"not a review cursor: {token[:60]!r}") from None


def queue(
    engine: Engine, subject: str | None, limit: int, after: QueueCursor | None
) -> tuple[list[ReportView], int, QueueCursor | None, dict[str, str]]:
    """Undecided standing reports and requeued ones, least sure first: a page, the count
    waiting, the next cursor, and for a requeued report what the extractor reads now."""
    where = [WAITING]
    if subject is not None:
        where.append(reports.c.subject == subject)
    page = select(*COLUMNS).where(*where)
    if after is not None:
        page = page.where(
            or_(
                DOUBT > after.confidence,
                and_(DOUBT == after.confidence, reports.c.position > after.position),
            )
        )
    page = page.order_by(DOUBT, reports.c.position).limit(limit + 1)
    with engine.connect() as connection:
        rows = connection.execute(page).mappings().all()
        total = connection.execute(select(func.count()).where(*where)).scalar_one()
        ids = [row["report_id"] for row in rows[:limit]]
        reviews = reviews_at(connection, ids, None)
        notes = _queued_notes(connection, ids)
    views = [_reviewed(report_from_row(row), reviews.get(row["report_id"])) for row in rows[:limit]]
    following = None
    if len(rows) > limit and views:
        last = views[-1]
        following = QueueCursor(last.confidence or 0.0, last.position)
    return views, int(total), following, notes


def _queued_notes(connection: Connection, ids: list[str]) -> dict[str, str]:
    query = (
        select(review_decisions.c.report_id, review_decisions.c.reason)
        .where(review_decisions.c.report_id.in_(ids), review_decisions.c.state == QUEUED)
        .order_by(review_decisions.c.position)
    )
    return {report_id: reason for report_id, reason in connection.execute(query)}


def requeued(connection: Connection, report_id: str) -> bool:
    """Whether the extractor's new reading put this decided report back in the queue."""
    query = select(reports.c.report_id).where(reports.c.report_id == report_id, REQUEUED)
    return connection.execute(query).first() is not None


def waiting_count(engine: Engine, subject: str) -> int:
    """How many of a subject's readings wait for a look."""
    query = select(func.count()).where(WAITING, reports.c.subject == subject)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


# --- sessions --------------------------------------------------------------------------------

SESSION_DAYS = 7


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(engine: Engine, token_id: str, now: datetime | None = None) -> str:
    """A new session for a token; returns the secret for the cookie (stored only hashed)."""
    moment = now or datetime.now(UTC)
    secret = secrets.token_urlsafe(32)
    row = {
        "session_hash": _hash(secret),
        "token_id": token_id,
        "csrf": secrets.token_urlsafe(32),
        "created_at": moment,
        "expires_at": moment + timedelta(days=SESSION_DAYS),
    }
    with engine.begin() as connection:
        connection.execute(delete(review_sessions).where(review_sessions.c.expires_at < moment))
        connection.execute(insert(review_sessions).values(**row))
    return secret


def session(engine: Engine, secret: str) -> tuple[str, str] | None:
    """The session's token id and CSRF secret, or None for an unknown or expired one."""
    query = select(review_sessions.c.token_id, review_sessions.c.csrf).where(
        review_sessions.c.session_hash == _hash(secret),
        review_sessions.c.expires_at > datetime.now(UTC),
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else (row[0], row[1])


def close_session(engine: Engine, secret: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            delete(review_sessions).where(review_sessions.c.session_hash == _hash(secret))
        )


def reading_at(connection: Connection, position: int) -> FigureReported:
    """The reading a report holds: its FigureReported, or the correction that made it."""
    row = connection.execute(select(events).where(events.c.position == position)).mappings().one()
    event = recorded_event(row).event
    if isinstance(event, ReportCorrected):
        return event.correction
    assert isinstance(event, FigureReported)
    return event


def decided_at_head(connection: Connection, report_id: str) -> Review | None:
    return reviews_at(connection, [report_id], None).get(report_id)


def decisions_of_document(engine: Engine, document_id: str) -> dict[str, tuple[Any, Review]]:
    """Every report read from the document that a person decided on: its row and review."""
    query = select(reports).where(reports.c.document_id == document_id)
    with engine.connect() as connection:
        rows = {row["report_id"]: row for row in connection.execute(query).mappings()}
        reviews = reviews_at(connection, rows, None)
    return {report_id: (rows[report_id], review) for report_id, review in reviews.items()}


def latest_document(engine: Engine, document_id: str) -> Any:
    """The document's latest captured version (subject, source, text, times), or None."""
    query = (
        select(documents)
        .where(documents.c.document_id == document_id)
        .order_by(documents.c.version.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        return connection.execute(query).mappings().first()
