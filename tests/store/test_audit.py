"""Export and verification: an untouched log verifies; any edit is caught and named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store.audit
from domain.checkpoints import sign_checkpoint
from domain.errors import IntegrityError
from domain.events import PendingEvent
from domain.merkle import leaf_hash
from services.audit import (
    ensure_signing_key,
    export,
    make_checkpoint,
    rotate_signing_key,
    tree_head,
    verify_export,
    verify_live,
)
from tests.store.builders import reported


def append(archive, count: int) -> None:
    archive.events.append([PendingEvent(reported(100 + i)) for i in range(count)])


def keep(checkpoint, path: Path) -> Path:
    path.write_text(json.dumps(checkpoint.to_json()))
    return path


@pytest.fixture
def exported(archive, tmp_path):
    append(archive, 6)
    append(archive, 3)
    folder = tmp_path / "export"
    export(archive, folder)
    return folder


def lines(folder: Path) -> list[bytes]:
    return (folder / "events.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(folder: Path, items: list[bytes]) -> None:
    (folder / "events.jsonl").write_bytes(b"".join(items))


def test_an_export_verifies_offline_and_its_lines_are_the_hashed_bytes(archive, exported):
    result = verify_export(exported)
    assert (result.tree_size, result.root_hash) == tree_head(archive)
    stored = [e.leaf_hash for e in archive.events.read()]
    assert [leaf_hash(line.rstrip(b"\n")) for line in lines(exported)] == stored
    first = json.loads(lines(exported)[0])
    assert list(first) == sorted(first)  # RFC 8785: keys sorted, no spaces
    assert first["position"] == 1 and set(first) == {
        "position", "event_id", "stream_id", "version", "type", "data", "metadata", "recorded_at"
    }  # fmt: skip


def test_the_live_log_verifies_and_is_held_to_every_checkpoint(archive):
    append(archive, 5)
    make_checkpoint(archive)
    append(archive, 4)
    make_checkpoint(archive)
    result = verify_live(archive)
    assert result.tree_size == 9 and len(result.checkpoints) == 2


def test_an_edited_byte_is_named_by_position(exported):
    items = lines(exported)
    items[3] = items[3].replace(b'"value":103', b'"value":703')
    write_lines(exported, items)
    with pytest.raises(IntegrityError, match="^position 4: ") as raised:
        verify_export(exported)
    assert raised.value.position == 4


def test_an_edit_without_the_leaf_list_still_breaks_the_root(exported):
    (exported / "leaf-hashes.txt").unlink()
    items = lines(exported)
    items[3] = items[3].replace(b'"value":103', b'"value":703')
    write_lines(exported, items)
    with pytest.raises(IntegrityError, match="checkpoint.json: the log's first 9 events hash to"):
        verify_export(exported)


def test_a_removed_last_event_is_named(exported):
    write_lines(exported, lines(exported)[:-1])
    with pytest.raises(IntegrityError, match="^position 9: missing"):
        verify_export(exported)


def test_swapped_events_are_named(exported):
    items = lines(exported)
    items[1], items[2] = items[2], items[1]
    write_lines(exported, items)
    with pytest.raises(IntegrityError, match="^position 2: line 2 holds position 3"):
        verify_export(exported)


def test_a_forged_signature_is_named(exported):
    document = json.loads((exported / "checkpoint.json").read_text())
    document["tree_size"] = 8
    (exported / "checkpoint.json").write_text(json.dumps(document))
    with pytest.raises(IntegrityError, match="^signature: "):
        verify_export(exported)


def test_against_an_older_checkpoint_passes_across_a_key_rotation(archive, tmp_path):
    append(archive, 4)
    old = keep(make_checkpoint(archive), tmp_path / "old.json")
    rotate_signing_key(archive)
    append(archive, 3)
    export(archive, tmp_path / "export")
    assert verify_export(tmp_path / "export", against=old).against.tree_size == 4
    assert verify_live(archive, against=old).tree_size == 8


@pytest.mark.parametrize("block", [64, 1000])
def test_an_export_read_in_blocks_that_cut_its_lines_verifies_and_names_an_edit(
    archive, tmp_path, monkeypatch, block
):
    """Lines (and the rotation's type) cut across the blocks read: the same verdicts."""
    monkeypatch.setattr(store.audit, "CHUNK_BYTES", block)
    append(archive, 4)
    old = keep(make_checkpoint(archive), tmp_path / "old.json")
    rotate_signing_key(archive)  # its key must be found to hold the log to `old`
    append(archive, 3)
    folder = tmp_path / "export"
    export(archive, folder)
    assert verify_export(folder, against=old).tree_size == 8
    items = lines(folder)
    items[-1] = items[-1].rstrip(b"\n")  # a last line without its newline still counts
    write_lines(folder, items)
    assert verify_export(folder, against=old).tree_size == 8
    items[6] = items[6].replace(b'"value":', b'"value":9')
    write_lines(folder, items)
    with pytest.raises(IntegrityError, match="^position 7: "):
        verify_export(folder, against=old)


def test_against_a_checkpoint_of_another_history_fails(archive, tmp_path):
    append(archive, 4)
    key = ensure_signing_key(archive)
    fork = sign_checkpoint(3, leaf_hash(b"another history"), "2022-01-12T00:00:00Z", key)
    forked = keep(fork, tmp_path / "fork.json")
    export(archive, tmp_path / "export")
    with pytest.raises(IntegrityError, match="fork.json: the log's first 3 events hash to"):
        verify_export(tmp_path / "export", against=forked)
    with pytest.raises(IntegrityError, match="rewritten or forked"):
        verify_live(archive, against=forked)


def test_against_a_checkpoint_larger_than_the_log_fails(archive, tmp_path):
    append(archive, 4)
    later = keep(make_checkpoint(archive), tmp_path / "later.json")
    small = tmp_path / "small"
    append(archive, 1)
    export(archive, small)
    write_lines(small, lines(small)[:3])
    with pytest.raises(IntegrityError, match="^position 4: missing"):
        verify_export(small, against=later)


# The live verification hashes each event's canonical bytes as the database assembles them
# from the stored columns (its own JSON quoting, its own spelling of the time). What the
# database spells otherwise than RFC 8785 goes to the reference encoder: never a verdict.
AWKWARD = 'a "quoted" \\ back\tslash, \x01\x1f\x7f, é ß 中文 😀 \u2028 / end'


def tamper(archive, *statements: str) -> None:
    """Change the log around Recount, its refusing triggers set aside for the statements."""
    postgres = archive.engine.dialect.name == "postgresql"
    with archive.engine.begin() as connection:
        if postgres:
            connection.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS events_refuse_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS events_refuse_delete")
        for statement in statements:
            connection.exec_driver_sql(statement)
        if postgres:
            connection.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER USER")


def replaced(archive, column: str, *pairs: tuple[str, str]) -> str:
    """SQL for `column`'s JSON text with each (old, new) replaced, back in the column's type."""
    postgres = archive.engine.dialect.name == "postgresql"
    expression = f"{column}::text" if postgres else column
    for old, new in pairs:
        expression = f"replace({expression}, '{old}', '{new}')"
    return f"({expression})::json" if postgres else expression


def test_events_with_strings_to_escape_verify_live_and_an_edit_is_named(archive):
    awkward = reported(105).model_copy(update={"quote": AWKWARD})
    append(archive, 3)
    archive.events.append([PendingEvent(awkward, metadata={"actor": AWKWARD, "n": 2**40})])
    append(archive, 2)
    make_checkpoint(archive)
    assert verify_live(archive).tree_size == 6
    edited = replaced(archive, "metadata", ("中文", "中国"))
    tamper(archive, f"UPDATE events SET metadata = {edited} WHERE position = 4")
    with pytest.raises(IntegrityError, match=r"^position 4: "):
        verify_live(archive)


def test_data_stored_in_another_spelling_of_the_same_json_still_verifies(archive):
    append(archive, 4)
    make_checkpoint(archive)
    spaced = replaced(archive, "data", ('":', '": '), (',"', ', "'))  # the same JSON
    tamper(archive, f"UPDATE events SET data = {spaced} WHERE position = 2")
    assert verify_live(archive).tree_size == 4
    edited = replaced(archive, "data", ('"people"', '"persons"'))
    tamper(archive, f"UPDATE events SET data = {edited} WHERE position = 3")
    with pytest.raises(IntegrityError, match=r"^position 3: "):
        verify_live(archive)


def test_a_stream_id_rewritten_to_spell_its_own_escapes_is_named(archive):
    """`a\\"b` written where the log holds `a"b` reads, between bare quotes, as the very bytes
    the append hashed: the live check must quote the stored stream id as JSON to see it."""
    quoted = reported(105).model_copy(update={"metric": 'deaths"among'})
    append(archive, 3)
    archive.events.append([PendingEvent(quoted)])
    make_checkpoint(archive)
    assert verify_live(archive).tree_size == 4
    tamper(
        archive,
        "UPDATE events SET stream_id = replace(stream_id, '\"', '\\\"') WHERE position = 4",
    )
    with pytest.raises(IntegrityError, match=r"^position 4: "):
        verify_live(archive)


# The stored subtrees are read by key: subtree (L, i) is completed by the append of event
# (i + 1) << L, so the keys a chunk of events completed, and those past the head, are ranges.


def completed_by(first: int, last: int) -> set[tuple[int, int]]:
    """Every subtree above the leaves whose completing event is in first..last, by brute force."""
    return {
        (level, index)
        for level in range(1, 8)
        for index in range(last + 1)
        if first <= (index + 1) << level <= last
    }


def test_the_subtrees_a_chunk_completes_are_its_key_ranges():
    for first in range(1, 70):
        for last in range(first, 70):
            ranges = store.audit.completed_ranges(first, last)
            keys = {(level, i) for level, low, high in ranges for i in range(low, high + 1)}
            assert keys == completed_by(first, last), (first, last)
            assert all(low <= high for _, low, high in ranges)


@pytest.mark.parametrize("size", [0, 1, 2, 7, 8, 11, 16, 31, 32, 33, 63, 64, 100])
def test_the_subtrees_past_a_size_are_its_bounds(size):
    *below, (top, top_low) = store.audit.beyond_bounds(size)
    assert top_low == 0  # from this level up, every stored subtree is past `size`
    bounds = dict(below)
    for level in range(1, 10):
        for index in range(300):
            past = (index + 1) << level > size
            named = level >= top if level not in bounds else index >= bounds[level]
            assert named == past, (size, level, index)


def test_a_changed_or_missing_subtree_in_a_later_chunk_is_named_by_its_event(archive, monkeypatch):
    monkeypatch.setattr(store.audit, "CHUNK", 8)  # several chunks, cutting subtrees across
    append(archive, 40)
    assert verify_live(archive).tree_size == 40
    tamper(archive, "DELETE FROM merkle_subtrees WHERE level = 3 AND node_index = 3")
    with pytest.raises(IntegrityError, match=r"^position 32: .*\(level 3, index 3\)"):
        verify_live(archive)
    tamper(archive, "DELETE FROM merkle_subtrees WHERE level = 2 AND node_index = 5")
    with pytest.raises(IntegrityError, match=r"^position 24: .*\(level 2, index 5\)"):
        verify_live(archive)
    tamper(
        archive,
        "UPDATE merkle_subtrees SET hash = (SELECT hash FROM merkle_subtrees "
        "WHERE level = 1 AND node_index = 0) WHERE level = 1 AND node_index = 8",
    )
    with pytest.raises(IntegrityError, match=r"^position 18: .*\(level 1, index 8\)"):
        verify_live(archive)


@pytest.mark.parametrize(("size", "first_past"), [(8, 10), (11, 12), (12, 14)])
def test_subtrees_left_by_events_removed_from_the_end_are_named(archive, size, first_past):
    """The last events gone with their head and reports: only their subtrees remain."""
    append(archive, 15)
    tamper(
        archive,
        f"DELETE FROM events WHERE position > {size}",
        f"DELETE FROM reports WHERE position > {size}",
        f"UPDATE log_head SET position = {size}",
    )
    with pytest.raises(IntegrityError) as raised:
        verify_live(archive)
    assert str(raised.value) == (
        f"position {size + 1}: missing: the stored projections hold position {first_past}, "
        f"the log only {size} events"
    )
