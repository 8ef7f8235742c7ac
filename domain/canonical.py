"""The canonical bytes of an event (RFC 8785 JSON) and its RFC 6962 leaf hash.

These bytes are what auditors hash, so the fields and their spelling are fixed by the design:
an auditor's own code must reproduce them from an exported event without Recount.
"""

from __future__ import annotations

import json
import types
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import orjson
import rfc8785
from pydantic import BaseModel

from domain.merkle import leaf_hash
from domain.times import format_time

__all__ = [
    "canonical_bytes",
    "canonical_form",
    "canonical_text",
    "data_text",
    "event_bytes",
    "float_fields",
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


def float_fields(model: type[BaseModel]) -> frozenset[str] | None:
    """The fields of `model` that may hold a float, if every other value its JSON form can
    hold is a string, an integer, a boolean or null, under ASCII keys; None if it may hold
    anything else (a float inside, a dict of any keys, ...).

    Known once per event type from its fields, so that `data_text` need not look at every
    value of every event to know that orjson's sorted output is its RFC 8785 text.
    """
    floats: set[str] = set()
    for name, info in model.model_fields.items():
        kind = _kind(info.annotation)
        if not name.isascii() or kind == "other":
            return None
        if kind == "float":
            floats.add(name)
    return frozenset(floats)


def _kind(annotation: Any) -> str:
    """ "plain", "float" (a float, or a union of one with plain values) or "other"."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        kinds = {_kind(arg) for arg in get_args(annotation)}
        return "other" if "other" in kinds else "float" if "float" in kinds else "plain"
    if origin is Literal:
        plain = all(type(arg) in (str, bool, type(None)) for arg in get_args(annotation))
        return "plain" if plain else "other"
    if annotation is float:
        return "float"
    if annotation in (str, int, bool, type(None), datetime, date):  # times are strings in JSON
        return "plain"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "plain" if all(type(member.value) is str for member in annotation) else "other"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "plain" if float_fields(annotation) == frozenset() else "other"
    return "other"


def data_text(data: dict[str, Any], floats: frozenset[str] | None) -> str:
    """`canonical_text(data)` for the data of an event whose type's `float_fields` are given.

    When that type holds only strings, integers, booleans and nulls under ASCII keys, and its
    float fields are empty here, orjson's sorted output is the RFC 8785 text, provided each
    integer is exact in a double (orjson refuses any other with OPT_STRICT_INTEGER) and each
    string is Unicode (it refuses lone surrogates): both fall back to the general encoder.
    """
    if floats is not None and all(data.get(name) is None for name in floats):
        try:
            return orjson.dumps(data, option=_PLAIN_OPTIONS).decode()
        except orjson.JSONEncodeError:
            pass
    return canonical_text(data)


_PLAIN_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
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
    try:  # one call in C; the members are given in JCS order
        return orjson.dumps(
            {
                "data": orjson.Fragment(data_text),
                "event_id": event_id,
                "metadata": orjson.Fragment(metadata_text),
                "position": position,
                "recorded_at": recorded_at_text,
                "stream_id": stream_id,
                "type": type,
                "version": version,
            },
            option=orjson.OPT_STRICT_INTEGER,
        )
    except orjson.JSONEncodeError:  # a string that is not Unicode: the general spelling
        pass
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
