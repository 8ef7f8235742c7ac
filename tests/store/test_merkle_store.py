"""The tree kept by appends is the RFC 9162 tree: same roots and proofs as an in-memory build."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import inspect

from domain.checkpoints import verify_checkpoint
from domain.errors import IntegrityError, InvalidInput
from domain.events import KEYS_STREAM, PendingEvent, SigningKeyRotated
from domain.merkle import MemoryTree
from services.audit import (
    consistency_proof,
    ensure_signing_key,
    inclusion_proof,
    make_checkpoint,
    rotate_signing_key,
    tree_head,
    verify_live,
)
from store import keys
from store.checkpoints import checkpoint_at, latest_checkpoint
from store.database import create_database_engine
from store.events import EventStore
from store.keys import known_keys
from tests.conftest import open_archive
from tests.store import migrations
from tests.store.builders import reported

BATCHES = [1, 2, 3, 5, 8, 1, 13, 7]  # 40 events, heads at sizes that are and are not powers of 2
SIZES = [1, 2, 3, 4, 6, 7, 8, 11, 16, 19, 32, 33, 40]


def append(archive, count: int) -> None:
    archive.events.append([PendingEvent(reported(100 + i)) for i in range(count)])


def leaves(archive) -> list[bytes]:
    return [e.leaf_hash for e in archive.events.read()]


def test_stored_tree_gives_the_same_roots_and_proofs_as_memory_tree(archive):
    for size in BATCHES:
        append(archive, size)
    memory = MemoryTree(leaves(archive))
    assert tree_head(archive) == (40, memory.root())
    for size in SIZES:
        assert tree_head(archive, size) == (size, memory.root(size))
        for position in range(1, size + 1):
            proof = inclusion_proof(archive, position, size)
            assert list(proof.hashes) == memory.inclusion_proof(position - 1, size)
            assert proof.verify(memory.root(size))
        for first in range(0, size + 1):
            proof = consistency_proof(archive, first, size)
            assert list(proof.hashes) == memory.consistency_proof(first, size)
            assert proof.verify(memory.root(first), memory.root(size))


def test_defaults_are_the_current_head(archive):
    append(archive, 5)
    assert inclusion_proof(archive, 2).tree_size == 5
    assert consistency_proof(archive, 3).second == 5


def subtree_reads(archive, work) -> int:
    """How many queries read merkle_subtrees while `work` ran."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "merkle_subtrees" in statement and statement.split()[0].upper() == "SELECT":
            statements.append(statement)

    sa_event.listen(archive.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa_event.remove(archive.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_batch_after_another_writer_reads_only_the_right_edge_once(
    archive, database_url, tmp_path
):
    append(archive, 1000 - 2)
    other = open_archive(database_url, tmp_path)  # another process's store on the same log
    try:
        append(other, 1)  # 999 = 512 + 256 + 128 + 64 + 32 + 4 + 2 + 1: a long right edge
    finally:
        other.close()
    assert subtree_reads(archive, lambda: append(archive, 1000)) == 1
    assert tree_head(archive)[1] == MemoryTree(leaves(archive)).root()


def test_a_batch_after_this_stores_own_append_reads_no_subtrees(archive):
    append(archive, 999)
    assert subtree_reads(archive, lambda: append(archive, 1000)) == 0
    assert subtree_reads(archive, lambda: append(archive, 1)) == 0
    assert tree_head(archive)[1] == MemoryTree(leaves(archive)).root()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: inclusion_proof(a, 0, 3), "position must be 1 or more"),
        (lambda a: inclusion_proof(a, 4, 3), "position 4 is not in the tree of size 3"),
        (lambda a: inclusion_proof(a, 1, 6), "tree size 6 is beyond the log"),
        (lambda a: consistency_proof(a, 4, 3), "first (4) must not exceed second (3)"),
        (lambda a: consistency_proof(a, 1, 9), "second 9 is beyond the log"),
        (lambda a: tree_head(a, 6), "tree size 6 is beyond the log"),
    ],
)
def test_bad_proof_requests_are_invalid_input(archive, call, message):
    append(archive, 5)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(archive)


def test_upgrading_a_log_that_has_events_builds_its_tree(sqlite_url, tmp_path):
    engine = create_database_engine(sqlite_url)
    migrations.upgrade(engine, "0001")
    EventStore(engine).append([PendingEvent(reported(i)) for i in range(1, 12)])
    engine.dispose()
    archive = open_archive(sqlite_url, tmp_path)  # migrates to head
    try:
        memory = MemoryTree(leaves(archive))
        assert tree_head(archive) == (11, memory.root())
        append(archive, 6)
        assert tree_head(archive)[1] == MemoryTree(leaves(archive)).root()
    finally:
        archive.close()


def test_checkpoints_are_signed_stored_and_found_by_size(archive):
    append(archive, 3)
    first = make_checkpoint(archive)
    append(archive, 2)
    second = make_checkpoint(archive)
    public = ensure_signing_key(archive).public_key()
    assert (first.tree_size, second.tree_size) == (3, 5)
    assert first.root_hash == tree_head(archive, 3)[1]
    assert verify_checkpoint(first, public) and verify_checkpoint(second, public)
    assert latest_checkpoint(archive.engine) == second
    assert checkpoint_at(archive.engine, 3) == first
    assert checkpoint_at(archive.engine, 4) is None


def test_rotation_is_logged_and_old_checkpoints_keep_their_key(archive):
    append(archive, 3)
    old = make_checkpoint(archive)
    rotation = rotate_signing_key(archive)
    new = make_checkpoint(archive)
    rotated = archive.events.get(rotation.position)
    assert rotated.type == SigningKeyRotated.type and rotated.stream_id == KEYS_STREAM
    assert rotated.data["key_id"] == new.key_id
    assert rotated.data["previous_key_id"] == old.key_id != new.key_id
    keys = {kid: k.public_key for kid, k in _keys(archive).items()}
    assert verify_checkpoint(old, keys[old.key_id]) and verify_checkpoint(new, keys[new.key_id])
    assert new.tree_size == 4 and new.root_hash == tree_head(archive)[1]


def test_a_replaced_key_file_cannot_sign(archive):
    append(archive, 2)
    make_checkpoint(archive)
    archive.settings.key_path.unlink()
    ensure_signing_key(archive)  # someone else's key in its place
    with pytest.raises(IntegrityError, match="signature"):
        make_checkpoint(archive)


def test_the_key_file_is_private(tmp_path: Path):
    key_path = tmp_path / "keys" / "recount.key"
    key = keys.ensure_signing_key(key_path)
    assert key_path.stat().st_mode & 0o777 == 0o600
    again = keys.ensure_signing_key(key_path)
    assert again.private_bytes_raw() == key.private_bytes_raw()


def _keys(archive):
    with archive.engine.connect() as connection:
        return known_keys(connection)


def position_indexes(archive) -> list[str]:
    with archive.engine.connect() as connection:
        found = inspect(connection).get_indexes("merkle_subtrees")
    return [index["name"] for index in found if index["column_names"] == ["position"]]


def test_an_archive_with_a_tree_upgrades_to_subtrees_without_a_position_index(archive):
    """Revision 0021 drops the index; the tree, its proofs and the verification carry on."""
    migrations.downgrade(archive.engine, "0020")
    append(archive, 21)
    assert position_indexes(archive) == ["ix_merkle_subtrees_position"]
    migrations.upgrade(archive.engine, "head")
    assert position_indexes(archive) == []
    append(archive, 12)
    assert tree_head(archive) == (33, MemoryTree(leaves(archive)).root())
    assert verify_live(archive).tree_size == 33
    migrations.downgrade(archive.engine, "0020")
    assert position_indexes(archive) == ["ix_merkle_subtrees_position"]
