"""The canonical bytes of an event (RFC 8785 JSON) and its RFC 6962 leaf hash.

These bytes are what auditors hash, so the fields and their spelling are fixed by the design:
an auditor's own code must reproduce them from an exported event without Recount.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson
import rfc8785

from domain.merkle import leaf_hash
from domain.times import format_time

__all__ = ["canonical_bytes", "canonical_form", "canonical_text", "event_bytes", "leaf_hash"]


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


def canonical_bytes(form: Any) -> bytes:
    """RFC 8785 bytes of `form` (an event's canonical form, or any JSON value).

    Events hold strings, integers, booleans and nulls. For those, JCS is sorted keys, no
    whitespace and JSON's minimal string escapes, which orjson writes (in C, straight to UTF-8)
    many times faster than a general JCS encoder. Anything else (a float, a huge integer, a key
    outside the Basic Multilingual Plane, where UTF-16 order differs from code point order, a
    string orjson refuses) goes to the rfc8785 package, the reference that a property test
    holds this fast path to.
    """
    if _plain(form):
        try:
            return orjson.dumps(form, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    return rfc8785.dumps(form)


def canonical_text(value: Any) -> str:
    """RFC 8785 text of one JSON value: an event's `data` or `metadata`.

    JCS is compositional (a member's value is written the same wherever it stands), so this text
    is both what the log's `data` column stores and a piece of the event's canonical bytes: the
    append encodes each event's data once and uses it twice.
    """
    return canonical_bytes(value).decode("utf-8")


_string = json.JSONEncoder(ensure_ascii=False).encode  # JCS spelling of a str (no sort needed)


def event_bytes(
    *,
    position: int,
    event_id: str,
    stream_id: str,
    version: int,
    type: str,
    data_text: str,
    metadata_text: str,
    recorded_at_text: str,
) -> bytes:
    """`canonical_bytes(canonical_form(...))`, assembled from parts already in JCS text.

    The members are written in JCS order (their names are ASCII, so sorted by code unit);
    `data_text` and `metadata_text` come from `canonical_text`, `recorded_at_text` from
    `format_time`. A test holds this to the general function on every kind of value.
    """
    return (
        f'{{"data":{data_text},"event_id":{_string(event_id)},"metadata":{metadata_text},'
        f'"position":{position:d},"recorded_at":{_string(recorded_at_text)},'
        f'"stream_id":{_string(stream_id)},"type":{_string(type)},"version":{version:d}}}'
    ).encode()


def _plain(value: Any) -> bool:
    """True when every value is a string, a safe integer, a boolean or null, and keys are BMP."""
    kind = type(value)
    if kind is dict:
        try:
            keys = "".join(value)  # TypeError unless every key is a str
        except TypeError:
            return False
        if not (keys.isascii() or max(keys) < "\U00010000"):
            return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        items = (value,)
    for item in items:
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -MAX_EXACT_INTEGER <= item <= MAX_EXACT_INTEGER:
                return False
        elif kind is dict or kind is list:
            if not _plain(item):
                return False
        else:
            return False
    return True
