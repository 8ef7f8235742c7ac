"""The canonical bytes of an event (RFC 8785 JSON) and its RFC 6962 leaf hash.

These bytes are what auditors hash, so the fields and their spelling are fixed by the design:
an auditor's own code must reproduce them from an exported event without Recount.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import rfc8785

from domain.merkle import leaf_hash
from domain.times import format_time

__all__ = [
    "assembled_bytes",
    "canonical_bytes",
    "canonical_form",
    "column_json",
    "leaf_hash",
]


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


MAX_EXACT_INTEGER = 2**53 - 1  # beyond this, JCS writes an integer as a rounded double


def canonical_bytes(form: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of `form`.

    Events hold strings, integers, booleans and nulls. For those, JCS is sorted keys, no
    whitespace and JSON's minimal string escapes, which the standard json module writes about ten
    times faster than a general JCS encoder. Anything else (a float, a huge integer, a key outside
    the Basic Multilingual Plane, where UTF-16 order differs from code point order) goes to the
    rfc8785 package, the reference that a property test holds this fast path to.
    """
    if _plain(form):
        text = json.dumps(form, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.encode("utf-8")
    return rfc8785.dumps(form)


def column_json(value: Any) -> str:
    """JSON text as the log's `data` and `metadata` columns hold it: its RFC 8785 text.

    JCS is compositional (a member's value is written the same wherever it stands), so a
    verifier can assemble an event's canonical bytes around the stored texts (`assembled_bytes`)
    without parsing them. Plain values take the fast path of `canonical_bytes`.
    """
    if _plain(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return rfc8785.dumps(value).decode("utf-8")


_string = json.encoder.encode_basestring  # JSON's minimal escapes, as JCS writes strings


def assembled_bytes(
    *,
    position: int,
    event_id: str,
    stream_id: str,
    version: int,
    type: str,
    data_json: str,
    metadata_json: str,
    recorded_at: str,
) -> bytes:
    """The canonical bytes of an event whose data and metadata are already RFC 8785 text.

    The fields in JCS order (their names sorted), with no parse and no re-encoding of the two
    texts; `recorded_at` is the RFC 3339 string. If a text is not canonical, the result is not
    the event's canonical bytes, so callers hold it to a known leaf hash and otherwise fall back
    to `canonical_bytes`.
    """
    return (
        f'{{"data":{data_json},"event_id":{_string(event_id)},"metadata":{metadata_json},'
        f'"position":{position},"recorded_at":{_string(recorded_at)},'
        f'"stream_id":{_string(stream_id)},"type":{_string(type)},"version":{version}}}'
    ).encode()


def _plain(value: Any) -> bool:
    """True when every value is a string, a safe integer, a boolean or null, and keys are BMP."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if item is None or kind is str or kind is bool:
            continue
        if kind is int:
            if not -MAX_EXACT_INTEGER <= item <= MAX_EXACT_INTEGER:
                return False
        elif kind is dict:
            if not all(type(k) is str and (k.isascii() or max(k) < "\U00010000") for k in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        else:
            return False
    return True
