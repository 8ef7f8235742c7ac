from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.canonical import assembled_bytes, canonical_bytes, column_json

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


PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0xFFFF)), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.dictionaries(st.text(max_size=5), PLAIN | JSON, max_size=5),
    st.dictionaries(st.text(max_size=5), st.text(), max_size=3),
    st.text(),
    st.integers(1, 2**40),
)
def test_bytes_assembled_around_stored_json_columns_are_exactly_rfc8785(
    data, metadata, stream, position
):
    """What `recount verify` hashes without parsing the columns is the reference encoding."""
    fields = {
        "position": position,
        "event_id": "0b7e7c1e-3a57-4f43-9a43-7f5f2b1f1c11",
        "stream_id": stream,
        "version": position % 7 + 1,
        "type": "FigureReported",
        "recorded_at": "2022-01-11T18:00:00.000000Z",
    }
    try:
        expected = rfc8785.dumps({**fields, "data": data, "metadata": metadata})
    except Exception:  # lone surrogates: not JSON
        return
    assembled = assembled_bytes(
        **fields, data_json=column_json(data), metadata_json=column_json(metadata)
    )
    assert assembled == expected
