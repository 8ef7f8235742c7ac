"""Verify the log: an export with no database at all, or the live database itself.

Both read the events once, in position order, recompute every leaf hash and fold them into a
`Frontier`, so they run in constant memory and yield the root at every size a checkpoint names
on the way. The first failure is raised as IntegrityError; its message starts with
`position P:` when an event is to blame, or `signature:` when a signature or key is.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from hashlib import sha256 as _sha256
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, and_, func, or_, select

from domain.canonical import canonical_bytes, canonical_form, event_bytes
from domain.checkpoints import Checkpoint, key_id, load_public_key, verify_checkpoint
from domain.errors import IntegrityError, InvalidInput
from domain.events import SigningKeyRotated
from domain.frontier import Frontier
from domain.merkle import EMPTY_ROOT, leaf_hash
from domain.times import format_time
from store.checkpoints import stored_checkpoints
from store.database import stored_time, stream_rows, stream_rows_ahead
from store.events import EventStore
from store.export import (
    CHECKPOINT_FILE,
    EVENTS_FILE,
    LEAF_HASHES_FILE,
    PUBLIC_KEY_FILE,
    Progress,
)
from store.keys import check_key_file, known_keys
from store.merkle import head
from store.tables import merkle_subtrees, reports

CANONICAL_FIELDS = frozenset(
    {"position", "event_id", "stream_id", "version", "type", "data", "metadata", "recorded_at"}
)
CHUNK = 2000


@dataclass(frozen=True)
class Verified:
    """What a verification established."""

    tree_size: int
    root_hash: bytes
    checkpoints: list[Checkpoint] = field(default_factory=list)  # those the log was held to
    against: Checkpoint | None = None


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file, e.g. one an auditor kept; unreadable is an IntegrityError."""
    try:
        return Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, InvalidInput) as error:
        raise IntegrityError(f"{path.name}: not a readable checkpoint: {error}") from None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class _Roots:
    """Roots taken at the sizes that checkpoints name, as the frontier passes them."""

    def __init__(self, sizes: set[int]) -> None:
        self.sizes = sizes
        self.found: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in sizes else {}

    def take(self, frontier: Frontier) -> None:
        if frontier.size in self.sizes:
            self.found[frontier.size] = frontier.root()


def _hold_to(
    checkpoint: Checkpoint,
    roots: _Roots,
    size: int,
    keys: Mapping[str, Ed25519PublicKey],
    name: str,
) -> None:
    """The log's first tree_size events must hash to the checkpoint's root, under a known key."""
    if checkpoint.tree_size > size:
        raise IntegrityError(
            f"position {size + 1}: missing: {name} covers {checkpoint.tree_size} events "
            f"but the log holds {size}",
            size + 1,
        )
    root = roots.found[checkpoint.tree_size]
    if root != checkpoint.root_hash:
        raise IntegrityError(
            f"{name}: the log's first {checkpoint.tree_size} events hash to {_b64(root)}, "
            f"not to its root {_b64(checkpoint.root_hash)}: the log was rewritten or forked"
        )
    key = keys.get(checkpoint.key_id)
    if key is None:
        raise IntegrityError(
            f"signature: {name} is signed by key {checkpoint.key_id}, which the log never used"
        )
    if not verify_checkpoint(checkpoint, key):
        raise IntegrityError(f"signature: {name} does not verify with key {checkpoint.key_id}")


# --- offline: an export ---------------------------------------------------------------------


def verify_export(
    directory: Path, against: Path | None = None, progress: Progress | None = None
) -> Verified:
    """Check an export with nothing but its files (and `against`, a checkpoint kept earlier).

    Each line is hashed as it is and folded into the tree; the checkpoint's root then proves
    every byte. Lines are not parsed on the way (that would cost more than the hashing); see
    `export_lines` for what names a bad line at once. If the root disagrees, a second pass
    parses every line to name the first one that is not a canonical event.
    """
    public = _read_public_key(directory / PUBLIC_KEY_FILE)
    checkpoint = read_checkpoint(directory / CHECKPOINT_FILE)
    if not verify_checkpoint(checkpoint, public):
        raise IntegrityError(
            f"signature: {CHECKPOINT_FILE} (key {checkpoint.key_id}) does not verify with "
            f"{PUBLIC_KEY_FILE} (key {key_id(public)})"
        )
    old = read_checkpoint(against) if against is not None else None
    keys: dict[str, Ed25519PublicKey] = {key_id(public): public}
    roots = _Roots({checkpoint.tree_size} | ({old.tree_size} if old else set()))
    frontier = Frontier()
    for chunk in export_lines(directory, checkpoint.tree_size, progress):
        for offset in chunk.announcing_keys():
            position = chunk.first + offset
            keys.update(_announced_keys(parse_line(chunk.line(offset), position), position))
        for part in _split_at(chunk.leaves, frontier.size, roots.sizes):
            frontier.extend(part)
            roots.take(frontier)
    try:
        _hold_to(checkpoint, roots, frontier.size, keys, CHECKPOINT_FILE)
        if old is not None and against is not None:
            _hold_to(old, roots, frontier.size, keys, against.name)
    except IntegrityError:
        _name_a_bad_line(directory)
        raise
    return Verified(frontier.size, frontier.root(), [checkpoint], old)


def _split_at(leaves: list[bytes], size: int, sizes: set[int]) -> Iterator[list[bytes]]:
    """`leaves` cut so that every tree size in `sizes` is reached at the end of a part."""
    start = 0
    for cut in sorted(s - size for s in sizes if size < s < size + len(leaves)):
        yield leaves[start:cut]
        start = cut
    yield leaves[start:]


@dataclass(frozen=True)
class ExportChunk:
    """Consecutive lines of an export's events and their leaf hashes.

    Each line is kept as its leaf hashes it: 0x00, then the line without its newline.
    """

    first: int  # the position of inputs[0]
    inputs: list[bytes]
    leaves: list[bytes]

    may_rotate: bool  # whether any line may name the type of SigningKeyRotated

    @property
    def lines(self) -> list[bytes]:
        """The lines as written (without their newlines)."""
        return [line[1:] for line in self.inputs]

    def line(self, offset: int) -> bytes:
        return self.inputs[offset][1:]

    def announcing_keys(self) -> list[int]:
        """Offsets of the lines that may be SigningKeyRotated events (to be parsed)."""
        if not self.may_rotate:
            return []
        return [n for n, line in enumerate(self.inputs) if _ROTATION in line]


_ROTATION = b'"type":"SigningKeyRotated"'


def export_lines(
    directory: Path, size: int, progress: Progress | None = None
) -> Iterator[ExportChunk]:
    """An export's events a chunk at a time, each line hashed and checked on the way.

    A line must hash to the leaf hash the export lists for its position (`leaf-hashes.txt`);
    the first that does not is raised as IntegrityError naming its position, and what is wrong
    with it when that can be told (not JSON, another position, ...). Since the position is in
    the hashed bytes, a missing or moved line never hashes to the listed leaf. Without the
    list, each line is searched for the position it must carry. Lines beyond `size` (what the
    checkpoint covers) are refused.
    """
    leaf_list = directory / LEAF_HASHES_FILE
    with (
        (directory / EVENTS_FILE).open("rb") as events_file,
        leaf_list.open("rb") if leaf_list.exists() else nullcontext() as listed,
    ):
        first = 1
        for inputs, may_rotate in _line_lists(events_file):
            leaves = [_sha256(line).digest() for line in inputs]
            if listed is not None:
                encoded = b"".join(map(binascii.b2a_base64, leaves))  # as _b64_line
                where = listed.tell()
                if listed.read(len(encoded)) != encoded:  # then look line by line
                    listed.seek(where)
                    expected = [listed.readline() for _ in inputs]
                    _name_an_unlisted_leaf(first, inputs, leaves, expected)
            else:
                _check_positions(first, inputs)
            if first + len(inputs) - 1 > size:
                raise IntegrityError(
                    f"position {size + 1}: beyond {CHECKPOINT_FILE}, which covers {size} events",
                    size + 1,
                )
            yield ExportChunk(first, inputs, leaves, may_rotate)
            first += len(inputs)
            if progress is not None:
                progress(first - 1, size)


def _check_positions(first: int, inputs: list[bytes]) -> None:
    for position, line in enumerate(inputs, start=first):
        if line.rfind(b',"position":%d,"recorded_at":' % position) < 0:
            parse_line(line[1:], position)  # names what is wrong with it


def _name_an_unlisted_leaf(
    first: int, inputs: list[bytes], leaves: list[bytes], expected: list[bytes]
) -> None:
    for offset, (leaf, listed) in enumerate(zip(leaves, expected, strict=True)):
        if listed == _b64_line(leaf) or _same(listed, leaf):
            continue
        position = first + offset
        if not listed:
            return  # the list ends early: it only helps name events, the root decides
        parse_line(inputs[offset][1:], position)  # names what is wrong with it, if it can
        raise IntegrityError(
            f"position {position}: its bytes do not hash to the leaf hash the server "
            f"recorded ({LEAF_HASHES_FILE})",
            position,
        )


CHUNK_BYTES = 1 << 20


def _line_lists(source: BinaryIO) -> Iterator[tuple[list[bytes], bool]]:
    """The lines of about CHUNK_BYTES at a time, each as its leaf hashes it (0x00, then the
    line without its newline), and whether any may announce a key; a last line without a
    newline counts as one.

    Each block read is split as it is (the piece after its last newline starts the next
    block's first line), with the prefix put after every newline in one `replace`: no block
    is copied whole to cut it, and no line copied again to prefix it.
    """
    rest = b"\x00"
    while block := source.read(CHUNK_BYTES):
        inputs = block.replace(b"\n", b"\n\x00").split(b"\n")
        inputs[0] = rest + inputs[0]
        rest = inputs.pop()
        if inputs:  # the block's own bytes, and the first line for a name across the cut
            yield inputs, _ROTATION in block or _ROTATION in inputs[0]
    if rest != b"\x00":
        yield [rest], _ROTATION in rest


def _b64_line(digest: bytes) -> bytes:
    return binascii.b2a_base64(digest)  # with the newline, as leaf-hashes.txt lines end


def _same(listed: bytes, leaf: bytes) -> bool:
    """A listed hash written another way (no newline, CRLF): decode it to compare."""
    try:
        return base64.b64decode(listed.strip(), validate=True) == leaf
    except (binascii.Error, ValueError):
        return False


def _name_a_bad_line(directory: Path) -> None:
    """Raise for the first line that is not a canonical event at its position, if any."""
    with (directory / EVENTS_FILE).open("rb") as lines:
        for position, line in enumerate(lines, start=1):
            body = line[:-1] if line[-1:] == b"\n" else line
            event = parse_line(body, position)
            if canonical_bytes(event) != body:
                raise IntegrityError(
                    f"position {position}: line {position} is not in canonical form "
                    "(RFC 8785), so it is not what the server hashed",
                    position,
                )


def _read_public_key(path: Path) -> Ed25519PublicKey:
    try:
        return load_public_key(path.read_bytes())
    except (OSError, InvalidInput) as error:
        raise IntegrityError(
            f"signature: {path.name} is not a usable public key: {error}"
        ) from None


def parse_line(body: bytes, position: int) -> dict[str, Any]:
    """One event line: JSON with the canonical fields, at the position its line number says.

    Its bytes are not re-canonicalised: they are hashed as they are, so any change to them
    changes the root, and the checkpoint's root proves they are what the server hashed.
    """
    try:
        event = orjson.loads(body)
    except ValueError:  # orjson takes only UTF-8 and 64-bit integers: ask the reference
        try:
            event = json.loads(body)
        except ValueError:
            raise IntegrityError(
                f"position {position}: line {position} is not JSON", position
            ) from None
    if not isinstance(event, dict) or set(event) != CANONICAL_FIELDS:
        raise IntegrityError(
            f"position {position}: line {position} does not hold exactly the canonical fields",
            position,
        )
    if event["position"] != position:
        raise IntegrityError(
            f"position {position}: line {position} holds position {event['position']!r}; "
            "positions must run from 1 without gaps",
            position,
        )
    return event


def _announced_keys(event: Mapping[str, Any], position: int) -> dict[str, Ed25519PublicKey]:
    """The keys a SigningKeyRotated event names (the new one and the one it replaced)."""
    if event["type"] != SigningKeyRotated.type:
        return {}
    try:
        rotated = SigningKeyRotated.model_validate(event["data"])
    except ValidationError as error:
        raise IntegrityError(
            f"position {position}: a bad SigningKeyRotated event: {error.errors()[0]['msg']}",
            position,
        ) from None
    pems = [rotated.public_key, rotated.previous_public_key]
    found = [load_public_key(pem.encode("ascii")) for pem in pems if pem is not None]
    return {key_id(key): key for key in found}


# --- live: the database ---------------------------------------------------------------------


def verify_live(
    store: EventStore,
    key_path: Path,
    against: Path | None = None,
    progress: Progress | None = None,
) -> Verified:
    """Check the database: leaf hashes, stored subtrees, every stored checkpoint, the key file.

    The events up to the head are read in position order a chunk at a time, each row with its
    canonical bytes assembled by the database (`_event_lines`; on PostgreSQL by a reader
    thread on a connection of its own), and the subtrees each chunk completes on this
    connection, so memory stays flat however long the log. Events up to the head were
    committed before either read began, and the log refuses UPDATE and DELETE, so both
    connections see the same events.
    """
    with store.engine.connect() as connection:
        size = head(connection)
        signed = stored_checkpoints(connection)
        keys = {kid: known.public_key for kid, known in known_keys(connection).items()}
        old = read_checkpoint(against) if against is not None else None
        roots = _Roots({c.tree_size for c in signed} | ({old.tree_size} if old else set()))
        frontier = Frontier()
        times = _RecordedTimes()
        lines = _LINE_ROWS[connection.dialect.name]
        query = f"{lines} WHERE position <= {int(size)} ORDER BY position"
        with closing(_event_lines(connection, store.engine, query)) as chunks:
            for chunk in chunks:
                computed = _leaves_of(connection, chunk, frontier, roots, times)
                _compare_subtrees(connection, chunk[0][0], chunk[-1][0], computed)
                if progress is not None:
                    progress(frontier.size, size)
    if frontier.size < size:
        missing = frontier.size + 1
        raise IntegrityError(
            f"position {missing}: missing: the log head is {size} but the events end at "
            f"{frontier.size}",
            missing,
        )
    _nothing_beyond(store.engine, size)
    for checkpoint in signed:
        name = f"the checkpoint of size {checkpoint.tree_size} signed at {checkpoint.timestamp}"
        _hold_to(checkpoint, roots, size, keys, name)
    if old is not None and against is not None:
        _hold_to(old, roots, size, keys, against.name)
    check_key_file(store.engine, key_path)
    return Verified(size, frontier.root(), signed, old)


# Each event's leaf input (0x00, then its canonical bytes), assembled by the database around
# its stored JSON texts (kept sorted and compact by the append), with its position and stored
# leaf hash: one value a row to fetch and hash, no per-row work in Python. The stream id is
# quoted by the database's own JSON quoting, whose escapes are JCS's: a stream id is built
# from names the domain does not restrict, and quotes alone would let a rewritten one (`a\"b`
# for `a"b`) spell the same bytes. The event id (a UUID) and the type (a name in the registry)
# hold nothing to escape, so they are only put in quotes; the time is spelled as
# `format_time` does (SQLite keeps it as `YYYY-MM-DD HH:MM:SS.ffffff`: its first ten
# characters, `T`, the rest, `Z`). Only a fast path: a row whose bytes miss its leaf hash
# (another spelling of the time, an odd character) is read again and judged by the reference
# encoder (`_reference_leaf`), so a spelling this gets wrong costs time, never a verdict.
_TEMPLATE = (
    '{"data":%s,"event_id":"%s","metadata":%s,"position":%s,"recorded_at":"%s",'
    '"stream_id":%s,"type":"%s","version":%s}'
)
_SQLITE_TEMPLATE = _TEMPLATE.replace('"recorded_at":"%s"', '"recorded_at":"%.10sT%sZ"')
_LINE_ROWS = {
    "sqlite": (
        f"SELECT position, leaf_hash, CAST(char(0) || printf('{_SQLITE_TEMPLATE}', data, "
        "event_id, metadata, position, recorded_at, substr(recorded_at, 12), "
        "json_quote(stream_id), type, version) AS BLOB) FROM events"
    ),
    "postgresql": (
        f"SELECT position, leaf_hash, '\\x00'::bytea || convert_to(format('{_TEMPLATE}', "
        "data, event_id, metadata, position, "
        "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
        "to_json(stream_id), type, version), 'UTF8') FROM events"
    ),
}


def _event_lines(
    connection: Connection, engine: Engine, query: str
) -> Generator[Sequence[Any], None, None]:
    """The rows of `_LINE_ROWS`, a chunk at a time.

    PostgreSQL assembles the lines in its own process, so a reader thread keeps it at work on
    the next chunks while this one is hashed (the rows in binary: each line as its bytes).
    SQLite works in this process, under the GIL as it builds each row: a thread only adds
    switching, so the rows are read here.
    """
    if connection.dialect.name == "postgresql":
        return stream_rows_ahead(engine, query, CHUNK, binary=True)
    return stream_rows(connection, query, CHUNK)


# Raw rows: no type processing, the JSON columns as the text they hold.
_EVENT_ROW = (
    "SELECT position, event_id, stream_id, version, type, CAST(data AS TEXT), "
    "CAST(metadata AS TEXT), recorded_at, leaf_hash FROM events WHERE position = {position}"
)
Subtree = tuple[int, int, bytes]


def completed_ranges(first: int, last: int) -> list[tuple[int, int, int]]:
    """(level, lowest index, highest index) of the subtrees appends of first..last completed.

    Subtree (L, i) is completed by the append of event (i + 1) << L, so those completed by
    first..last have i + 1 between ceil(first / 2^L) and floor(last / 2^L): one primary-key
    range per level at or above 1 (leaves are not stored), none where that range is empty.
    """
    ranges = []
    for level in range(1, last.bit_length()):
        low, high = -(-first >> level), last >> level  # ceil, floor
        if low <= high:
            ranges.append((level, low - 1, high - 1))
    return ranges


def _subtree_rows(first: int, last: int) -> str | None:
    """The stored subtrees that events first..last completed, read by primary key ranges."""
    ranges = completed_ranges(first, last)
    if not ranges:
        return None
    where = " OR ".join(
        f"(level = {level} AND node_index BETWEEN {low} AND {high})" for level, low, high in ranges
    )
    return (
        f"SELECT level, node_index, hash FROM merkle_subtrees WHERE {where} "
        "ORDER BY level, node_index"
    )


class _RecordedTimes:
    """`recorded_at` as the database returns it, spelled as in the canonical bytes.

    A batch append gives all its events one time, so most rows repeat the last one: a small
    cache saves parsing and formatting it again.
    """

    def __init__(self) -> None:
        self.spelled: dict[object, str] = {}

    def text(self, raw: object) -> str:
        found = self.spelled.get(raw)
        if found is None:
            if len(self.spelled) > 4096:
                self.spelled.clear()
            found = self.spelled[raw] = format_time(stored_time(raw))
        return found


def _leaves_of(
    connection: Connection,
    chunk: Sequence[Any],
    frontier: Frontier,
    roots: _Roots,
    times: _RecordedTimes,
) -> list[Subtree]:
    """Check each event's leaf hash against its fields; give the subtrees above the leaves.

    Each row brings what its leaf hashes (0x00 and the canonical bytes) as the database
    assembled it (`_LINE_ROWS`); the chunk's lines are hashed in one pass and compared with
    the stored leaves at once. The leaves are then folded by whole aligned subtrees
    (`Frontier.extend`), which also gives the subtrees the stored ones must match, sorted as
    they are read.
    """
    first, count = frontier.size + 1, len(chunk)
    if chunk[0][0] != first or chunk[-1][0] != first + count - 1:  # positions are unique
        expected = next(first + n for n, row in enumerate(chunk) if row[0] != first + n)
        raise IntegrityError(
            f"position {expected}: missing: the next stored event is at "
            f"{chunk[expected - first][0]}",
            expected,
        )
    stored = [leaf for _, leaf, _ in chunk]  # bytes from both drivers (binary on PostgreSQL)
    try:
        leaves = [_sha256(line).digest() for _, _, line in chunk]
    except TypeError:  # no line (a NULL the database gave): every row to the reference
        leaves = [b""] * count
    if leaves != stored:
        for offset, (leaf, kept) in enumerate(zip(leaves, stored, strict=True)):
            if leaf != kept:
                _reference_leaf(connection, first + offset, kept, times)
    computed: list[Subtree] = []
    for part in _split_at(stored, frontier.size, roots.sizes):
        frontier.extend(part, computed)
        roots.take(frontier)
    computed.sort()  # by level and index, as the stored ones are read
    return computed


def _reference_leaf(
    connection: Connection, position: int, stored: bytes, times: _RecordedTimes
) -> None:
    """One event whose assembled bytes missed its leaf hash: the reference encoder decides."""
    ((_, event_id, stream_id, version, kind, data, metadata, recorded, _),) = (
        connection.exec_driver_sql(_EVENT_ROW.format(position=int(position))).all()
    )
    line = event_bytes(
        position=position,
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        type=kind,
        data_text=data,
        metadata_text=metadata,
        recorded_at_text=times.text(recorded),
    )
    if leaf_hash(line) == stored:
        return
    form = canonical_form(
        position=position,
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        type=kind,
        data=json.loads(data),
        metadata=json.loads(metadata),
        recorded_at=stored_time(recorded),
    )
    if leaf_hash(canonical_bytes(form)) != stored:
        raise IntegrityError(
            f"position {position}: its content does not hash to its stored leaf hash",
            position,
        )


def _compare_subtrees(
    connection: Connection, first: int, last: int, computed: list[Subtree]
) -> None:
    """The subtrees completed by events first..last must be stored as the leaves make them.

    The stored ones are read by the keys of `completed_ranges`, which are those the leaves
    make: a subtree missing or with another hash is named by the first event in log order.
    """
    stored = _fetch(connection, _subtree_rows(int(first), int(last)))
    if stored == computed:
        return
    by_key = {(level, index): bytes(digest) for level, index, digest in stored}
    for level, index, digest in sorted(computed, key=_completing_event):
        if by_key.get((level, index)) != digest:
            size = (index + 1) << level  # the event whose append completed it
            raise IntegrityError(
                f"position {size}: the stored Merkle subtree (level {level}, index "
                f"{index}) does not match the log",
                size,
            )


def _fetch(connection: Connection, query: str | None) -> Sequence[Any]:
    """The rows of `query` as the driver gives them (none without a query)."""
    if query is None:
        return []
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()  # a chunk's subtrees: about as many rows as its events, at most
    try:
        cursor.execute(query)
        return cursor.fetchall()
    finally:
        cursor.close()


def _completing_event(node: Subtree) -> tuple[int, int]:
    """A subtree's place in the log: the position whose append completed it, then its level."""
    level, index, _ = node
    return (index + 1) << level, level


def beyond_bounds(size: int) -> list[tuple[int, int]]:
    """(level, lowest index) per level of the subtrees completed by events past `size`.

    Subtree (L, i) is completed by event (i + 1) << L, which is past `size` exactly when
    i >= size >> L. From the level of size's highest bit up that bound is 0: every stored
    subtree there is past `size`, which the last pair, (that level, 0), stands for.
    """
    top = max(size.bit_length(), 1)
    return [(level, size >> level) for level in range(1, top)] + [(top, 0)]


def _first_subtree_beyond(connection: Connection, size: int) -> int | None:
    """The first event past `size` that completed a stored subtree: primary-key ranges only."""
    bounds = beyond_bounds(size)
    *below, (top, _) = bounds
    level, index = merkle_subtrees.c.level, merkle_subtrees.c.node_index
    where = or_(*(and_(level == at, index >= low) for at, low in below), level >= top)
    found = connection.execute(select(level, func.min(index)).where(where).group_by(level))
    return min(((int(i) + 1) << int(at) for at, i in found), default=None)


def _nothing_beyond(engine: Engine, size: int) -> None:
    """Rows that appends derive from events past the head mean events were removed from the end.

    The reports carry the position of the event that wrote them (indexed by it), a Merkle
    subtree is completed by the event its key names (`beyond_bounds`). The head is read after
    them: an event appended meanwhile commits with its head, so it is then within the head,
    and only a removed event's rows stay beyond it.
    """
    with engine.connect() as connection:
        subtree = _first_subtree_beyond(connection, size)
        report = connection.execute(
            select(func.min(reports.c.position)).where(reports.c.position > size)
        ).scalar()
        now = head(connection)
    first = min((p for p in (subtree, report) if p is not None), default=None)
    if first is not None and first > now:
        raise IntegrityError(
            f"position {size + 1}: missing: the stored projections hold position {first}, "
            f"the log only {size} events",
            size + 1,
        )
