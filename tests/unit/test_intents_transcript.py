"""The typed transcript of DESIGN.md 7 and its validating parser."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.transcript_types import parse_transcript

GOOD: dict[str, Any] = {
    "meeting_id": "m",
    "title": "t",
    "started_at": "2026-11-18T15:00:00+01:00",
    "rep": {"name": "Alex", "email": "alex@sixty.example"},
    "attendees": [{"name": "Sarah", "email": None}],
    "utterances": [{"speaker": "Alex", "start": 0, "end": 1.5, "text": "Hi", "role": "rep"}],
}


def test_parses_good_input() -> None:
    t = parse_transcript(GOOD)
    assert t.started_at.utcoffset() is not None
    assert t.utterances[0].role == "rep" and t.utterances[0].end == 1.5
    assert t.attendees[0].email is None


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-18T15:00:00"}, "timezone"),
        ({"rep": {"name": None, "email": None}}, "rep needs a name or an email"),
        ({"attendees": {"name": "x"}}, "attendees must be a list"),
        ({"utterances": [{"speaker": "A", "start": 2, "end": 1, "text": "x"}]}, "before its start"),
        ({"utterances": [{"speaker": "A", "start": "0", "end": 1, "text": "x"}]}, "start"),
        (
            {"utterances": [{"speaker": "A", "start": 0, "end": 1, "text": "x", "role": "boss"}]},
            "role",
        ),
        ({"meeting_id": ""}, "meeting_id"),
    ],
)
def test_rejects_bad_fields(patch: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_transcript({**GOOD, **patch})


@settings(max_examples=40)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=10,
    )
)
def test_anything_else_is_a_value_error(data: Any) -> None:
    try:
        parse_transcript(data)
    except ValueError:
        pass
