"""Document queries: the latest stored version of each document, and the reports it stands for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, select

from domain.events import RecordedEvent
from store.log import CHUNK, recorded_event
from store.tables import documents, events, reports


def latest_versions(engine: Engine, document_ids: set[str]) -> dict[str, tuple[int, str]]:
    """Each known document's latest (version, content hash), in a few indexed queries."""
    names = sorted(document_ids)
    latest: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for start in range(0, len(names), CHUNK):
            newest = (
                select(documents.c.document_id, func.max(documents.c.version).label("version"))
                .where(documents.c.document_id.in_(names[start : start + CHUNK]))
                .group_by(documents.c.document_id)
                .subquery()
            )
            query = select(
                documents.c.document_id, documents.c.version, documents.c.content_hash
            ).join(
                newest,
                (documents.c.document_id == newest.c.document_id)
                & (documents.c.version == newest.c.version),
            )
            for row in connection.execute(query):
                latest[row.document_id] = (row.version, row.content_hash)
    return latest


def latest_documents(engine: Engine, subject: str) -> list[RecordedEvent]:
    """Each document's latest DocumentCaptured event, oldest document first."""
    newest = (
        select(documents.c.document_id, func.max(documents.c.version).label("version"))
        .where(documents.c.subject == subject)
        .group_by(documents.c.document_id)
        .subquery()
    )
    positions = select(documents.c.position).join(
        newest,
        and_(
            documents.c.document_id == newest.c.document_id,
            documents.c.version == newest.c.version,
        ),
    )
    query = select(events).where(events.c.position.in_(positions)).order_by(events.c.position)
    with engine.connect() as connection:
        return [recorded_event(row) for row in connection.execute(query).mappings()]


def standing_reports(engine: Engine, document_id: str, since_position: int) -> list[dict[str, Any]]:
    """The unretracted reports of the document's latest version (appended after it)."""
    query = select(reports).where(
        and_(
            reports.c.document_id == document_id,
            reports.c.position > since_position,
            reports.c.retraction_position.is_(None),
        )
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
