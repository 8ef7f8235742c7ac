"""Import: an export loads into an empty database as the same log, or not at all."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from domain.checkpoints import public_key_pem, sign_checkpoint
from domain.errors import Conflict, IntegrityError, InvalidInput
from domain.events import DocumentCaptured, PendingEvent
from domain.merkle import MemoryTree, leaf_hash
from services.audit import (
    ensure_signing_key,
    export,
    import_export,
    make_checkpoint,
    replay_check,
    rotate_signing_key,
    tree_head,
    verify_live,
)
from services.figures import figure_history, figures_as_of
from store.tables import documents, events, figures, log_head, merkle_subtrees, reports
from tests.conftest import open_archive
from tests.store.builders import SUBJECT, pending, reported, retracted


@pytest.fixture
def source(tmp_path):
    """A SQLite archive with documents, reports, a retraction, checkpoints and a key rotation."""
    archive = open_archive(f"sqlite:///{tmp_path / 'source.db'}", tmp_path / "source")
    first = reported(160, day=11)
    archive.events.append(
        [
            PendingEvent(_document("a", "At least 160 people died, officials said.")),
            pending(first, key="report:a:1"),
            pending(reported(9900, metric="arrests", day=11), key="report:a:2"),
        ]
    )
    make_checkpoint(archive)
    archive.events.append([pending(reported(164, day=12), key="report:b:1")])
    rotate_signing_key(archive)
    archive.events.append([PendingEvent(retracted(first)), PendingEvent(reported(225, day=13))])
    yield archive
    archive.close()


def _document(name: str, text: str) -> DocumentCaptured:
    return DocumentCaptured(
        document_id=name * 8,
        subject=SUBJECT,
        url=f"https://example.org/{name}",
        title=name,
        content_hash=name * 16,
        text=text,
        published_at=datetime(2022, 1, 11, tzinfo=UTC),
        captured_at=datetime(2022, 1, 11, 1, tzinfo=UTC),
    )


@pytest.fixture
def exported(source, tmp_path):
    folder = tmp_path / "export"
    export(source, folder)
    return folder


def logged(archive) -> list[tuple]:
    return [(e.position, e.event_id, e.recorded_at, e.leaf_hash) for e in archive.events.read()]


def test_an_import_from_sqlite_is_the_same_log_with_the_same_answers(source, exported, archive):
    """Into each database (SQLite, and PostgreSQL when configured): same root, same figures."""
    imported = import_export(archive, exported)
    assert (imported.tree_size, imported.root_hash) == tree_head(source) == tree_head(archive)
    assert logged(archive) == logged(source)
    assert figures_as_of(archive, SUBJECT) == figures_as_of(source, SUBJECT)
    assert figure_history(archive, SUBJECT, "deaths") == figure_history(source, SUBJECT, "deaths")
    assert replay_check(archive) is None
    held = verify_live(archive)  # held to the export's checkpoint, signed by the rotated key
    assert held.tree_size == 7 and [c.tree_size for c in held.checkpoints] == [7]


def test_reingesting_after_an_import_appends_nothing(exported, archive):
    import_export(archive, exported)
    again = archive.events.append([pending(reported(164, day=12), key="report:b:1")])
    assert again.appended == [] and archive.events.head() == 7


def test_a_folder_without_an_export_is_refused(tmp_path, archive):
    with pytest.raises(InvalidInput, match="no export in"):
        import_export(archive, tmp_path)


def test_a_database_that_holds_events_is_refused_and_left_as_it_was(exported, archive):
    archive.events.append([PendingEvent(reported(1))])
    with pytest.raises(Conflict, match="already holds 1 events"):
        import_export(archive, exported)
    assert archive.events.head() == 1


def lines(folder: Path) -> list[bytes]:
    return (folder / "events.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(folder: Path, items: list[bytes]) -> None:
    (folder / "events.jsonl").write_bytes(b"".join(items))


def assert_empty(archive) -> None:
    with archive.engine.connect() as connection:
        counts = [
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (events, reports, figures, documents, merkle_subtrees)
        ]
        position = connection.execute(select(log_head.c.position)).scalar_one()
    assert (counts, position) == ([0, 0, 0, 0, 0], 0)


def test_a_changed_byte_is_named_and_nothing_is_imported(exported, archive):
    items = lines(exported)
    items[3] = items[3].replace(b'"value":164', b'"value":764')
    write_lines(exported, items)
    with pytest.raises(IntegrityError, match="^position 4: ") as raised:
        import_export(archive, exported)
    assert raised.value.position == 4
    assert_empty(archive)


def test_a_missing_line_is_named_and_nothing_is_imported(exported, archive):
    items = lines(exported)
    del items[4]
    write_lines(exported, items)
    with pytest.raises(IntegrityError, match="^position 5: line 5 holds position 6"):
        import_export(archive, exported)
    assert_empty(archive)


def test_a_bad_signature_is_refused(exported, archive):
    checkpoint = json.loads((exported / "checkpoint.json").read_text())
    checkpoint["tree_size"] = 6
    (exported / "checkpoint.json").write_text(json.dumps(checkpoint))
    with pytest.raises(IntegrityError, match="^signature: "):
        import_export(archive, exported)
    assert_empty(archive)


def test_another_key_is_refused(exported, archive):
    other = public_key_pem(Ed25519PrivateKey.generate().public_key())
    (exported / "public-key.pem").write_bytes(other)
    with pytest.raises(IntegrityError, match="^signature: checkpoint.json .* does not verify"):
        import_export(archive, exported)
    assert_empty(archive)


def test_a_failure_after_events_were_written_rolls_the_whole_import_back(source, tmp_path, archive):
    """An export whose hashes and signature hold, but whose third event the log cannot take.

    Its stream version skips one: the first two events are written (batches of two), the
    third is refused, and the database must be as empty as before.
    """
    folder = tmp_path / "forged"
    export(source, folder)
    items = [json.loads(line) for line in lines(folder)[:3]]
    items[2]["version"] += 1
    raw = [
        json.dumps(i, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        for i in items
    ]
    tree = MemoryTree(leaf_hash(line) for line in raw)
    key = ensure_signing_key(source)
    signed = sign_checkpoint(3, tree.root(), "2022-01-14T00:00:00.000000Z", key)
    write_lines(folder, [line + b"\n" for line in raw])
    (folder / "leaf-hashes.txt").write_text(
        "".join(base64.b64encode(leaf_hash(line)).decode() + "\n" for line in raw)
    )
    (folder / "checkpoint.json").write_text(json.dumps(signed.to_json()))
    (folder / "public-key.pem").write_bytes(public_key_pem(key.public_key()))
    with pytest.raises(IntegrityError, match=r"^position 3: .* is at version \d, the event says"):
        import_export(archive, folder, batch=2)
    assert_empty(archive)
