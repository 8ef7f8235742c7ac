"""Signed tree heads and proof documents in the fixed formats of DESIGN.md, "Audit".

A checkpoint commits the log to a size and a root at a time under an Ed25519 key. The signed
bytes are the RFC 8785 (JCS) JSON of the checkpoint without its signature, so any auditor with
a JCS library and Ed25519 can recompute and check them. Hashes and signatures travel as
standard base64 (with padding); this module accepts only canonical base64 on the way in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.errors import InvalidInput, InvalidTime
from domain.merkle import HASH_SIZE, verify_consistency, verify_inclusion

SIGNATURE_SIZE = 64
MAX_TREE_SIZE = 2**53 - 1
"""JCS numbers are IEEE doubles; beyond this a size would not round-trip exactly."""

_CHECKPOINT_KEYS = frozenset({"tree_size", "root_hash", "timestamp", "key_id", "signature"})
_INCLUSION_KEYS = frozenset({"leaf_index", "tree_size", "leaf_hash", "hashes"})
_CONSISTENCY_KEYS = frozenset({"first", "second", "hashes"})
_RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|\+00:00)")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


# --- small validators -------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(name: str, value: object, length: int) -> bytes:
    """Decode canonical standard base64 of exactly `length` bytes, or raise InvalidInput."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInput(f"{name} is not standard base64") from None
    if _b64(raw) != value:
        raise InvalidInput(f"{name} is not canonical standard base64")
    if len(raw) != length:
        raise InvalidInput(f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an integer, got {value!r}")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise InvalidInput(f"{name} must be between 0 and {MAX_TREE_SIZE}, got {value}")
    return value


def _hash(name: str, value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InvalidInput(f"{name} must be {HASH_SIZE} bytes")
    return value


def _hashes(value: object) -> tuple[bytes, ...]:
    if not isinstance(value, (list, tuple)):
        raise InvalidInput("hashes must be a list")
    return tuple(_hash(f"hashes[{i}]", h) for i, h in enumerate(value))


def _object(kind: str, obj: object, keys: frozenset[str]) -> Mapping[str, Any]:
    """Check a parsed JSON object has exactly the format's keys: extra keys would go unsigned."""
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"a {kind} must be a JSON object")
    present = set(obj.keys())
    missing = sorted(keys - present)
    extra = sorted(str(k) for k in present - keys)
    if missing:
        raise InvalidInput(f"{kind} lacks {', '.join(missing)}")
    if extra:
        raise InvalidInput(f"{kind} has unknown fields {', '.join(extra)}")
    return obj


def _timestamp(value: object) -> str:
    """RFC 3339 in UTC; kept as given, since the signature covers the exact string."""
    if not isinstance(value, str) or not _RFC3339_UTC.fullmatch(value):
        raise InvalidTime(f"timestamp must be RFC 3339 in UTC (...Z), got {value!r}")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InvalidTime(f"timestamp is not a valid time: {value!r}") from None
    return value


# --- keys -------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """Name a key: the first 16 hex digits (8 bytes) of SHA-256 over its raw 32-byte form.

    Raw bytes rather than a PEM or DER encoding, so any Ed25519 library can recompute it.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted: the file's permissions protect it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 key; anything else is InvalidInput."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise InvalidInput(
            f"the signing key is not an unencrypted PEM private key: {error}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("the signing key is not an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM, the form `openssl pkey -pubin` reads."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Read a SubjectPublicKeyInfo PEM Ed25519 key; anything else is InvalidInput."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise InvalidInput(f"the public key is not a PEM public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("the public key is not an Ed25519 key")
    return key


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head; fields are checked on construction, so a bad one cannot exist."""

    tree_size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    signature: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _count("tree_size", self.tree_size)
        _hash("root_hash", self.root_hash)
        _timestamp(self.timestamp)
        if not isinstance(self.key_id, str) or not _KEY_ID.fullmatch(self.key_id):
            raise InvalidInput(f"key_id must be 16 lowercase hex digits, got {self.key_id!r}")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise InvalidInput(f"signature must be {SIGNATURE_SIZE} bytes")

    def signed_body(self) -> dict[str, Any]:
        """The checkpoint without `signature`: what the signature covers."""
        return _signed_body(self.tree_size, self.root_hash, self.timestamp, self.key_id)

    def signed_bytes(self) -> bytes:
        """The RFC 8785 (JCS) bytes of signed_body(): the Ed25519 message."""
        return bytes(rfc8785.dumps(self.signed_body()))

    def to_json(self) -> dict[str, Any]:
        """`{"tree_size", "root_hash", "timestamp", "key_id", "signature"}`, base64 bytes."""
        return {**self.signed_body(), "signature": _b64(self.signature)}

    @classmethod
    def from_json(cls, obj: object) -> Checkpoint:
        """Parse the format of to_json(); malformed input is InvalidInput, never a Checkpoint."""
        data = _object("checkpoint", obj, _CHECKPOINT_KEYS)
        return cls(
            tree_size=_count("tree_size", data["tree_size"]),
            root_hash=_unb64("root_hash", data["root_hash"], HASH_SIZE),
            timestamp=_timestamp(data["timestamp"]),
            key_id=data["key_id"],
            signature=_unb64("signature", data["signature"], SIGNATURE_SIZE),
        )


def _signed_body(tree_size: int, root_hash: bytes, timestamp: str, kid: str) -> dict[str, Any]:
    return {
        "tree_size": tree_size,
        "root_hash": _b64(root_hash),
        "timestamp": timestamp,
        "key_id": kid,
    }


def sign_checkpoint(
    tree_size: int, root_hash: bytes, timestamp: str, private_key: Ed25519PrivateKey
) -> Checkpoint:
    """Sign a tree head; the caller supplies the time, so the domain never reads a clock."""
    _count("tree_size", tree_size)
    _hash("root_hash", root_hash)
    _timestamp(timestamp)
    kid = key_id(private_key.public_key())
    message = bytes(rfc8785.dumps(_signed_body(tree_size, root_hash, timestamp, kid)))
    return Checkpoint(tree_size, root_hash, timestamp, kid, private_key.sign(message))


def verify_checkpoint(cp: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """Whether `cp` was signed by `public_key` and names it; False rather than an exception."""
    if not isinstance(cp, Checkpoint) or cp.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(cp.signature, cp.signed_bytes())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- proof documents --------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    """Leaf `leaf_index` of the tree of `tree_size` leaves has hash `leaf_hash`."""

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]

    def verify(self, root_hash: bytes) -> bool:
        """Check against the tree head of size `tree_size` (e.g. a verified checkpoint's)."""
        return verify_inclusion(
            self.leaf_index, self.tree_size, self.leaf_hash, self.hashes, root_hash
        )

    def to_json(self) -> dict[str, Any]:
        return inclusion_proof_json(self.leaf_index, self.tree_size, self.leaf_hash, self.hashes)


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of `first` leaves is a prefix of the tree of `second` leaves."""

    first: int
    second: int
    hashes: tuple[bytes, ...]

    def verify(self, first_root: bytes, second_root: bytes) -> bool:
        return verify_consistency(self.first, self.second, first_root, second_root, self.hashes)

    def to_json(self) -> dict[str, Any]:
        return consistency_proof_json(self.first, self.second, self.hashes)


def inclusion_proof_json(
    leaf_index: int, tree_size: int, leaf_hash: bytes, hashes: Iterable[bytes]
) -> dict[str, Any]:
    """`{"leaf_index", "tree_size", "leaf_hash", "hashes"}` with base64 hashes."""
    return {
        "leaf_index": _count("leaf_index", leaf_index),
        "tree_size": _count("tree_size", tree_size),
        "leaf_hash": _b64(_hash("leaf_hash", leaf_hash)),
        "hashes": [_b64(h) for h in _hashes(list(hashes))],
    }


def consistency_proof_json(first: int, second: int, hashes: Iterable[bytes]) -> dict[str, Any]:
    """`{"first", "second", "hashes"}` with base64 hashes."""
    return {
        "first": _count("first", first),
        "second": _count("second", second),
        "hashes": [_b64(h) for h in _hashes(list(hashes))],
    }


def _b64_hashes(value: object) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise InvalidInput("hashes must be a JSON array")
    return tuple(_unb64(f"hashes[{i}]", h, HASH_SIZE) for i, h in enumerate(value))


def parse_inclusion_proof(obj: object) -> InclusionProof:
    """Parse inclusion_proof_json()'s format; the shape is checked here, the hashes by verify."""
    data = _object("inclusion proof", obj, _INCLUSION_KEYS)
    leaf_index = _count("leaf_index", data["leaf_index"])
    tree_size = _count("tree_size", data["tree_size"])
    if leaf_index >= tree_size:
        raise InvalidInput(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    return InclusionProof(
        leaf_index=leaf_index,
        tree_size=tree_size,
        leaf_hash=_unb64("leaf_hash", data["leaf_hash"], HASH_SIZE),
        hashes=_b64_hashes(data["hashes"]),
    )


def parse_consistency_proof(obj: object) -> ConsistencyProof:
    """Parse consistency_proof_json()'s format; the shape is checked here, the hashes by verify."""
    data = _object("consistency proof", obj, _CONSISTENCY_KEYS)
    first = _count("first", data["first"])
    second = _count("second", data["second"])
    if first > second:
        raise InvalidInput(f"no consistency proof from size {first} to size {second}")
    return ConsistencyProof(first=first, second=second, hashes=_b64_hashes(data["hashes"]))
