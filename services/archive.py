"""The composition: one database, its event store, and every projector its appends run.

This is the only place that wires Recount together. `PROJECTORS` lists, in the order they run
inside each append's transaction, everything kept in step with the log; `Archive` is the handle
the use cases in services/ take. The API, the CLI and the worker open one from the settings and
call the use cases with it; nothing below services/ knows it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, inspect

from domain.errors import NotInitialized
from services.settings import Settings
from store import feeds, keys, merkle, projections, rebuild, review, subjects
from store.database import create_database_engine, migrate
from store.events import Clock, EventStore, system_clock
from store.projections import Projector
from store.subjects import KnownLinks
from store.tables import (
    document_routes,
    documents,
    figures,
    reports,
    review_decisions,
    subject_links,
)
from store.tables import feeds as feeds_table
from store.tables import subjects as subjects_table

PROJECTORS: tuple[Projector, ...] = (
    # Read models: derived from the log alone, so `recount replay` rebuilds their tables.
    Projector(
        "reports, figures, documents",
        projections.apply,
        (reports, figures, documents),
        replay=rebuild.apply,
        finish=rebuild.finish,
        from_log=rebuild.apply_logged,
    ),
    Projector("feeds", feeds.apply_feed_events, (feeds_table,)),
    Projector("subjects", subjects.apply, (subjects_table, subject_links, document_routes)),
    Projector("review decisions", review.apply, (review_decisions,)),
    # The audit trail: kept beside the log, never rebuilt by a replay.
    Projector("merkle subtrees", merkle.record),
    Projector("key history", keys.record),
)


@dataclass
class Archive:
    """An open archive: its settings, its engine, and the event store wired to the projectors."""

    settings: Settings
    engine: Engine
    events: EventStore = field(init=False)
    links: KnownLinks = field(init=False)  # renames and merges as last read (writes resolve)

    def __post_init__(self) -> None:
        self.events = EventStore(self.engine)
        self.links = KnownLinks()
        self.events.on_append.extend(projector.apply for projector in PROJECTORS)

    @classmethod
    def open(cls, settings: Settings, clock: Clock = system_clock) -> Archive:
        archive = cls(settings, create_database_engine(settings.database_url))
        archive.events.clock = clock
        return archive

    def migrate(self) -> None:
        migrate(self.engine)

    def require_schema(self) -> None:
        """Fail with a clear error, not a driver's, on a database `recount init` never saw."""
        if not inspect(self.engine).has_table("log_head"):
            where = self.engine.url.render_as_string(hide_password=True)
            raise NotInitialized(f"no Recount database at {where}: run `recount init` first")

    def close(self) -> None:
        self.events.close()
        self.engine.dispose()


def read_models() -> tuple[Projector, ...]:
    """The projectors a replay runs: those whose tables it empties and rebuilds."""
    return tuple(projector for projector in PROJECTORS if projector.tables)
