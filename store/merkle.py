"""The log's Merkle tree, kept incrementally in `merkle_subtrees` by every append.

`record` runs inside the append's transaction (a projector), so the tree and the log never
disagree about what was committed. The leaves (level 0) are not stored here: each is the
`leaf_hash` of its event's row, read from there when a head or proof needs one, so an append
writes one subtree row for every two events instead of two. A batch reads only the few
right-edge subtrees that exist before it (one query, none when the last append on its
connection ended there) and keeps what it computes in memory, so appending k events costs at
most one SELECT and one multi-row INSERT whatever k, and O(log n) hashing per event. A tree
head or a proof reads O(log n) subtrees by primary key; nothing ever scans the leaves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Engine, TextClause, select, text

from domain.checkpoints import ConsistencyProof, InclusionProof
from domain.errors import IntegrityError, InvalidInput
from domain.events import RecordedEvent
from domain.merkle import SubtreeHashes, new_subtrees
from domain.merkle import consistency_proof as tree_consistency_proof
from domain.merkle import inclusion_proof as tree_inclusion_proof
from domain.merkle import root as tree_root
from store import memo
from store.rows import RowInsert
from store.tables import log_head, merkle_subtrees


class StoredSubtrees:
    """SubtreeHashes over the table, through a cache: each subtree is read at most once."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.cache: dict[tuple[int, int], bytes] = {}

    def subtree(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            self.preload([key])
        try:
            return self.cache[key]
        except KeyError:
            raise IntegrityError(
                f"the stored Merkle tree lacks subtree (level {level}, index {index})",
                (index << level) + 1,
            ) from None

    def preload(self, keys: Sequence[tuple[int, int]]) -> None:
        """Read several subtrees in one query (the right edge a batch will need).

        Leaves come from the events' own rows (leaf index i is position i + 1), in the same
        statement as the stored subtrees.
        """
        wanted = sorted({k for k in keys if k not in self.cache})
        if not wanted:
            return
        nodes = [(level, index) for level, index in wanted if level > 0]
        leaves = [index for level, index in wanted if level == 0]
        params: dict[str, int] = {}
        for k, (level, index) in enumerate(nodes):
            params[f"l{k}"], params[f"i{k}"] = level, index
        for k, index in enumerate(leaves):
            params[f"p{k}"] = index + 1
        query = _subtrees_query(len(nodes), len(leaves))
        for level, index, digest in self.connection.execute(query, params):
            self.cache[(level, index)] = bytes(digest)


class _KeyRecorder:
    """A stand-in lookup that notes which subtrees a computation asks for.

    Which subtrees a root or proof needs depends on the sizes only, never on the hashes, so a
    dry run names them all and one query fetches them.
    """

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []

    def subtree(self, level: int, index: int) -> bytes:
        self.keys.append((level, index))
        return bytes(32)


def _preloaded(
    connection: Connection, compute: Callable[[SubtreeHashes], object]
) -> StoredSubtrees:
    recorder = _KeyRecorder()
    compute(recorder)
    lookup = StoredSubtrees(connection)
    lookup.preload(recorder.keys)
    return lookup


@functools.lru_cache(maxsize=256)
def _subtrees_query(nodes: int, leaves: int) -> TextClause:
    """`nodes` (level, index) pairs by primary key and `leaves` leaves by event position.

    Plain OR-ed equalities: both SQLite and PostgreSQL then probe the primary key per pair
    (row-value IN lists made SQLite scan), and the text is built once per pair of counts.
    """
    parts = []
    if nodes:
        pairs = " OR ".join(f"(level = :l{k} AND node_index = :i{k})" for k in range(nodes))
        parts.append(f"SELECT level, node_index, hash FROM merkle_subtrees WHERE {pairs}")
    if leaves:
        positions = ", ".join(f":p{k}" for k in range(leaves))
        parts.append(
            f"SELECT 0, position - 1, leaf_hash FROM events WHERE position IN ({positions})"
        )
    return text(" UNION ALL ".join(parts))


def right_edge(size: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees that make up the first `size` leaves, largest first."""
    edge: list[tuple[int, int]] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            edge.append((level, start >> level))
            start += 1 << level
    return edge


INSERT_SUBTREES = RowInsert(merkle_subtrees, ("level", "node_index", "hash", "position"))


EDGE = "merkle right edge"


def record(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """The projector: write the subtrees above the leaves that this batch of events completes.

    The right edge before the batch (O(log n) hashes) is what the last append on this
    connection left, when it ended where this batch starts (store/memo.py): the first n leaves
    of a log that only grows are what they were, so their edge is too. Otherwise it is read
    from the table, in one query.
    """
    if not events:
        return
    size = events[0].position - 1
    lookup = StoredSubtrees(connection)
    edge: dict[tuple[int, int], bytes] | None = memo.recall(connection, EDGE, size)
    if edge is not None:
        lookup.cache.update(edge)
    else:
        lookup.preload(right_edge(size))
    rows: list[tuple[int, int, bytes, int]] = []
    cache = lookup.cache
    for event in events:
        position = event.position
        cache[(0, position - 1)] = event.leaf_hash
        if position & 1:  # an odd leaf index completes subtrees; an even one only itself
            continue
        for level, index, digest in new_subtrees(position - 1, event.leaf_hash, lookup)[1:]:
            cache[(level, index)] = digest
            rows.append((level, index, digest, position))
    INSERT_SUBTREES(connection, rows)
    end = events[-1].position
    memo.keep(connection, EDGE, end, {key: lookup.cache[key] for key in right_edge(end)})


def head(connection: Connection) -> int:
    return int(connection.execute(select(log_head.c.position)).scalar_one())


def _checked_size(connection: Connection, size: int | None, name: str) -> int:
    current = head(connection)
    if size is None:
        return current
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInput(f"{name} must be a whole number, got {size!r}")
    if size > current:
        raise InvalidInput(f"{name} {size} is beyond the log, which holds {current} events")
    return size


def root_at(connection: Connection, size: int) -> bytes:
    """The tree head of the first `size` events, from at most log2(size) stored subtrees."""
    lookup = StoredSubtrees(connection)
    lookup.preload(right_edge(size))
    return tree_root(size, lookup)


def tree_head(engine: Engine, size: int | None = None) -> tuple[int, bytes]:
    """(size, root) of the log now, or of its first `size` events."""
    with engine.connect() as connection:
        checked = _checked_size(connection, size, "tree size")
        return checked, root_at(connection, checked)


def inclusion_proof(engine: Engine, position: int, tree_size: int | None = None) -> InclusionProof:
    """The event at `position` is leaf position − 1 of the tree of `tree_size` (default: now)."""
    with engine.connect() as connection:
        size = _checked_size(connection, tree_size, "tree size")
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            raise InvalidInput(f"position must be 1 or more, got {position!r}")
        if position > size:
            raise InvalidInput(f"position {position} is not in the tree of size {size}")
        lookup = _preloaded(
            connection,
            lambda t: (t.subtree(0, position - 1), tree_inclusion_proof(position - 1, size, t)),
        )
        leaf = lookup.subtree(0, position - 1)
        hashes = tree_inclusion_proof(position - 1, size, lookup)
    return InclusionProof(position - 1, size, leaf, tuple(hashes))


def consistency_proof(engine: Engine, first: int, second: int | None = None) -> ConsistencyProof:
    """The tree of `first` events is a prefix of the tree of `second` (default: now)."""
    with engine.connect() as connection:
        size = _checked_size(connection, second, "second")
        if isinstance(first, bool) or not isinstance(first, int) or first < 0:
            raise InvalidInput(f"first must be a whole number, got {first!r}")
        if first > size:
            raise InvalidInput(f"first ({first}) must not exceed second ({size})")
        lookup = _preloaded(connection, lambda t: tree_consistency_proof(first, size, t))
        hashes = tree_consistency_proof(first, size, lookup)
    return ConsistencyProof(first, size, tuple(hashes))
