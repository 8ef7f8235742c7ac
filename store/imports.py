"""Import: the events of an export (from `recount export`) into an empty log, all or nothing.

How an archive moves, from SQLite to PostgreSQL say; the use case (services/audit.py) first
checks the whole export with `verify_export` (no database, a few seconds per million events),
so a changed byte, a missing line, a bad signature or another key are refused before anything
is written. `import_events` then reads the events again, each parsed and appended through
`EventStore.append_recorded` (the ordinary write: rows, Merkle subtrees, key history), all in
one transaction. The log arrives whole and in order from position 1, as in a replay, so the
read models are built as a replay builds them (each projector's `replay`, set-based, and the
search index once at the end), which `recount replay --check` holds to what appends build.
Each line is hashed and checked again on the way (the files could change between the passes),
each event keeps its position, id, time and so its leaf hash, and the root of what was written
must be the checkpoint's before the commit. The export's checkpoint and key
are kept, so `recount verify` holds the new database to them.

Any failure rolls the transaction back: the database is left as empty as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from domain.checkpoints import Checkpoint
from domain.errors import Conflict, IntegrityError, InvalidInput
from domain.events import RecordedEvent, parse_event
from domain.times import parse_time
from store import bulk, search
from store.audit import export_lines, parse_line
from store.checkpoints import keep_checkpoint
from store.events import EventStore
from store.export import IDEMPOTENCY_KEYS_FILE, Progress
from store.keys import register_key
from store.merkle import head, root_at
from store.projections import Projector
from store.tables import events


def require_empty(engine: Engine) -> None:
    """Refuse a database whose log holds any event."""
    with engine.connect() as connection:
        _require_empty(connection)


def import_events(
    store: EventStore,
    projectors: Sequence[Projector],
    directory: Path,
    checkpoint: Checkpoint,
    public: Ed25519PublicKey,
    progress: Progress | None = None,
    batch: int = 5000,
) -> None:
    """Append the export's events, `batch` at a time, in one transaction; keep its checkpoint.

    `checkpoint` is the export's, already verified with `public`, its key; `projectors` are
    what each append runs (services/archive.py).
    """
    size = checkpoint.tree_size
    hooks = [projector.replay or projector.apply for projector in projectors]
    with store.engine.begin() as connection:
        _require_empty(connection)
        with search.indexed_at_the_end(connection):
            for recorded in _recorded_events(directory, size, progress, batch):
                try:
                    store.append_recorded(connection, recorded, hooks)
                except DatabaseIntegrityError as error:
                    first, last = recorded[0].position, recorded[-1].position
                    raise IntegrityError(
                        f"position {first}: the database refused events {first} to {last}: "
                        f"{str(error.orig).splitlines()[0]}",
                        first,
                    ) from None
            for projector in projectors:
                if projector.finish is not None:
                    projector.finish(connection)
        bulk.gather_statistics(connection, [events, *(t for p in projectors for t in p.tables)])
        written = head(connection)
        if written != size:
            raise IntegrityError(
                f"position {written + 1}: missing: the checkpoint covers {size} events, "
                f"the export holds {written}",
                written + 1,
            )
        if root_at(connection, size) != checkpoint.root_hash:
            raise IntegrityError(
                "checkpoint.json: the imported events do not hash to its root: "
                "the export changed while it was read"
            )
        register_key(connection, public, size)
        keep_checkpoint(connection, checkpoint)


def _require_empty(connection: Connection) -> None:
    count = connection.execute(select(func.count()).select_from(events)).scalar_one()
    if count or head(connection):
        raise Conflict(
            f"the database already holds {count} events: import only into an empty "
            "database (a new one, after `recount init`)"
        )


def _recorded_events(
    directory: Path, size: int, progress: Progress | None, batch_size: int
) -> Iterator[list[RecordedEvent]]:
    """The export's events as the source recorded them, `batch_size` at a time."""
    keys_path = directory / IDEMPOTENCY_KEYS_FILE
    with keys_path.open("rb") if keys_path.exists() else nullcontext() as keys:
        batch: list[RecordedEvent] = []
        for chunk in export_lines(directory, size, progress):
            for offset, (line, leaf) in enumerate(zip(chunk.lines, chunk.leaves, strict=True)):
                position = chunk.first + offset
                batch.append(_recorded(line, position, leaf, _next_key(keys, position)))
                if len(batch) == batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def _recorded(line: bytes, position: int, leaf: bytes, key: str | None) -> RecordedEvent:
    fields = parse_line(line, position)
    try:
        data, metadata = fields["data"], fields["metadata"]
        if not isinstance(data, dict) or not isinstance(metadata, dict):
            raise InvalidInput("data and metadata must be JSON objects")
        return RecordedEvent(
            position=position,
            event_id=_text(fields["event_id"]),
            stream_id=_text(fields["stream_id"]),
            version=_number(fields["version"]),
            type=_text(fields["type"]),
            data=data,
            metadata=metadata,
            recorded_at=_time(_text(fields["recorded_at"])),
            idempotency_key=key,
            leaf_hash=leaf,
            parsed=parse_event(fields["type"], data),
        )
    except InvalidInput as error:
        raise IntegrityError(f"position {position}: {error}", position) from None


def _time(text: str) -> datetime:
    """An exported time: `format_time`'s spelling by the C parser, anything else by ours (and
    any spelling but `format_time`'s fails the leaf hash check later)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return parse_time(text)
    return moment if moment.tzinfo is UTC else parse_time(text)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"expected a string, got {value!r}")
    return value


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"expected a whole number, got {value!r}")
    return value


def _next_key(keys: IO[bytes] | None, position: int) -> str | None:
    if keys is None:
        return None
    line = keys.readline()
    try:
        key = orjson.loads(line) if line.strip() else None
    except ValueError:
        key = line
    if key is not None and not isinstance(key, str):
        raise IntegrityError(
            f"position {position}: line {position} of {IDEMPOTENCY_KEYS_FILE} is not a key",
            position,
        )
    return key
