"""The log's signing keys: a rotation is an event, so the log itself says which key signs when.

The event carries the new public key and the previous one (both PEM), so an auditor holding
only an export can check checkpoints signed before the rotation: every key that ever signed is
in the log or in the export's public-key.pem.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator

from domain.checkpoints import key_id, load_public_key
from domain.errors import InvalidInput
from domain.events import Event, register

KEYS_STREAM = "log:keys"


class SigningKeyRotated(Event):
    """The log's checkpoints are signed by a new Ed25519 key from here on."""

    type: ClassVar[str] = "SigningKeyRotated"
    key_id: str
    public_key: str  # SubjectPublicKeyInfo PEM of the new key
    previous_key_id: str | None = None
    previous_public_key: str | None = None  # PEM of the key it replaces

    @property
    def stream_id(self) -> str:
        return KEYS_STREAM

    @model_validator(mode="after")
    def _ids_name_the_keys(self) -> SigningKeyRotated:
        """A key id that does not match its key would let a forged key pose as a known one."""
        _check_id("key_id", self.key_id, self.public_key)
        if (self.previous_key_id is None) != (self.previous_public_key is None):
            raise ValueError("previous_key_id and previous_public_key come together")
        if self.previous_key_id is not None and self.previous_public_key is not None:
            _check_id("previous_key_id", self.previous_key_id, self.previous_public_key)
        return self


def _check_id(name: str, kid: str, pem: str) -> None:
    try:
        actual = key_id(load_public_key(pem.encode("ascii")))
    except (InvalidInput, UnicodeEncodeError) as error:
        raise ValueError(f"{name}: {error}") from None
    if actual != kid:
        raise ValueError(f"{name} {kid} does not name its key ({actual})")


register(SigningKeyRotated)
