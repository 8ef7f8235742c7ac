from __future__ import annotations

from datetime import UTC, datetime

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.canonical import canonical_bytes, canonical_form, canonical_text, event_bytes
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
