from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.canonical import (
    canonical_bytes,
    canonical_form,
    canonical_text,
    data_text,
    event_bytes,
    float_fields,
)
from domain.events import DocumentCaptured, FigureReported, Source
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from domain.times import format_time

KEYS = st.text(min_size=0, max_size=6)  # any code point: controls, quotes, non-BMP, ...
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_canonical_bytes_are_exactly_rfc8785(form):
    try:
        expected = rfc8785.dumps(form)
    except Exception:  # lone surrogates and the like: not JSON, not our concern here
        return
    assert canonical_bytes(form) == expected


def test_keys_are_ordered_by_utf16_code_units_not_code_points():
    form = {"\U0001f600": 1, "\ufb01": 2}  # UTF-16 puts the emoji's surrogates first
    assert canonical_bytes(form) == rfc8785.dumps(form)
    assert canonical_bytes(form).index("\U0001f600".encode()) < canonical_bytes(form).index(
        "\ufb01".encode()
    )


@settings(max_examples=200)
@given(
    data=st.dictionaries(KEYS, JSON, max_size=6),
    metadata=st.dictionaries(KEYS, JSON, max_size=3),
    stream_id=st.text(max_size=12),
    event_id=st.text(max_size=12),
    position=st.integers(1, 2**53 - 1),
    version=st.integers(1, 2**40),
)
def test_event_bytes_from_encoded_parts_equal_the_general_canonical_bytes(
    data, metadata, stream_id, event_id, position, version
):
    recorded_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    form = canonical_form(
        position=position,
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        type="FigureReported",
        data=data,
        metadata=metadata,
        recorded_at=recorded_at,
    )
    try:
        expected = rfc8785.dumps(form)
    except Exception:  # lone surrogates and the like: not JSON
        return
    assembled = event_bytes(
        position=position,
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        type="FigureReported",
        data_text=canonical_text(data),
        metadata_text=canonical_text(metadata),
        recorded_at_text=format_time(recorded_at),
    )
    assert assembled == expected == canonical_bytes(form)


TIMES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
NUMBERS = st.none() | st.integers(-(2**60), 2**60)  # past 2**53 JCS writes a rounded double


@settings(max_examples=300)
@given(
    text=st.text(),
    subject=st.text(min_size=1),
    value=NUMBERS,
    low=NUMBERS,
    high=NUMBERS,
    qualifier=st.sampled_from(Qualifier),
    status=st.sampled_from(ReportStatus),
    reported_at=TIMES,
    confidence=st.none() | st.floats(0, 1),
    source=st.builds(Source, url=st.none() | st.text(), title=st.none() | st.text()),
)
def test_a_reports_data_is_written_exactly_as_rfc8785_whatever_its_values(
    text, subject, value, low, high, qualifier, status, reported_at, confidence, source
):
    event = FigureReported(
        report_id=text,
        subject=subject,
        metric="deaths",
        value=value,
        low=low,
        high=high,
        qualifier=qualifier,
        status=status,
        quote=text,
        reported_at=reported_at,
        source=source,
        confidence=confidence,
    )
    data = event.to_data()
    try:
        expected = rfc8785.dumps(data).decode()
    except Exception:  # lone surrogates: not JSON
        return
    assert data_text(data, float_fields(FigureReported)) == expected


@settings(max_examples=100)
@given(text=st.text(), captured_at=TIMES, published_at=st.none() | TIMES)
def test_a_documents_data_is_written_exactly_as_rfc8785(text, captured_at, published_at):
    event = DocumentCaptured(
        document_id=text,
        subject=None,
        url=text,
        content_hash="0" * 64,
        text=text,
        published_at=published_at,
        captured_at=captured_at,
    )
    data = event.to_data()
    try:
        expected = rfc8785.dumps(data).decode()
    except Exception:
        return
    assert data_text(data, float_fields(DocumentCaptured)) == expected


class _Loose(BaseModel):
    rules: dict[str, Any]


class _Scored(BaseModel):
    name: str
    score: float | None = None


class _Nested(BaseModel):
    inner: _Scored


def test_only_types_of_strings_integers_and_booleans_skip_the_general_encoder():
    assert float_fields(_Loose) is None  # any keys, any values: always the general encoder
    assert float_fields(_Scored) == frozenset({"score"})  # the fast path only without a score
    assert float_fields(_Nested) is None  # a float it cannot see from the top
    assert float_fields(FigureReported) == frozenset({"confidence"})
    assert float_fields(DocumentCaptured) == frozenset()
    assert data_text({"name": "x", "score": 1.0}, frozenset({"score"})) == '{"name":"x","score":1}'
