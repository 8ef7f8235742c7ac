"""API tokens: made and revoked on the CLI, checked on every write over HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from services.archive import Archive
from store import tokens
from store.log import HeadWatch
from store.subjects import LinksMark
from store.tokens import ROLES as ROLES
from store.tokens import WRITER as WRITER
from store.tokens import TokenInfo as TokenInfo


def create_token(archive: Archive, name: str, role: str = WRITER) -> str:
    """Make a token called `name` (a writer, or an editor) and return its secret: the only time
    it is ever shown."""
    return tokens.create_token(archive.engine, name, role)


def list_tokens(archive: Archive) -> list[TokenInfo]:
    return tokens.list_tokens(archive.engine)


def revoke_token(archive: Archive, name_or_id: str) -> TokenInfo:
    """Revoke a token by name or id; revoking twice keeps the first revocation time."""
    return tokens.revoke_token(archive.engine, name_or_id)


def authenticate(archive: Archive, token: str | None) -> TokenInfo:
    """The token's owner; Unauthorized when missing or unknown, Forbidden when revoked."""
    return tokens.authenticate(archive.engine, token)


async def authenticate_watched(watch: HeadWatch, token: str | None) -> TokenInfo:
    """`authenticate` on a reader of its own (`services.log.head_watch`): the server's event
    loop asks it, with no thread and no pooled connection; as fresh, revokes included."""
    return await tokens.authenticate_watched(watch, token)


@dataclass(frozen=True)
class Writer:
    """Who asks to write, and how far the subjects' renames and merges went when they asked."""

    token: TokenInfo
    links_at: LinksMark


async def admit_writer(watch: HeadWatch, token: str | None) -> Writer:
    """The token a write presents, checked as `authenticate` does, with the links' mark (for
    `services.subjects.writing_name`): one statement on `watch`'s own connection, awaited."""
    info, mark = await tokens.admit_writer(watch, token)
    return Writer(info, mark)
