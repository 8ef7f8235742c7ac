"""The tables: the event log, its head, and the projections derived from it.

Only `events` is the truth; every other table here is a projection that `recount replay` rebuilds
from the log. The schema itself is made by Alembic migrations (alembic/versions), never by
`create_all`, except for the scratch copy that `replay --check` rebuilds into.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from domain.times import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


class EventRow(SQLModel, table=True):
    """The log: append-only (the database's own triggers refuse UPDATE and DELETE)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        # Each index is written by every append, so only what a query reads (migrations 0016,
        # and 0018 on SQLite): the keys that exist, none for the many events without one; and
        # no index on event_id, which no query looks up.
        Index(
            "uq_events_idempotency_key",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: str = Field(max_length=36)
    stream_id: str = Field(max_length=300)
    version: int
    type: str = Field(max_length=100)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    meta: dict[str, Any] = Field(sa_column=Column("metadata", JSON, nullable=False))
    recorded_at: datetime = utc_column(index=True)
    idempotency_key: str | None = Field(default=None, max_length=300)
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LogHead(SQLModel, table=True):
    """One row: the last position and time. Appends lock it, so positions are gapless."""

    __tablename__ = "log_head"

    id: int = Field(primary_key=True)
    position: int = 0
    recorded_at: datetime | None = utc_column(nullable=True)


class ReportRow(SQLModel, table=True):
    """Projection: every report with its provenance and its retraction, if any.

    `eligible` is the domain's "may be current" without the retraction (which depends on the
    position asked about, so it stays a column test on `retraction_position`). One index walks
    a figure's timeline: its current report in any window is a walk backwards from the
    window's `reported_at` to the first eligible row inside the position bound and not
    retracted by then, and a whole answer (counts, page, revisions) one walk of the window,
    read from the index alone. `ordinal`, `changed` and `revision` (store/ordinals.py) answer
    a window at or after the figure's last change without that walk. Each index is written by
    every report appended, so there are only those the queries need (store/figures.py, and by
    document for archived copies).
    """

    __tablename__ = "reports"
    __table_args__ = (
        Index(
            "ix_reports_timeline",
            *("subject", "metric", "reported_at", "position"),
            *("eligible", "value", "retraction_position"),  # held, so a walk reads no rows
        ),
        # A figure's revisions on its timeline (store/ordinals.py): the latest N up to a time
        # are one range. No index holds `ordinal` or `revision`, so numbering a figure again
        # rewrites its rows in place on PostgreSQL (migration 0020).
        Index(
            "ix_reports_changes",
            *("subject", "metric", "reported_at", "position"),
            postgresql_where=text("changed"),
            sqlite_where=text("changed"),
        ),
        # Only reports from a captured document are looked up by it (migration 0016).
        Index(
            "ix_reports_document_id",
            "document_id",
            postgresql_where=text("document_id IS NOT NULL"),
            sqlite_where=text("document_id IS NOT NULL"),
        ),
    )

    report_id: str = Field(primary_key=True, max_length=36)
    subject: str = Field(max_length=200)
    metric: str = Field(max_length=100)
    value: int | None = None
    low: int | None = None
    high: int | None = None
    qualifier: str = Field(max_length=40)
    approximate: bool = False
    unit: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=40)
    subset_of: str | None = Field(default=None, sa_type=Text)
    quote: str = Field(sa_type=Text)
    reported_at: datetime = utc_column()
    reported_at_basis: str = Field(max_length=20)
    recorded_at: datetime = utc_column()
    position: int = Field(index=True)
    source_url: str | None = Field(default=None, sa_type=Text)
    source_title: str | None = Field(default=None, sa_type=Text)
    source_publisher: str | None = Field(default=None, sa_type=Text)
    document_id: str | None = Field(default=None, max_length=64)
    retraction_reason: str | None = Field(default=None, sa_type=Text)
    retraction_position: int | None = None
    retraction_recorded_at: datetime | None = utc_column(nullable=True)
    confidence: float | None = None  # the extractor's, 0-1; null for older and hand-made reports
    eligible: bool = False
    # Where the report stands in its figure's timeline as the archive stands now, kept by
    # store/ordinals.py: its rank (1, 2, ...), whether it is a revision (eligible, not
    # retracted, its value differs from the last such report before it), and how many
    # revisions there are up to it. An answer as of any story time reads them in one probe.
    ordinal: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    changed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class FigureRow(SQLModel, table=True):
    """Projection: one row per figure, with its current report now."""

    __tablename__ = "figures"

    subject: str = Field(primary_key=True, max_length=200)
    metric: str = Field(primary_key=True, max_length=100)
    current_report_id: str | None = Field(default=None, max_length=36)
    report_count: int = 0
    last_position: int = 0


class DocumentRow(SQLModel, table=True):
    """Projection: every captured version of every document."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_url_captured", "url", "captured_at"),)

    document_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    subject: str = Field(max_length=200, index=True)  # "": captured by a general feed or file
    url: str = Field(sa_type=Text)
    title: str | None = Field(default=None, sa_type=Text)
    publisher: str | None = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64)
    text: str = Field(sa_type=Text)
    published_at: datetime | None = utc_column(nullable=True)
    captured_at: datetime = utc_column()
    position: int
    feed_id: str | None = Field(default=None, max_length=36)
    entry_id: str | None = Field(default=None, sa_type=Text)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, for set-based inserts and queries."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


events = table_of(EventRow)
log_head = table_of(LogHead)
reports = table_of(ReportRow)
figures = table_of(FigureRow)
documents = table_of(DocumentRow)


class ApiTokenRow(SQLModel, table=True):
    """API tokens, kept outside the log (a public log must never hold secrets, even hashed).

    Only the SHA-256 of each token is stored. Not a projection: `recount replay` leaves it alone.
    """

    __tablename__ = "api_tokens"

    token_id: str = Field(primary_key=True, max_length=36)
    name: str = Field(unique=True, max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)
    role: str = Field(default="writer", max_length=20)  # writer or editor


api_tokens = table_of(ApiTokenRow)


class FeedCredentialRow(SQLModel, table=True):
    """A feed's credentials (userinfo, headers), encrypted; never in the log, never served.

    FeedAdded names a row by `credential_id`. Not a projection: replay leaves it alone, and an
    export leaves it out, so a database imported elsewhere polls such feeds without them.
    """

    __tablename__ = "feed_credentials"

    credential_id: str = Field(primary_key=True, max_length=36)
    created_at: datetime = utc_column()
    ciphertext: str = Field(sa_type=Text)  # a Fernet token (AES-128-CBC with HMAC-SHA256)


feed_credentials = table_of(FeedCredentialRow)


class FeedRow(SQLModel, table=True):
    """Projection of the feed events: each feed's configuration, rebuilt by replay."""

    __tablename__ = "feeds"

    feed_id: str = Field(primary_key=True, max_length=36)
    url: str = Field(sa_type=Text)
    subject: str = Field(max_length=200)  # "": a general feed, routed by the subjects' rules
    interval_seconds: int
    status: str = Field(max_length=20)  # active, paused, removed
    added_at: datetime = utc_column()
    version: int  # the feed stream's version, for the next event's expected version
    position: int  # the last feed event applied
    credential_id: str | None = Field(default=None, max_length=36)


class FeedStateRow(SQLModel, table=True):
    """Polling state, updated in place by workers; not derived from the log, so replay keeps it."""

    __tablename__ = "feed_state"

    feed_id: str = Field(primary_key=True, max_length=36)
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, max_length=100)
    last_polled_at: datetime | None = utc_column(nullable=True)
    last_status: str | None = Field(default=None, max_length=20)
    last_http_status: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    last_new: int = 0
    last_changed: int = 0
    last_unchanged: int = 0
    last_reports: int = 0
    failures: int = 0
    next_poll_at: datetime | None = utc_column(nullable=True, index=True)
    last_truncated: int = 0  # entries whose text the last poll cut to the cap
    last_deferred: int = 0  # entries left for the next poll (the per-poll cap)
    last_cut: str | None = Field(default=None, sa_type=Text)  # what was cut, in words


feeds = table_of(FeedRow)
feed_state = table_of(FeedStateRow)


class MerkleSubtreeRow(SQLModel, table=True):
    """The log's Merkle tree: every complete aligned subtree's hash above the leaves.

    (level, node_index) covers leaves [node_index * 2**level, (node_index + 1) * 2**level);
    `position` is the event whose append completed it, (node_index + 1) << level: a verifier
    reads by key ranges derived from that, so no index holds it (migration 0021).
    Level 0 is not stored: a leaf is its event's `leaf_hash` (migration 0013).
    """

    __tablename__ = "merkle_subtrees"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    node_index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    position: int


class CheckpointRow(SQLModel, table=True):
    """A signed tree head, kept so auditors and `recount verify` can hold the log to it."""

    __tablename__ = "checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    tree_size: int = Field(index=True)
    root_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    timestamp: str = Field(max_length=40)  # the exact RFC 3339 string that was signed
    key_id: str = Field(max_length=16)
    signature: bytes = Field(sa_column=Column(LargeBinary(64), nullable=False))
    created_position: int  # the log head when it was signed


class SigningKeyRow(SQLModel, table=True):
    """Every public key that has signed checkpoints, so old checkpoints still verify."""

    __tablename__ = "signing_keys"

    key_id: str = Field(primary_key=True, max_length=16)
    public_key: str = Field(sa_type=Text)  # SubjectPublicKeyInfo PEM
    since_position: int  # the log head when it became the current key
    previous_key_id: str | None = Field(default=None, max_length=16)


class SubjectRow(SQLModel, table=True):
    """Projection of the subject events: each subject an event named, as it stands now.

    A subject only ever named by its reports or feeds has no row; `moved_to` is set on a name
    renamed or merged away (the subject it now answers as).
    """

    __tablename__ = "subjects"

    slug: str = Field(primary_key=True, max_length=200)
    title: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    rules: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    hidden: bool = False
    moved_to: str | None = Field(default=None, max_length=200)
    position: int  # the last subject event that changed it
    changed_at: datetime = utc_column()


class SubjectLinkRow(SQLModel, table=True):
    """Projection: every rename and merge, in log order, so any window can resolve a name."""

    __tablename__ = "subject_links"

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=20)  # renamed or merged
    source: str = Field(max_length=200)
    target: str = Field(max_length=200)
    recorded_at: datetime = utc_column()


class DocumentRouteRow(SQLModel, table=True):
    """Projection: which subjects each document version was captured or routed for."""

    __tablename__ = "document_routes"

    document_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    subject: str = Field(primary_key=True, max_length=200, index=True)
    position: int


subjects = table_of(SubjectRow)
subject_links = table_of(SubjectLinkRow)
document_routes = table_of(DocumentRouteRow)
merkle_subtrees = table_of(MerkleSubtreeRow)
checkpoints = table_of(CheckpointRow)
signing_keys = table_of(SigningKeyRow)


class ReviewDecisionRow(SQLModel, table=True):
    """Projection: every decision of the desk on a report (domain/review.py), by position.

    A report's review at position P is its latest row at or before P, so as-of and known-at
    queries see each decision only from its position on. Rebuilt by replay.
    """

    __tablename__ = "review_decisions"

    report_id: str = Field(primary_key=True, max_length=36)
    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    subject: str = Field(max_length=200, index=True)
    metric: str = Field(max_length=100)
    state: str = Field(max_length=20)
    actor: str | None = Field(default=None, max_length=100)
    recorded_at: datetime = utc_column()
    reason: str | None = Field(default=None, sa_type=Text)
    corrects: str | None = Field(default=None, max_length=36)
    corrected_by: str | None = Field(default=None, max_length=36)


class ReviewSessionRow(SQLModel, table=True):
    """A reviewer signed in on the pages: the cookie holds a random secret, this its SHA-256.

    Neither the API token nor the session secret is stored, and nothing of it goes into the
    log. The token is checked again on every request, so a revoke signs its sessions out.
    Not a projection: replay leaves it alone.
    """

    __tablename__ = "review_sessions"

    session_hash: str = Field(primary_key=True, max_length=64)
    token_id: str = Field(max_length=36)
    csrf: str = Field(max_length=64)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()


review_decisions = table_of(ReviewDecisionRow)
review_sessions = table_of(ReviewSessionRow)
