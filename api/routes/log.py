"""The log's audit surface: the signed tree head, proofs, and the key to check them with.

The formats are those of DESIGN.md "Audit" (base64 hashes and signatures), so an auditor's own
RFC 9162 code can check what these return without Recount's. Bad sizes and positions are
InvalidInput from the services, mapped to problem+json in api/errors.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api import errors
from api.deps import ArchiveDep
from domain.errors import InvalidInput, NotFound
from services.audit import (
    consistency_proof,
    current_checkpoint,
    current_public_key,
    inclusion_proof,
    known_key,
)

router = APIRouter(prefix="/v1/log", tags=["audit"], responses=errors.documented(InvalidInput))

PEM_MEDIA_TYPE = "application/x-pem-file"
PEM: dict[int | str, dict[str, Any]] = {
    200: {"content": {PEM_MEDIA_TYPE: {}}, "description": "SubjectPublicKeyInfo PEM"}
}


class CheckpointOut(BaseModel):
    """A signed tree head: Ed25519 over the RFC 8785 JSON of the other four fields."""

    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str


class InclusionProofOut(BaseModel):
    """RFC 9162 §2.1.3: the audit path of leaf `leaf_index` (position − 1), nearest first."""

    leaf_index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyProofOut(BaseModel):
    """RFC 9162 §2.1.4: the tree of `first` events is a prefix of the tree of `second`."""

    first: int
    second: int
    hashes: list[str]


@router.get("/checkpoint")
def checkpoint(archive: ArchiveDep) -> CheckpointOut:
    """The signed head of the log now (signed anew only when the log has grown)."""
    return CheckpointOut.model_validate(current_checkpoint(archive).to_json())


# Bounds are documented, not enforced here: store/merkle.py checks them, with its own message.
@router.get("/proofs/inclusion")
def inclusion(
    archive: ArchiveDep,
    position: Annotated[
        int,
        Query(
            json_schema_extra={"minimum": 1},
            description="the event's log position (leaf index + 1)",
        ),
    ],
    tree_size: Annotated[
        int | None,
        Query(
            json_schema_extra={"minimum": 1},
            description="the tree's size, at least `position`; now if absent",
        ),
    ] = None,
) -> InclusionProofOut:
    proof = inclusion_proof(archive, position, tree_size)
    return InclusionProofOut.model_validate(proof.to_json())


@router.get("/proofs/consistency")
def consistency(
    archive: ArchiveDep,
    first: Annotated[
        int, Query(json_schema_extra={"minimum": 0}, description="the older tree's size")
    ],
    second: Annotated[
        int | None,
        Query(
            json_schema_extra={"minimum": 0},
            description="the newer tree's size, at least `first`; now if absent",
        ),
    ] = None,
) -> ConsistencyProofOut:
    proof = consistency_proof(archive, first, second)
    return ConsistencyProofOut.model_validate(proof.to_json())


@router.get(
    "/public-key",
    response_class=Response,
    responses=PEM | errors.documented(NotFound),
)
def public_key(
    archive: ArchiveDep,
    key: Annotated[
        str | None, Query(alias="key_id", description="an older key by id; the current if absent")
    ] = None,
) -> Response:
    """The Ed25519 public key that signs checkpoints (or one that signed older ones)."""
    if key is None:
        kid, pem = current_public_key(archive)
        headers = {"X-Key-Id": kid}
    else:
        known = known_key(archive, key)
        if known is None:
            raise NotFound(f"no signing key with id {key!r}")
        pem, headers = known.pem, {"X-Key-Id": known.key_id}
    return Response(content=pem, media_type=PEM_MEDIA_TYPE, headers=headers)
