"""Captured versions of an article, by URL and capture time: what Memento (RFC 7089) serves.

Read from the documents projection, which holds every captured version of every article. The
memento datetime of a version is its `captured_at`, the moment Recount saw that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, select

from domain.errors import UnknownMemento
from domain.figures import ReportView
from store.figures import report_from_row
from store.tables import documents, reports


@dataclass(frozen=True)
class Capture:
    url: str
    document_id: str
    version: int
    title: str | None
    text: str
    captured_at: datetime
    position: int


def captures(engine: Engine, url: str) -> list[Capture]:
    """Every captured version of `url`, oldest first; UnknownMemento when there is none."""
    query = (
        select(
            documents.c.url,
            documents.c.document_id,
            documents.c.version,
            documents.c.title,
            documents.c.text,
            documents.c.captured_at,
            documents.c.position,
        )
        .where(documents.c.url == url)
        .order_by(documents.c.captured_at, documents.c.position)
    )
    with engine.connect() as connection:
        found = [Capture(*row) for row in connection.execute(query)]
    if not found:
        raise UnknownMemento(f"no captured version of {url}")
    return found


def nearest(found: list[Capture], when: datetime | None) -> Capture:
    """The capture closest to `when` (ties: the earlier); the latest when no time is asked."""
    if when is None:
        return found[-1]
    return min(found, key=lambda c: (abs((c.captured_at - when).total_seconds()), c.position))


@dataclass(frozen=True)
class Version:
    """Where one captured version of a document sits: enough to link to its memento."""

    document_id: str
    version: int
    url: str
    captured_at: datetime
    position: int


def versions_of(engine: Engine, document_ids: set[str]) -> dict[str, list[Version]]:
    """Every captured version of these documents, oldest first, by document."""
    if not document_ids:
        return {}
    query = (
        select(
            documents.c.document_id,
            documents.c.version,
            documents.c.url,
            documents.c.captured_at,
            documents.c.position,
        )
        .where(documents.c.document_id.in_(sorted(document_ids)))
        .order_by(documents.c.position)
    )
    found: dict[str, list[Version]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            found.setdefault(row.document_id, []).append(Version(*row))
    return found


def version_before(versions: list[Version], position: int) -> Version | None:
    """The version a report at `position` was read from: the last one captured before it."""
    earlier = [v for v in versions if v.position < position]
    return earlier[-1] if earlier else None


def reports_read_from(engine: Engine, capture: Capture, until: int | None) -> list[ReportView]:
    """The reports taken from this captured version: those appended after it, before `until`
    (the next version of the same document, if any)."""
    conditions = [
        reports.c.document_id == capture.document_id,
        reports.c.position > capture.position,
    ]
    if until is not None:
        conditions.append(reports.c.position < until)
    query = select(reports).where(and_(*conditions)).order_by(reports.c.position)
    with engine.connect() as connection:
        return [report_from_row(row) for row in connection.execute(query).mappings()]
