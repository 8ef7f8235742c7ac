"""Audit use cases: replay and compare, sign, export, import, verify, prove, rotate the key.

Each takes the open archive and calls the store with what it needs (the event store, the
engine, the key file's path), so the store never sees the settings or the wiring.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.checkpoints import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    key_id,
    load_public_key,
    public_key_pem,
)
from domain.errors import IntegrityError, InvalidInput
from domain.events import PendingEvent, SigningKeyRotated
from services.archive import PROJECTORS, Archive, read_models
from store import audit, checkpoints, imports, keys, merkle
from store import export as exports
from store import replay as replays
from store.audit import Verified as Verified
from store.audit import verify_export as verify_export
from store.export import Progress
from store.export import canonical_line as canonical_line
from store.keys import KnownKey
from store.replay import Difference


def replay(archive: Archive, progress: replays.Progress | None = None) -> int:
    """Empty the read models and rebuild them from position 0, in one transaction."""
    return replays.replay(archive.events, read_models(), progress)


def replay_check(archive: Archive, progress: replays.Progress | None = None) -> Difference | None:
    """Rebuild the read models into a scratch copy; the first difference from the live ones."""
    return replays.check(archive.events, read_models(), progress)


def ensure_signing_key(archive: Archive) -> Ed25519PrivateKey:
    """The key file the settings name, created (mode 0600) if there is none yet."""
    return keys.ensure_signing_key(archive.settings.key_path)


def signing_key(archive: Archive) -> Ed25519PrivateKey:
    """The key to sign with, checked against (or registered as) the log's current key."""
    return keys.signing_key(archive.engine, archive.settings.key_path)


def make_checkpoint(archive: Archive, now: datetime | None = None) -> Checkpoint:
    """Sign the log's current head (size, root, time) and store the checkpoint."""
    key = signing_key(archive)
    moment = now if now is not None else archive.events.clock()
    return checkpoints.make_checkpoint(archive.engine, key, moment)


def current_checkpoint(archive: Archive) -> Checkpoint:
    """The latest checkpoint if it covers the head and its key still signs, else a new one.

    What `GET /v1/log/checkpoint` serves: at most one new row per change of the head.
    """
    latest = checkpoints.latest_checkpoint(archive.engine)
    if latest is not None and latest.tree_size == archive.events.head():
        key = signing_key(archive)
        if latest.key_id == key_id(key.public_key()):
            return latest
    return make_checkpoint(archive)


def export(archive: Archive, directory: Path, progress: Progress | None = None) -> Checkpoint:
    """Sign a fresh checkpoint and write the events it covers, with the key that signed it."""
    return exports.export(archive.events, make_checkpoint(archive), directory, progress)


@dataclass(frozen=True)
class Imported:
    """What an import wrote, and a word about the key file if it cannot sign for this log."""

    tree_size: int
    root_hash: bytes
    key_id: str
    key_note: str | None = None


def import_export(
    archive: Archive,
    directory: Path,
    checking: Progress | None = None,
    importing: Progress | None = None,
    batch: int = 5000,
) -> Imported:
    """Load an export into this archive, whose log must be empty: how an archive moves.

    The export is verified whole first (`verify_export`), then its events are appended in one
    transaction, each keeping its position, id, time and leaf hash (store/imports.py).
    """
    if not (directory / exports.EVENTS_FILE).is_file():
        raise InvalidInput(f"no export in {directory}: it holds no {exports.EVENTS_FILE}")
    imports.require_empty(archive.engine)
    verified = verify_export(directory, progress=checking)
    checkpoint = verified.checkpoints[0]
    public = load_public_key((directory / exports.PUBLIC_KEY_FILE).read_bytes())
    imports.import_events(
        archive.events, PROJECTORS, directory, checkpoint, public, importing, batch
    )
    return Imported(
        checkpoint.tree_size, checkpoint.root_hash, checkpoint.key_id, _key_note(archive)
    )


def _key_note(archive: Archive) -> str | None:
    """Why the key file at hand cannot sign this log's checkpoints, if it cannot."""
    try:
        keys.check_key_file(archive.engine, archive.settings.key_path)
    except IntegrityError as error:
        return (
            f"{str(error).removeprefix('signature: ')}: point RECOUNT_SIGNING_KEY at the "
            "source's key file to sign new checkpoints"
        )
    return None


def verify_live(
    archive: Archive, against: Path | None = None, progress: Progress | None = None
) -> Verified:
    """Check the database: leaf hashes, stored subtrees, every stored checkpoint, the key file."""
    return audit.verify_live(archive.events, archive.settings.key_path, against, progress)


def tree_head(archive: Archive, size: int | None = None) -> tuple[int, bytes]:
    """(size, root) of the log now, or of its first `size` events."""
    return merkle.tree_head(archive.engine, size)


def inclusion_proof(
    archive: Archive, position: int, tree_size: int | None = None
) -> InclusionProof:
    return merkle.inclusion_proof(archive.engine, position, tree_size)


def consistency_proof(archive: Archive, first: int, second: int | None = None) -> ConsistencyProof:
    return merkle.consistency_proof(archive.engine, first, second)


def known_key(archive: Archive, kid: str) -> KnownKey | None:
    """A key that signs or once signed checkpoints, by its id."""
    with archive.engine.connect() as connection:
        return keys.known_keys(connection).get(kid)


def current_public_key(archive: Archive) -> tuple[str, str]:
    """(key id, PEM) of the key that signs checkpoints now."""
    public = signing_key(archive).public_key()
    return key_id(public), public_key_pem(public).decode("ascii")


@dataclass(frozen=True)
class Rotation:
    key_id: str
    previous_key_id: str
    position: int


def rotate_signing_key(archive: Archive) -> Rotation:
    """Make a new key, announce it in the log (SigningKeyRotated), then put it in the key file.

    The old public key stays in `signing_keys` and in the event, so old checkpoints verify.
    """
    old = signing_key(archive).public_key()
    new = Ed25519PrivateKey.generate()
    path = archive.settings.key_path
    temporary = keys.write_private(path, new)
    try:
        event = SigningKeyRotated(
            key_id=key_id(new.public_key()),
            public_key=public_key_pem(new.public_key()).decode("ascii"),
            previous_key_id=key_id(old),
            previous_public_key=public_key_pem(old).decode("ascii"),
        )
        result = archive.events.append(
            [
                PendingEvent(
                    event,
                    expected_version=keys.keys_version(archive.engine),
                    metadata={"actor": "recount keys rotate"},
                )
            ]
        )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return Rotation(event.key_id, key_id(old), result.appended[0].position)
