"""The archive: one database, its event store, and the projections wired to its appends.

Everything that reads or writes Recount's data (the CLI, the API, the worker) opens one of these
from the settings and calls the use-case functions in store/ and ingest/ with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, inspect

from domain.errors import NotInitialized
from store import keys, merkle, projections
from store.database import create_database_engine, migrate
from store.events import Clock, EventStore, system_clock
from store.settings import Settings


@dataclass
class Archive:
    settings: Settings
    engine: Engine
    events: EventStore = field(init=False)

    def __post_init__(self) -> None:
        self.events = EventStore(self.engine)
        projector, tree = projections.Projector(), merkle.TreeRecorder()
        self.events.on_append.extend([projector.apply, tree.record, keys.record])
        self.events.on_commit.extend([projector.committed, tree.committed])

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


# Read models and event types that live in their own modules register themselves on import;
# importing them here means every archive, whoever opens it, knows the whole log.
from store import feeds as _feeds  # noqa: E402, F401
