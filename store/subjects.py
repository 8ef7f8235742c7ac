"""Subjects: the projection of the subject events and routes, and the queries on them.

`apply` keeps three tables in step with the log: `subjects` (each subject an event named, as it
stands now), `subject_links` (every rename and merge, for resolving a name in any window) and
`document_routes` (the subjects each document version was captured or routed for, so a second
ingest or a backfill appends only what is missing). A subject only ever named by reports,
documents or feeds has no row and still exists: `known_subjects` finds it where it is used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, union, update

from domain.events import (
    DocumentCaptured,
    DocumentRouted,
    RecordedEvent,
    SubjectDefined,
    SubjectHidden,
    SubjectRenamed,
    SubjectShown,
    SubjectsMerged,
)
from domain.routing import Rules
from domain.subjects import Link
from store.log import CHUNK, recorded_event
from store.rows import RowInsert
from store.tables import (
    document_routes,
    documents,
    events,
    feeds,
    figures,
    subject_links,
    subjects,
)

SUBJECT_TYPES = frozenset(
    t.type for t in (SubjectDefined, SubjectRenamed, SubjectsMerged, SubjectHidden, SubjectShown)
)


@dataclass(frozen=True)
class Subject:
    """A subject as the lists show it."""

    slug: str
    title: str | None
    description: str | None
    rules: Rules
    hidden: bool
    moved_to: str | None
    changed_at: datetime | None  # the last subject event that changed it (None: never defined)

    @property
    def name(self) -> str:
        return self.title or self.slug


def apply(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """The subjects, links and routes of a batch of events.

    The routes go as tuples through the driver (`RowInsert`): a replay writes one a
    document, and SQLAlchemy's executemany of dictionaries took 0.3 s for 3,900 of them on
    PostgreSQL.
    """
    routes = []
    for recorded in batch:
        if recorded.type == DocumentCaptured.type and recorded.data.get("subject"):
            routes.append(_route(recorded.data["document_id"], recorded.version, recorded))
        elif recorded.type == DocumentRouted.type:
            data = recorded.data
            routes.append(_route(data["document_id"], data["version"], recorded))
        elif recorded.type in SUBJECT_TYPES:
            _apply_subject(connection, recorded)
    INSERT_ROUTES(connection, routes)


INSERT_ROUTES = RowInsert(document_routes, ("document_id", "version", "subject", "position"))


def _route(document_id: str, version: int, recorded: RecordedEvent) -> tuple[str, int, str, int]:
    return (document_id, version, recorded.data["subject"], recorded.position)


def _apply_subject(connection: Connection, recorded: RecordedEvent) -> None:
    event = recorded.event
    change = {"position": recorded.position, "changed_at": recorded.recorded_at}
    if isinstance(event, SubjectDefined):
        _upsert(
            connection,
            event.subject,
            title=event.title,
            description=event.description,
            rules=event.rules.model_dump(),
            **change,
        )
    elif isinstance(event, SubjectHidden | SubjectShown):
        _upsert(connection, event.subject, hidden=isinstance(event, SubjectHidden), **change)
    elif isinstance(event, SubjectRenamed | SubjectsMerged):
        target = event.new_subject if isinstance(event, SubjectRenamed) else event.into
        kind = "renamed" if isinstance(event, SubjectRenamed) else "merged"
        connection.execute(
            insert(subject_links).values(
                position=recorded.position,
                kind=kind,
                source=event.subject,
                target=target,
                recorded_at=recorded.recorded_at,
            )
        )
        old = _row(connection, event.subject)
        if kind == "renamed" and old is not None:  # the new name takes the old one's definition
            keep = ("title", "description", "rules", "hidden")
            _upsert(connection, target, **{k: old[k] for k in keep}, **change)
        else:
            _upsert(connection, target, **change)
        _upsert(connection, event.subject, moved_to=target, **change)


def _row(connection: Connection, slug: str) -> Any:
    return connection.execute(select(subjects).where(subjects.c.slug == slug)).mappings().first()


def _upsert(connection: Connection, slug: str, **values: Any) -> None:
    if _row(connection, slug) is None:
        connection.execute(
            insert(subjects).values(slug=slug, rules=values.pop("rules", {}), **values)
        )
    else:
        connection.execute(update(subjects).where(subjects.c.slug == slug).values(**values))


# --- queries --------------------------------------------------------------------------------


def links(engine: Engine) -> list[Link]:
    """Every rename and merge, in log order (a few rows: read whole, resolved in the domain)."""
    with engine.connect() as connection:
        return links_on(connection)


# Links are only ever added (each at its event's position), so their count and last position
# change with every rename and merge, and with nothing else.
# The mark as two columns of a select (`store.tokens.WRITER_SQL` reads it with a write's token).
LINKS_MARK_COLUMNS = (
    "(SELECT count(*) FROM subject_links), (SELECT coalesce(max(position), 0) FROM subject_links)"
)
LinksMark = tuple[int, int]


class KnownLinks:
    """The links as last read, kept under the mark read before them: a write that has just
    read the mark (LINKS_MARK_COLUMNS) and finds it unchanged resolves its subject without reading
    every link again; a rename or merge since changes the mark, and the links are read anew."""

    def __init__(self) -> None:
        self._mark: LinksMark | None = None
        self._links: list[Link] = []
        self._lock = threading.Lock()

    def at(self, engine: Engine, mark: LinksMark) -> list[Link]:
        """The links as of `mark` at least."""
        with self._lock:
            if self._mark == mark:
                return self._links
        found = links(engine)  # read after the mark: at least as new as it
        with self._lock:
            self._mark, self._links = mark, found
        return found


def links_on(connection: Connection) -> list[Link]:
    query = select(subject_links).order_by(subject_links.c.position)
    return [
        Link(row.kind, row.source, row.target, row.position, row.recorded_at)
        for row in connection.execute(query)
    ]


def defined_subjects(engine: Engine) -> dict[str, Subject]:
    """Every subject an event named, by slug (those moved away included, with `moved_to`)."""
    with engine.connect() as connection:
        return {
            row["slug"]: _subject(row)
            for row in connection.execute(select(subjects).order_by(subjects.c.slug)).mappings()
        }


def _subject(row: Any) -> Subject:
    return Subject(
        row["slug"],
        row["title"],
        row["description"],
        Rules.from_json(row["rules"]),
        bool(row["hidden"]),
        row["moved_to"],
        row["changed_at"],
    )


def known_subjects(engine: Engine) -> set[str]:
    """Every slug in use: by reports, by captured or routed documents, by feeds, or defined."""
    names = union(
        select(figures.c.subject),
        select(document_routes.c.subject),
        select(feeds.c.subject).where(feeds.c.subject != ""),
        select(subjects.c.slug),
    )
    with engine.connect() as connection:
        return set(connection.execute(names).scalars())


def is_known(engine: Engine, slug: str) -> bool:
    """One subject's `known_subjects` test, by index."""
    probes = (
        select(figures.c.subject).where(figures.c.subject == slug),
        select(document_routes.c.subject).where(document_routes.c.subject == slug),
        select(feeds.c.subject).where(feeds.c.subject == slug),
        select(subjects.c.slug).where(subjects.c.slug == slug),
    )
    with engine.connect() as connection:
        return any(connection.execute(probe.limit(1)).first() is not None for probe in probes)


def routed(engine: Engine, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], set[str]]:
    """The subjects each (document, version) was captured or routed for."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, int], set[str]] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), CHUNK):
            ids = sorted({d for d, _ in wanted[start : start + CHUNK]})
            query = select(
                document_routes.c.document_id, document_routes.c.version, document_routes.c.subject
            ).where(document_routes.c.document_id.in_(ids))
            for document_id, version, subject in connection.execute(query):
                found.setdefault((document_id, version), set()).add(subject)
    return found


def general_documents(engine: Engine, after: str | None, limit: int) -> list[RecordedEvent]:
    """The latest version of each document captured without a subject (a general feed or
    file), a page at a time by document id: what a backfill holds against new rules."""
    newest = (
        select(documents.c.document_id, func.max(documents.c.version).label("version"))
        .group_by(documents.c.document_id)
        .subquery()
    )
    query = (
        select(events)
        .join(documents, documents.c.position == events.c.position)
        .join(
            newest,
            and_(
                documents.c.document_id == newest.c.document_id,
                documents.c.version == newest.c.version,
            ),
        )
        .where(documents.c.subject == "")
        .order_by(documents.c.document_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(documents.c.document_id > after)
    with engine.connect() as connection:
        return [recorded_event(row) for row in connection.execute(query).mappings()]


def last_changes(engine: Engine) -> dict[str, datetime]:
    """Each slug's last figure change (a report or a retraction): when it was recorded."""
    query = (
        select(figures.c.subject, func.max(events.c.recorded_at))
        .join(events, events.c.position == figures.c.last_position)
        .group_by(figures.c.subject)
    )
    with engine.connect() as connection:
        return {subject: last for subject, last in connection.execute(query)}


def feeds_of(engine: Engine, slugs: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """(feed id, url, subject or None) of the active and paused feeds feeding these subjects:
    those registered for one of them, and the general ones."""
    query = (
        select(feeds.c.feed_id, feeds.c.url, feeds.c.subject)
        .where(feeds.c.status != "removed")
        .where(feeds.c.subject.in_(sorted(set(slugs))) | (feeds.c.subject == ""))
        .order_by(feeds.c.added_at)
    )
    with engine.connect() as connection:
        return [(row.feed_id, row.url, row.subject or None) for row in connection.execute(query)]
