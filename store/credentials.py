"""Feed credentials, kept apart from the log and encrypted with a key kept apart from the database.

The log is public and can never forget, so a feed's `user:password@` or API-key header goes
here instead: one row per registration, referenced from FeedAdded by `credential_id`. The row
holds a Fernet token (cryptography's authenticated encryption: AES-128-CBC and HMAC-SHA256)
made with the secrets key, a file beside the signing key (RECOUNT_SECRETS_KEY), created with
mode 0600 the first time a feed brings credentials. A stolen database alone gives no secret;
a lost key file means re-adding those feeds with their credentials.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, insert, select

from domain.errors import FetchFailed
from domain.feeds import FeedCredentials
from store.tables import feed_credentials


def secrets_key(path: Path, *, create: bool) -> Fernet:
    """The Fernet key at `path`; made (0600) when absent and `create`, else FetchFailed."""
    if not path.exists():
        if not create:
            raise FetchFailed(f"the secrets key {path} is missing; add the feed again")
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def store_credentials(engine: Engine, key_path: Path, credentials: FeedCredentials) -> str:
    """Encrypt and keep the credentials; returns the id an event may carry."""
    fernet = secrets_key(key_path, create=True)
    credential_id = str(uuid.uuid4())
    token = fernet.encrypt(json.dumps(credentials.to_json()).encode("utf-8"))
    row = {
        "credential_id": credential_id,
        "created_at": datetime.now(UTC),
        "ciphertext": token.decode("ascii"),
    }
    with engine.begin() as connection:
        connection.execute(insert(feed_credentials).values(**row))
    return credential_id


def load_credentials(engine: Engine, key_path: Path, credential_id: str) -> FeedCredentials:
    """The credentials for a poll; FetchFailed (recorded on the feed) if they cannot be read."""
    query = select(feed_credentials.c.ciphertext).where(
        feed_credentials.c.credential_id == credential_id
    )
    with engine.connect() as connection:
        ciphertext = connection.execute(query).scalar_one_or_none()
    if ciphertext is None:
        raise FetchFailed(f"credentials {credential_id} are not in this database; add the feed")
    fernet = secrets_key(key_path, create=False)
    try:
        plain = fernet.decrypt(ciphertext.encode("ascii"))
    except InvalidToken:
        raise FetchFailed(f"credentials {credential_id} do not decrypt with {key_path}") from None
    return FeedCredentials.from_json(json.loads(plain))
