"""API tokens: created once, stored as a hash, checked on every write, revoked at once.

A token is 32 random bytes from `secrets` (urlsafe base64, prefixed `rct_`). Only its SHA-256 is
kept: with 256 bits of entropy a brute-force search is hopeless whatever the hash speed, so a
slow password hash (bcrypt, argon2) would only add latency to every request. Lookups go by the
hash, so a compare never walks the secret byte by byte. Nothing is cached: a revoke takes effect
on the very next request.

Each token has a role. A `writer` (the default) records reports and feeds and retracts only the
reports it entered itself; an `editor` may also retract anyone's report. Token names are never
reused, so the name recorded as an event's `actor` keeps naming one token for ever.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Engine, Row, insert, or_, select, update
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from domain.errors import Conflict, Forbidden, InvalidInput, Unauthorized, UnknownToken
from store.log import HeadWatch
from store.rows import read_time
from store.subjects import LINKS_MARK_COLUMNS, LinksMark
from store.tables import api_tokens

PREFIX = "rct_"
NAME_MAX = 100
WRITER, EDITOR = "writer", "editor"
ROLES = (WRITER, EDITOR)
TOKEN_SQL = (
    "SELECT token_id, name, created_at, revoked_at, role FROM api_tokens WHERE token_hash = ?"
)
# A writer's token with how far the subjects' links go, in one statement: a write needs both.
WRITER_SQL = (
    f"SELECT token_id, name, created_at, revoked_at, role, {LINKS_MARK_COLUMNS} "
    "FROM api_tokens WHERE token_hash = ?"
)


@dataclass(frozen=True)
class TokenInfo:
    """What the archive knows of a token; never its secret."""

    token_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    role: str = WRITER

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str, role: str = WRITER) -> str:
    """Make a token called `name` and return its secret: the only time it is ever shown."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"a token name has 1 to {NAME_MAX} characters, not {name!r}")
    if role not in ROLES:
        raise InvalidInput(f"a token's role is {' or '.join(ROLES)}, not {role!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = {
        "token_id": str(uuid.uuid4()),
        "name": name,
        "token_hash": hash_token(token),
        "created_at": datetime.now(UTC),
        "revoked_at": None,
        "role": role,
    }
    try:
        with engine.begin() as connection:
            connection.execute(insert(api_tokens).values(**row))
    except DatabaseIntegrityError:
        raise Conflict(f"a token named {name!r} exists already (names are never reused)") from None
    return token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.name)
    with engine.connect() as connection:
        return [_info(row._mapping) for row in connection.execute(query)]


def revoke_token(engine: Engine, name_or_id: str) -> TokenInfo:
    """Revoke a token by name or id; revoking twice keeps the first revocation time."""
    match = or_(api_tokens.c.name == name_or_id, api_tokens.c.token_id == name_or_id)
    with engine.begin() as connection:
        connection.execute(
            update(api_tokens)
            .where(match, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        row = connection.execute(select(api_tokens).where(match)).first()
    if row is None:
        raise UnknownToken(f"no token named {name_or_id!r}")
    return _info(row._mapping)


def authenticate(engine: Engine, token: str | None) -> TokenInfo:
    """The token's owner; Unauthorized when missing or unknown, Forbidden when revoked."""
    if not token:
        raise Unauthorized("a bearer token is required")
    query = select(api_tokens).where(api_tokens.c.token_hash == hash_token(token))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One read outside a transaction: no ROLLBACK round trip when the connection goes
            # back to the pool (every write request asks this). SQLite keeps its own BEGIN.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        row = connection.execute(query).first()
    return _usable(row)


async def authenticate_watched(watch: HeadWatch, token: str | None) -> TokenInfo:
    """`authenticate` as one read on `watch`'s own connection, outside any transaction, awaited
    (the event loop serves others meanwhile): as fresh as a read can be, so a revoke still
    takes effect on the very next request."""
    row = await watch.first_awaited(TOKEN_SQL, (_hash_of(token),))
    return _found(row, watch.engine.dialect)


async def admit_writer(watch: HeadWatch, token: str | None) -> tuple[TokenInfo, LinksMark]:
    """`authenticate_watched` awaited (the event loop serves others meanwhile), with the links'
    mark (`store.subjects.KnownLinks`) read in the same statement."""
    row = await watch.first_awaited(WRITER_SQL, (_hash_of(token),))
    return _found(row, watch.engine.dialect), (int(row[5]), int(row[6]))


def _hash_of(token: str | None) -> str:
    if not token:
        raise Unauthorized("a bearer token is required")
    return hash_token(token)


def _found(row: Any, dialect: Dialect) -> TokenInfo:
    """The token a read by its hash found, as the driver gave the row: Unauthorized when there
    was none, Forbidden once revoked."""
    if row is None:
        raise Unauthorized("unknown token")
    time = read_time(dialect)
    created_at, revoked_at = time(row[2]), time(row[3])
    assert created_at is not None
    return _checked(TokenInfo(row[0], row[1], created_at, revoked_at, row[4]))


def token_by_id(engine: Engine, token_id: str) -> TokenInfo:
    """A signed-in session's token, checked afresh: Forbidden once it is revoked."""
    query = select(api_tokens).where(api_tokens.c.token_id == token_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _usable(row)


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        token_id=row["token_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        role=row["role"],
    )


def _usable(row: Row[Any] | None) -> TokenInfo:
    """The token a request presents: Unauthorized when unknown, Forbidden once revoked."""
    if row is None:
        raise Unauthorized("unknown token")
    return _checked(_info(row._mapping))


def _checked(info: TokenInfo) -> TokenInfo:
    if info.revoked:
        raise Forbidden(f"token {info.name!r} was revoked")
    return info
