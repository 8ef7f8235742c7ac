"""Signed tree heads and proof documents, checked the way an auditor's own code would."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from domain.checkpoints import (
    Checkpoint,
    consistency_proof_json,
    inclusion_proof_json,
    key_id,
    load_private_key,
    load_public_key,
    parse_consistency_proof,
    parse_inclusion_proof,
    private_key_pem,
    public_key_pem,
    sign_checkpoint,
    verify_checkpoint,
)
from domain.errors import InvalidInput, InvalidTime
from domain.merkle import EMPTY_ROOT, MemoryTree, leaf_hash

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
TIME = "2025-03-01T12:00:00Z"


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    return MemoryTree(leaf_hash(f"event {i}".encode()) for i in range(11))


@pytest.fixture(scope="module")
def checkpoint(tree: MemoryTree) -> Checkpoint:
    return sign_checkpoint(tree.size, tree.root(), TIME, KEY)


def test_sign_verify_roundtrip(checkpoint: Checkpoint, tree: MemoryTree) -> None:
    assert checkpoint.tree_size == 11
    assert checkpoint.root_hash == tree.root()
    assert checkpoint.timestamp == TIME
    assert checkpoint.key_id == key_id(KEY.public_key())
    assert verify_checkpoint(checkpoint, KEY.public_key())


def test_empty_log_can_be_signed() -> None:
    cp = sign_checkpoint(0, EMPTY_ROOT, TIME, KEY)
    assert verify_checkpoint(cp, KEY.public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 12},
        {"tree_size": 10},
        {"root_hash": EMPTY_ROOT},
        {"timestamp": "2025-03-01T12:00:01Z"},
        {"timestamp": "2025-03-01T12:00:00+00:00"},  # the same instant, other bytes
        {"key_id": "0123456789abcdef"},
    ],
)
def test_a_changed_field_fails(checkpoint: Checkpoint, change: dict[str, Any]) -> None:
    assert not verify_checkpoint(dataclasses.replace(checkpoint, **change), KEY.public_key())


def test_a_changed_signature_fails(checkpoint: Checkpoint) -> None:
    for i in (0, 31, 63):
        sig = bytearray(checkpoint.signature)
        sig[i] ^= 1
        bad = dataclasses.replace(checkpoint, signature=bytes(sig))
        assert not verify_checkpoint(bad, KEY.public_key())


def test_another_key_fails(checkpoint: Checkpoint) -> None:
    assert not verify_checkpoint(checkpoint, OTHER_KEY.public_key())
    # Even when the key id is made to name the other key, the signature does not hold.
    renamed = dataclasses.replace(checkpoint, key_id=key_id(OTHER_KEY.public_key()))
    assert not verify_checkpoint(renamed, OTHER_KEY.public_key())


def test_json_roundtrip(checkpoint: Checkpoint) -> None:
    doc = checkpoint.to_json()
    assert set(doc) == {"tree_size", "root_hash", "timestamp", "key_id", "signature"}
    assert base64.b64decode(doc["root_hash"]) == checkpoint.root_hash
    assert base64.b64decode(doc["signature"]) == checkpoint.signature
    again = Checkpoint.from_json(json.loads(json.dumps(doc)))
    assert again == checkpoint
    assert verify_checkpoint(again, KEY.public_key())


def test_signed_bytes_are_jcs_without_signature(checkpoint: Checkpoint) -> None:
    """What an auditor does with nothing but base64, a JCS library and Ed25519."""
    doc = json.loads(json.dumps(checkpoint.to_json()))
    body = {k: v for k, v in doc.items() if k != "signature"}
    message = rfc8785.dumps(body)
    assert message == checkpoint.signed_bytes()
    assert message == (
        b'{"key_id":"'
        + checkpoint.key_id.encode()
        + b'","root_hash":"'
        + doc["root_hash"].encode()
        + b'","timestamp":"'
        + TIME.encode()
        + b'","tree_size":11}'
    )
    public = load_public_key(public_key_pem(KEY.public_key()))
    public.verify(base64.b64decode(doc["signature"]), message)  # raises if wrong


def test_key_id_is_truncated_sha256_of_raw_key() -> None:
    public = KEY.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id(public) == hashlib.sha256(raw).hexdigest()[:16]
    assert key_id(public) != key_id(OTHER_KEY.public_key())


@given(
    size=st.integers(0, 2**53 - 1),
    root=st.binary(min_size=32, max_size=32),
    seconds=st.integers(0, 59),
    fraction=st.sampled_from(["", ".5", ".123456", ".123456789"]),
)
def test_json_roundtrip_property(size: int, root: bytes, seconds: int, fraction: str) -> None:
    ts = f"2031-12-31T23:59:{seconds:02d}{fraction}Z"
    cp = sign_checkpoint(size, root, ts, KEY)
    again = Checkpoint.from_json(json.loads(json.dumps(cp.to_json())))
    assert again == cp
    assert verify_checkpoint(again, KEY.public_key())


# --- malformed input -------------------------------------------------------------------------


def _mutated(checkpoint: Checkpoint, **changes: Any) -> dict[str, Any]:
    doc = checkpoint.to_json()
    for k, v in changes.items():
        if v is KeyError:
            del doc[k]
        else:
            doc[k] = v
    return doc


@pytest.mark.parametrize(
    "changes",
    [
        {"signature": KeyError},
        {"extra": 1},
        {"tree_size": True},
        {"tree_size": -1},
        {"tree_size": 2**53},
        {"tree_size": "11"},
        {"root_hash": "not base64!"},
        {"root_hash": base64.b64encode(b"short").decode()},
        {"root_hash": base64.b64encode(bytes(32)).decode().rstrip("=")},
        {"root_hash": base64.urlsafe_b64encode(b"\xff" * 32).decode()},
        {"root_hash": 7},
        {"signature": base64.b64encode(bytes(63)).decode()},
        {"key_id": "ABCDEF0123456789"},
        {"key_id": 12},
        {"timestamp": "2025-03-01 12:00:00Z"},
        {"timestamp": "2025-03-01T12:00:00+01:00"},
        {"timestamp": "2025-02-30T12:00:00Z"},
        {"timestamp": "yesterday"},
    ],
)
def test_from_json_rejects_malformed(checkpoint: Checkpoint, changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        Checkpoint.from_json(_mutated(checkpoint, **changes))


def test_from_json_rejects_non_objects() -> None:
    bad: list[object] = [None, [], "checkpoint", 3]
    for obj in bad:
        with pytest.raises(InvalidInput):
            Checkpoint.from_json(obj)


def test_non_canonical_base64_is_rejected(checkpoint: Checkpoint) -> None:
    # 'B' and 'A' differ only in the 2 unused trailing bits of the final group of 32 bytes.
    doc = checkpoint.to_json()
    canonical = doc["root_hash"]
    assert canonical.endswith("=")
    last = canonical[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = alphabet[alphabet.index(last) ^ 1]
    doc["root_hash"] = canonical[:-2] + twin + "="
    assert base64.b64decode(doc["root_hash"]) == checkpoint.root_hash
    with pytest.raises(InvalidInput):
        Checkpoint.from_json(doc)


def test_sign_rejects_bad_input() -> None:
    with pytest.raises(InvalidTime):
        sign_checkpoint(1, EMPTY_ROOT, "2025-03-01T12:00:00+02:00", KEY)
    with pytest.raises(InvalidTime):
        sign_checkpoint(1, EMPTY_ROOT, "2025-13-01T12:00:00Z", KEY)
    with pytest.raises(InvalidInput):
        sign_checkpoint(1, b"short", TIME, KEY)
    with pytest.raises(InvalidInput):
        sign_checkpoint(-1, EMPTY_ROOT, TIME, KEY)


# --- PEM -------------------------------------------------------------------------------------


def test_pem_roundtrip() -> None:
    private = load_private_key(private_key_pem(KEY))
    assert private.private_bytes_raw() == KEY.private_bytes_raw()
    assert private_key_pem(KEY).startswith(b"-----BEGIN PRIVATE KEY-----")
    public = load_public_key(public_key_pem(KEY.public_key()))
    assert public.public_bytes_raw() == KEY.public_key().public_bytes_raw()
    assert public_key_pem(public).startswith(b"-----BEGIN PUBLIC KEY-----")


def test_pem_loaders_reject_other_things() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_private = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ec_public = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encrypted = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    public = public_key_pem(KEY.public_key())
    for pem in (b"", b"garbage", ec_private, encrypted, public):
        with pytest.raises(InvalidInput):
            load_private_key(pem)
    for pem in (b"", b"garbage", ec_public, private_key_pem(KEY)):
        with pytest.raises(InvalidInput):
            load_public_key(pem)


# --- proof documents -------------------------------------------------------------------------


def test_inclusion_proof_json_roundtrip(tree: MemoryTree, checkpoint: Checkpoint) -> None:
    for index in range(tree.size):
        doc = inclusion_proof_json(
            index, tree.size, tree.subtree(0, index), tree.inclusion_proof(index)
        )
        assert set(doc) == {"leaf_index", "tree_size", "leaf_hash", "hashes"}
        assert all(isinstance(h, str) for h in doc["hashes"])
        proof = parse_inclusion_proof(json.loads(json.dumps(doc)))
        assert proof.to_json() == doc
        assert proof.verify(checkpoint.root_hash)
        assert not proof.verify(EMPTY_ROOT)


def test_consistency_proof_json_roundtrip(tree: MemoryTree, checkpoint: Checkpoint) -> None:
    for first in range(0, tree.size + 1):
        doc = consistency_proof_json(first, tree.size, tree.consistency_proof(first))
        assert set(doc) == {"first", "second", "hashes"}
        proof = parse_consistency_proof(json.loads(json.dumps(doc)))
        assert proof.to_json() == doc
        assert proof.verify(tree.root(first), checkpoint.root_hash)
        if 0 < first < tree.size:
            assert not proof.verify(EMPTY_ROOT, checkpoint.root_hash)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        {"leaf_index": 0, "tree_size": 1, "leaf_hash": base64.b64encode(EMPTY_ROOT).decode()},
        {
            "leaf_index": 1,
            "tree_size": 1,
            "leaf_hash": base64.b64encode(EMPTY_ROOT).decode(),
            "hashes": [],
        },
        {"leaf_index": 0, "tree_size": 1, "leaf_hash": "!!", "hashes": []},
        {
            "leaf_index": 0,
            "tree_size": 2,
            "leaf_hash": base64.b64encode(EMPTY_ROOT).decode(),
            "hashes": ["AAAA"],
        },
        {
            "leaf_index": 0,
            "tree_size": 2,
            "leaf_hash": base64.b64encode(EMPTY_ROOT).decode(),
            "hashes": "AAAA",
        },
    ],
)
def test_parse_inclusion_proof_rejects_malformed(doc: object) -> None:
    with pytest.raises(InvalidInput):
        parse_inclusion_proof(doc)


@pytest.mark.parametrize(
    "doc",
    [
        {"first": 3, "second": 2, "hashes": []},
        {"first": -1, "second": 2, "hashes": []},
        {"first": 1, "second": 2},
        {"first": 1, "second": 2, "hashes": [], "root": "x"},
        {"first": 1, "second": 2, "hashes": [None]},
    ],
)
def test_parse_consistency_proof_rejects_malformed(doc: object) -> None:
    with pytest.raises(InvalidInput):
        parse_consistency_proof(doc)


def test_proof_json_builders_reject_bad_hashes() -> None:
    with pytest.raises(InvalidInput):
        inclusion_proof_json(0, 1, b"short", [])
    with pytest.raises(InvalidInput):
        consistency_proof_json(1, 2, [b"short"])
