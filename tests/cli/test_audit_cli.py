"""`recount checkpoint|export|verify|proof|keys` on a real SQLite file, tampered with by hand.

The tampering goes around Recount: the sqlite3 module, triggers dropped, one byte changed.
`recount verify` must then exit 1 with one line that names the position (or the signature).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from cli.main import app
from domain.checkpoints import (
    Checkpoint,
    parse_consistency_proof,
    parse_inclusion_proof,
    private_key_pem,
)
from domain.events import PendingEvent
from services.archive import Archive
from services.settings import Settings
from tests.store.builders import reported

EVENTS = 7


class Recount:
    """The command line over one database file and key, as a user would run it."""

    def __init__(self, folder: Path, name: str = "recount") -> None:
        self.database = folder / f"{name}.db"
        self.key = folder / f"{name}.key"
        self.env = {
            "RECOUNT_DATABASE_URL": f"sqlite:///{self.database}",
            "RECOUNT_SIGNING_KEY": str(self.key),
        }

    def __call__(self, *args: str, code: int = 0):
        result = CliRunner().invoke(app, list(args), env=self.env)
        assert result.exit_code == code, result.output
        return result

    def append(self, count: int, start: int = 100) -> None:
        archive = self.archive()
        try:
            archive.events.append([PendingEvent(reported(start + i)) for i in range(count)])
        finally:
            archive.close()

    def archive(self) -> Archive:
        return Archive.open(
            Settings(database_url=self.env["RECOUNT_DATABASE_URL"], signing_key_path=self.key)
        )

    def sql(self, *statements: str) -> None:
        connection = sqlite3.connect(self.database)
        try:
            for statement in statements:
                connection.execute(statement)
            connection.commit()
        finally:
            connection.close()


def drop_triggers(recount: Recount) -> None:
    recount.sql("DROP TRIGGER events_refuse_update", "DROP TRIGGER events_refuse_delete")


@pytest.fixture
def recount(tmp_path: Path) -> Recount:
    cli = Recount(tmp_path)
    cli("init")
    cli.append(EVENTS)
    return cli


def one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_init_creates_a_private_key_and_prints_its_id(tmp_path):
    cli = Recount(tmp_path)
    result = cli("init")
    assert cli.key.stat().st_mode & 0o777 == 0o600
    assert "signing key " in result.output
    cli("init")  # idempotent: the key stays
    assert cli.key.stat().st_mode & 0o777 == 0o600


def test_checkpoint_prints_a_signed_tree_head(recount):
    checkpoint = Checkpoint.from_json(json.loads(recount("checkpoint").stdout))
    assert checkpoint.tree_size == EVENTS


def test_proofs_print_json_that_verifies(recount):
    head = Checkpoint.from_json(json.loads(recount("checkpoint").stdout))
    inclusion = parse_inclusion_proof(
        json.loads(recount("proof", "inclusion", "--position", "3").stdout)
    )
    assert inclusion.leaf_index == 2 and inclusion.verify(head.root_hash)
    old = Checkpoint.from_json(json.loads(recount("checkpoint").stdout))
    recount.append(4)
    new = Checkpoint.from_json(json.loads(recount("checkpoint").stdout))
    consistency = parse_consistency_proof(
        json.loads(recount("proof", "consistency", "--first", str(old.tree_size)).stdout)
    )
    assert consistency.second == EVENTS + 4
    assert consistency.verify(old.root_hash, new.root_hash)


def test_a_bad_proof_request_is_one_line(recount):
    result = recount("proof", "inclusion", "--position", "9", "--tree-size", "5", code=1)
    assert one_line(result) == "error: position 9 is not in the tree of size 5"


def test_an_untouched_log_verifies_live_and_exported(recount, tmp_path):
    recount("checkpoint")
    assert "verified 7 events" in recount("verify").stdout
    recount("export", str(tmp_path / "export"))
    assert "verified 7 events" in recount("verify", str(tmp_path / "export")).stdout


def test_a_changed_byte_is_named_live_and_in_the_export(recount, tmp_path):
    recount("checkpoint")
    drop_triggers(recount)
    with sqlite3.connect(recount.database) as connection:
        (data,) = connection.execute("SELECT data FROM events WHERE position = 5").fetchone()
    at = data.index("at_least 104")
    changed = data[: at + 9] + "7" + data[at + 10 :]  # "at_least 704": one byte
    recount.sql(f"UPDATE events SET data = '{changed}' WHERE position = 5")
    assert one_line(recount("verify", code=1)).startswith("verification failed: position 5: ")


def test_an_edited_export_is_named(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    events = folder / "events.jsonl"
    items = events.read_bytes().splitlines(keepends=True)
    items[5] = items[5].replace(b"at_least 105", b"at_least 705")
    events.write_bytes(b"".join(items))
    line = one_line(recount("verify", str(folder), code=1))
    assert line.startswith("verification failed: position 6: ")


def test_a_deleted_last_event_is_named(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    drop_triggers(recount)
    recount.sql(f"DELETE FROM events WHERE position = {EVENTS}")
    line = one_line(recount("verify", code=1))
    assert line.startswith(f"verification failed: position {EVENTS}: missing")
    events = folder / "events.jsonl"
    events.write_bytes(b"".join(events.read_bytes().splitlines(keepends=True)[:-1]))
    line = one_line(recount("verify", str(folder), code=1))
    assert line.startswith(f"verification failed: position {EVENTS}: missing")


def test_a_deleted_last_event_with_its_head_is_still_named(recount):
    drop_triggers(recount)
    recount.sql(
        f"DELETE FROM events WHERE position = {EVENTS}",
        f"UPDATE log_head SET position = {EVENTS - 1}",
    )
    line = one_line(recount("verify", code=1))
    assert line.startswith(f"verification failed: position {EVENTS}: missing")


def test_swapped_positions_are_named(recount, tmp_path):
    recount("checkpoint")
    drop_triggers(recount)
    recount.sql(
        "UPDATE events SET position = -2 WHERE position = 2",
        "UPDATE events SET position = 2 WHERE position = 3",
        "UPDATE events SET position = 3 WHERE position = -2",
    )
    assert one_line(recount("verify", code=1)).startswith("verification failed: position 2: ")
    folder = tmp_path / "export"
    recount("export", str(folder))  # an export of the tampered log does not verify either
    line = one_line(recount("verify", str(folder), code=1))
    assert line.startswith("verification failed: position 2: ")


def test_a_replaced_key_file_is_named(recount):
    recount("checkpoint")
    recount.key.write_bytes(private_key_pem(Ed25519PrivateKey.generate()))
    assert one_line(recount("verify", code=1)).startswith("verification failed: signature: ")
    assert "signature" in one_line(recount("checkpoint", code=1))


def test_keys_rotate_logs_the_rotation_and_old_checkpoints_verify(recount, tmp_path):
    old = tmp_path / "old.json"
    old.write_text(recount("checkpoint").stdout)
    result = recount("keys", "rotate")
    assert f"SigningKeyRotated at position {EVENTS + 1}" in result.stdout
    new = json.loads(recount("checkpoint").stdout)
    assert new["key_id"] != json.loads(old.read_text())["key_id"]
    assert "extends 7" in recount("verify", "--against", str(old)).stdout
    recount("export", str(tmp_path / "export"))
    recount("verify", str(tmp_path / "export"), "--against", str(old))


def test_against_a_checkpoint_of_a_forked_log_fails(recount, tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text(recount("checkpoint").stdout)
    fork = Recount(tmp_path, "fork")
    shutil.copy(recount.database, fork.database)  # closed, so the WAL is folded in
    shutil.copy(recount.key, fork.key)
    fork.append(2, start=500)
    forked = tmp_path / "forked.json"
    forked.write_text(fork("checkpoint").stdout)
    recount.append(3, start=900)
    assert "extends 7" in recount("verify", "--against", str(kept)).stdout
    line = one_line(recount("verify", "--against", str(forked), code=1))
    assert line.startswith("verification failed: forked.json: the log's first 9 events hash to")
    folder = tmp_path / "export"
    recount("export", str(folder))
    line = one_line(recount("verify", str(folder), "--against", str(forked), code=1))
    assert "rewritten or forked" in line


def root_of(verified) -> str:
    return verified.output.split("root ")[1].split(",")[0].split()[0]


def test_import_moves_the_log_to_an_empty_database_with_the_same_root(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    target = Recount(tmp_path, "target")
    target.env["RECOUNT_SIGNING_KEY"] = str(recount.key)  # the archive moves with its key
    target("init")
    result = target("import", str(folder))
    assert f"imported {EVENTS} events from" in result.output and "note" not in result.output
    assert root_of(target("verify")) == root_of(recount("verify"))
    assert json.loads(target("figures", "--json").stdout) == json.loads(
        recount("figures", "--json").stdout
    )


def test_import_of_an_edited_export_is_one_line_and_imports_nothing(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    events = folder / "events.jsonl"
    items = events.read_bytes().splitlines(keepends=True)
    items[5] = items[5].replace(b"at_least 105", b"at_least 705")
    events.write_bytes(b"".join(items))
    target = Recount(tmp_path, "target")
    target("init")
    line = one_line(target("import", str(folder), code=1))
    assert line.startswith("import failed: position 6: ")
    assert "verified 0 events" in target("verify").output


def test_import_into_a_database_that_holds_events_is_refused(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    line = one_line(recount("import", str(folder), code=1))
    assert line.startswith(f"error: the database already holds {EVENTS} events: import only")


def test_import_with_another_key_file_says_which_key_signs_for_the_log(recount, tmp_path):
    folder = tmp_path / "export"
    recount("export", str(folder))
    target = Recount(tmp_path, "target")
    target("init")  # makes a key of its own
    result = target("import", str(folder))
    assert "note: the key file" in result.output and "RECOUNT_SIGNING_KEY" in result.output
    line = one_line(target("checkpoint", code=1))
    assert "a new key must come from `recount keys rotate`" in line
