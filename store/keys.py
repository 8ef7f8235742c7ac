"""The signing key: a 0600 PEM file on disk, and the history of public keys in the database.

The first key that signs a checkpoint is registered in `signing_keys` (trust on first use);
after that only `recount keys rotate` may change it, and a rotation is an event in the log. A
key file that is not the log's current key (someone replaced it) makes signing and `recount
verify` fail, rather than letting checkpoints be signed by a key nobody announced.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from domain.checkpoints import (
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from domain.errors import IntegrityError
from domain.events import KEYS_STREAM, RecordedEvent, SigningKeyRotated
from store.tables import events, log_head, signing_keys

KEY_FILE_MODE = 0o600


def ensure_signing_key(path: Path) -> Ed25519PrivateKey:
    """The key at `path`, created (mode 0600) if there is none yet."""
    if not path.exists():
        _write_new_key(path, Ed25519PrivateKey.generate())
    return load_private_key(path.read_bytes())


def _write_new_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Create the file only if absent: two processes racing both end up with the same key."""
    temporary = _write_private(path, key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _write_private(path: Path, key: Ed25519PrivateKey) -> Path:
    """Write the key to a fresh 0600 file beside `path`, never readable by others meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        os.fchmod(descriptor, KEY_FILE_MODE)  # the umask may not widen it, but be explicit
        os.write(descriptor, private_key_pem(key))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return temporary


@dataclass(frozen=True)
class KnownKey:
    key_id: str
    public_key: Ed25519PublicKey
    pem: str


def known_keys(connection: Connection) -> dict[str, KnownKey]:
    """Every public key that has been the log's signing key, by key id."""
    rows = connection.execute(select(signing_keys.c.key_id, signing_keys.c.public_key))
    return {kid: KnownKey(kid, load_public_key(pem.encode("ascii")), pem) for kid, pem in rows}


def current_key_id(connection: Connection) -> str | None:
    """The key the log says signs now: the one registered last."""
    query = (
        select(signing_keys.c.key_id)
        .order_by(signing_keys.c.since_position.desc(), signing_keys.c.key_id)
        .limit(1)
    )
    return connection.execute(query).scalar()


def signing_key(engine: Engine, path: Path) -> Ed25519PrivateKey:
    """The private key to sign with, checked against (or registered as) the log's current key."""
    key = ensure_signing_key(path)
    kid = key_id(key.public_key())
    with engine.begin() as connection:
        current = current_key_id(connection)
        if current is None:
            _register_first(connection, key.public_key())
            return key
    if current != kid:
        raise IntegrityError(
            f"signature: the key file {path} holds key {kid}, but the log's "
            f"signing key is {current} (a new key must come from `recount keys rotate`)"
        )
    return key


def _register_first(connection: Connection, public: Ed25519PublicKey) -> None:
    position = connection.execute(select(log_head.c.position)).scalar_one()
    try:
        with connection.begin_nested():
            connection.execute(
                insert(signing_keys).values(
                    key_id=key_id(public),
                    public_key=public_key_pem(public).decode("ascii"),
                    since_position=position,
                )
            )
    except DatabaseIntegrityError:
        pass  # another process registered the same key first


def check_key_file(engine: Engine, path: Path) -> None:
    """Fail if the key file on disk is not the log's current key (it was replaced)."""
    if not path.exists():
        return
    with engine.connect() as connection:
        current = current_key_id(connection)
    if current is None:
        return
    kid = key_id(load_private_key(path.read_bytes()).public_key())
    if kid != current:
        raise IntegrityError(
            f"signature: the key file {path} holds key {kid}, "
            f"but the log's signing key is {current}"
        )


def keys_version(engine: Engine) -> int:
    """The version of the keys stream, which a rotation expects."""
    query = select(func.max(events.c.version)).where(events.c.stream_id == KEYS_STREAM)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def write_private(path: Path, key: Ed25519PrivateKey) -> Path:
    """A temporary 0600 file beside `path` holding `key`; the caller links or renames it."""
    return _write_private(path, key)


def record(connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
    """The on_append hook: a SigningKeyRotated event registers its keys in the same transaction."""
    for item in recorded:
        if item.type != SigningKeyRotated.type:
            continue
        event = item.event
        assert isinstance(event, SigningKeyRotated)
        known = set(known_keys(connection))
        if (
            event.previous_key_id
            and event.previous_public_key
            and (event.previous_key_id not in known)
        ):
            _insert_key(connection, event.previous_key_id, event.previous_public_key, 0, None)
        if event.key_id not in known:
            _insert_key(
                connection, event.key_id, event.public_key, item.position, event.previous_key_id
            )


def register_key(connection: Connection, public: Ed25519PublicKey, since_position: int) -> None:
    """Make `public` a known signing key, unless it is one already (an import's key)."""
    kid = key_id(public)
    if kid not in known_keys(connection):
        _insert_key(connection, kid, public_key_pem(public).decode("ascii"), since_position, None)


def _insert_key(
    connection: Connection, kid: str, pem: str, since: int, previous: str | None
) -> None:
    connection.execute(
        insert(signing_keys).values(
            key_id=kid, public_key=pem, since_position=since, previous_key_id=previous
        )
    )
