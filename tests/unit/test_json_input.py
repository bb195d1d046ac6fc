"""The one JSON reader: depth limit, size, encoding and garbage, each a one-line reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.json_input import MAX_DEPTH, JSONInputError, nesting_exceeds, read_json

TRICKY_TEXT = st.text(alphabet=st.sampled_from('ab[]{}"\\/\n\u00e9'), max_size=6)
DOCS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=30,
)


def depth(doc: Any) -> int:
    if isinstance(doc, dict):
        return 1 + max(map(depth, doc.values()), default=0)
    if isinstance(doc, list):
        return 1 + max(map(depth, doc), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(DOCS, st.booleans(), st.sampled_from([None, 1]))
def test_depth_is_counted_outside_strings(doc: Any, ascii_only: bool, indent: int | None) -> None:
    raw = json.dumps(doc, ensure_ascii=ascii_only, indent=indent).encode()
    true_depth = depth(doc)
    for limit in range(true_depth + 2):
        assert nesting_exceeds(raw, limit) is (true_depth > limit)
    assert read_json(raw, max_depth=max(true_depth, 1)) == doc


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("[" * 100_000, f"body is nested deeper than {MAX_DEPTH} levels"),
        ("[{}, " + "[" * 100_000, f"body is nested deeper than {MAX_DEPTH} levels"),
        ('{"a":' * 100_000, f"body is nested deeper than {MAX_DEPTH} levels"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "body is nested deeper than 64 levels"),
        ("{bad", "body is not valid JSON: Expecting property name enclosed in double quotes"),
        ("payload=%7Bx", "body is not valid JSON: Expecting value at line 1 column 1"),
        (b"\xff\xfe{\x00}", "body is not UTF-8 text"),
        ("", "body is not valid JSON: Expecting value"),
        ("[NaN]", "body is not valid JSON: NaN is not allowed"),
        ('{"days": -Infinity}', "body is not valid JSON: -Infinity is not allowed"),
        ("[" + "9" * 5000 + "]", "body is not valid JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_garbage_is_one_clear_line(data: str | bytes, reason: str) -> None:
    with pytest.raises(JSONInputError) as info:
        read_json(data)
    assert info.value.reason.startswith(reason)
    assert "\n" not in info.value.reason


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(JSONInputError, match="t.json is larger than 10 bytes"):
        read_json(b'{"a": "0123456789"}', what="t.json", max_bytes=10)


def test_limits_hold_exactly_and_bom_and_scalars_are_read() -> None:
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert depth(read_json(deepest)) == MAX_DEPTH
    assert read_json(b'\xef\xbb\xbf{"a": "[[["}') == {"a": "[[["}
    assert read_json("3") == 3
    assert read_json('"[[["') == "[[["
