"""The canonical bytes of an event (RFC 8785 JSON) and its RFC 6962 leaf hash.

These bytes are what auditors hash, so the fields and their spelling are fixed by the design:
an auditor's own code must reproduce them from an exported event without Recount.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import rfc8785

from domain.merkle import leaf_hash
from domain.times import format_time

__all__ = ["canonical_bytes", "canonical_form", "leaf_hash"]


def canonical_form(
    *,
    position: int,
    event_id: str,
    stream_id: str,
    version: int,
    type: str,
    data: dict[str, Any],
    metadata: dict[str, Any],
    recorded_at: datetime,
) -> dict[str, Any]:
    return {
        "position": position,
        "event_id": event_id,
        "stream_id": stream_id,
        "version": version,
        "type": type,
        "data": data,
        "metadata": metadata,
        "recorded_at": format_time(recorded_at),
    }


def canonical_bytes(form: dict[str, Any]) -> bytes:
    return rfc8785.dumps(form)
