"""Captured versions of an article, by URL and capture time: what Memento (RFC 7089) serves.

Read from the documents projection, which holds every captured version of every article. The
memento datetime of a version is its `captured_at`, the moment Recount saw that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from domain.errors import UnknownMemento
from store.tables import documents


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
