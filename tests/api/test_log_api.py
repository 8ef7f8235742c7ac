"""/v1/log: what the server proves can be checked by an auditor's own code.

Besides domain.merkle's verifier, each proof is checked by a few lines written here from
RFC 9162 §2.1.3.2 and §2.1.4.2 with hashlib alone, and the checkpoint's signature with
`cryptography` and `rfc8785` directly: the formats need nothing of Recount to verify.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient

from api.app import create_app
from domain.events import PendingEvent
from domain.merkle import verify_consistency, verify_inclusion
from services.archive import Archive
from services.audit import rotate_signing_key
from tests.store.builders import reported


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def auditor_verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes):
    """RFC 9162 §2.1.3.2, step by step, with hashlib only."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def auditor_verify_consistency(first: int, second: int, old: bytes, new: bytes, path: list[bytes]):
    """RFC 9162 §2.1.4.2 for 0 < first < second, with hashlib only."""
    if first & (first - 1) == 0:
        path = [old, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + c + fr).digest()
            sr = hashlib.sha256(b"\x01" + c + sr).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hashlib.sha256(b"\x01" + sr + c).digest()
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0


def auditor_checks_signature(checkpoint: dict, pem: bytes) -> None:
    body = {k: v for k, v in checkpoint.items() if k != "signature"}
    load_pem_public_key(pem).verify(b64(checkpoint["signature"]), rfc8785.dumps(body))


@pytest.fixture
def log(archive: Archive) -> Iterator[tuple[Archive, TestClient]]:
    archive.events.append([PendingEvent(reported(100 + i)) for i in range(6)])
    archive.events.append([PendingEvent(reported(200 + i)) for i in range(5)])
    with TestClient(create_app(archive.settings)) as client:
        yield archive, client


def test_every_inclusion_proof_verifies_against_the_signed_checkpoint(log):
    archive, client = log
    checkpoint = client.get("/v1/log/checkpoint").json()
    key = client.get("/v1/log/public-key")
    assert key.headers["content-type"].startswith("application/x-pem-file")
    assert key.headers["x-key-id"] == checkpoint["key_id"]
    auditor_checks_signature(checkpoint, key.content)
    root, size = b64(checkpoint["root_hash"]), checkpoint["tree_size"]
    assert size == 11
    for position in range(1, size + 1):
        response = client.get(f"/v1/log/proofs/inclusion?position={position}&tree_size={size}")
        assert response.status_code == 200
        proof = response.json()
        leaf, path = b64(proof["leaf_hash"]), [b64(h) for h in proof["hashes"]]
        assert proof["leaf_index"] == position - 1 and proof["tree_size"] == size
        assert leaf == archive.events.get(position).leaf_hash
        assert verify_inclusion(position - 1, size, leaf, path, root)
        assert auditor_verify_inclusion(position - 1, size, leaf, path, root)
        assert not auditor_verify_inclusion(position - 1, size, leaf, path, b"\0" * 32)


def test_a_consistency_proof_links_an_old_checkpoint_to_a_new_one(log):
    archive, client = log
    old = client.get("/v1/log/checkpoint").json()
    archive.events.append([PendingEvent(reported(300 + i)) for i in range(9)])
    new = client.get("/v1/log/checkpoint").json()
    assert (old["tree_size"], new["tree_size"]) == (11, 20)
    response = client.get("/v1/log/proofs/consistency?first=11&second=20")
    assert response.status_code == 200
    proof = response.json()
    path = [b64(h) for h in proof["hashes"]]
    old_root, new_root = b64(old["root_hash"]), b64(new["root_hash"])
    assert verify_consistency(11, 20, old_root, new_root, path)
    assert auditor_verify_consistency(11, 20, old_root, new_root, path)


def test_the_checkpoint_is_signed_again_only_when_the_log_grows(log):
    archive, client = log
    first = client.get("/v1/log/checkpoint").json()
    assert client.get("/v1/log/checkpoint").json() == first
    archive.events.append([PendingEvent(reported(7))])
    assert client.get("/v1/log/checkpoint").json()["tree_size"] == 12


def test_an_older_key_is_served_by_id_after_a_rotation(log):
    archive, client = log
    old = client.get("/v1/log/checkpoint").json()
    rotate_signing_key(archive)
    new = client.get("/v1/log/checkpoint").json()
    assert new["key_id"] != old["key_id"]
    auditor_checks_signature(old, client.get(f"/v1/log/public-key?key_id={old['key_id']}").content)
    auditor_checks_signature(new, client.get("/v1/log/public-key").content)
    missing = client.get("/v1/log/public-key?key_id=0000000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("proofs/inclusion?position=12", "position 12 is not in the tree of size 11"),
        ("proofs/inclusion?position=0", "position must be 1 or more"),
        ("proofs/inclusion?position=1&tree_size=40", "tree size 40 is beyond the log"),
        ("proofs/consistency?first=5&second=4", "first (5) must not exceed second (4)"),
        ("proofs/consistency?first=5&second=99", "second 99 is beyond the log"),
    ],
)
def test_bad_proof_requests_are_problems(log, query, detail):
    _, client = log
    response = client.get(f"/v1/log/{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(detail)


def test_the_key_file_is_created_beside_the_database_when_not_configured(tmp_path: Path):
    from services.settings import Settings
    from tests.conftest import open_archive

    url = f"sqlite:///{tmp_path / 'data' / 'recount.db'}"
    open_archive(url, tmp_path).close()
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/v1/log/checkpoint").json()["tree_size"] == 0
    assert (tmp_path / "data" / "recount.key").stat().st_mode & 0o777 == 0o600
