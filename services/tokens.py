"""API tokens: made and revoked on the CLI, checked on every write over HTTP."""

from __future__ import annotations

from services.archive import Archive
from store import tokens
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
