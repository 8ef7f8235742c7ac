"""Tokens: shown once, stored hashed, refused at once after a revoke."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from domain.errors import Conflict, Forbidden, Unauthorized, UnknownToken
from services.tokens import authenticate, create_token, list_tokens, revoke_token
from store.tables import api_tokens


def test_token_is_stored_only_as_its_sha256(archive):
    token = create_token(archive, "desk")
    with archive.engine.connect() as connection:
        stored = connection.execute(select(api_tokens.c.token_hash)).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    assert authenticate(archive, token).name == "desk"


def test_missing_and_unknown_tokens_are_unauthorized(archive):
    create_token(archive, "desk")
    with pytest.raises(Unauthorized):
        authenticate(archive, None)
    with pytest.raises(Unauthorized):
        authenticate(archive, "rct_not-a-token")


def test_revoked_token_is_forbidden_at_once(archive):
    token = create_token(archive, "desk")
    authenticate(archive, token)
    info = revoke_token(archive, "desk")
    assert info.revoked
    with pytest.raises(Forbidden):
        authenticate(archive, token)
    assert [t.revoked for t in list_tokens(archive)] == [True]


def test_token_names_are_never_reused_and_unknown_names_are_not_found(archive):
    create_token(archive, "desk")
    with pytest.raises(Conflict):
        create_token(archive, "desk")
    with pytest.raises(UnknownToken):
        revoke_token(archive, "nobody")
