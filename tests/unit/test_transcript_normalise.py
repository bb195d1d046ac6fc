"""Recorder payloads -> DESIGN-7 utterances (skills.transcript)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.transcript import (
    MERGE_GAP_S,
    UNKNOWN_SPEAKER,
    TranscriptError,
    from_design7,
    from_meetingbaas_v1,
    from_meetingbaas_v2,
    from_recall,
    to_meetingbaas_v1_segments,
)

SAMPLES = Path(__file__).resolve().parents[2] / "cli" / "samples"


def seg(speaker: str, words: list[tuple[float, float, str]], **extra: Any) -> dict[str, Any]:
    return {
        "speaker": speaker,
        "words": [{"start": s, "end": e, "word": w} for s, e, w in words],
        **extra,
    }


def test_v1_merges_one_speakers_consecutive_segments_and_joins_words() -> None:
    t = from_meetingbaas_v1(
        [
            seg(
                "Ana Ruiz",
                [(0.8, 1.1, "Thanks"), (1.2, 1.7, "everyone"), (1.7, 1.8, ".")],
                offset=0.8,
            ),
            seg("Ana Ruiz", [(2.5, 2.9, "Shall"), (3.0, 3.3, "we"), (3.3, 3.6, "start?")]),
            seg("Ben Okafor", [(4.0, 4.4, "Sure")]),
            seg("Ana Ruiz", [(9.0, 9.5, "Great")]),
        ]
    )
    assert [u.to_dict() for u in t.utterances] == [
        {
            "speaker": "Ana Ruiz",
            "start": 0.8,
            "end": 3.6,
            "text": "Thanks everyone. Shall we start?",
        },
        {"speaker": "Ben Okafor", "start": 4.0, "end": 4.4, "text": "Sure"},
        {"speaker": "Ana Ruiz", "start": 9.0, "end": 9.5, "text": "Great"},
    ]
    assert t.speakers == ["Ana Ruiz", "Ben Okafor"]
    assert t.duration_s == 9.5


def test_v1_same_speaker_after_a_long_pause_stays_separate() -> None:
    t = from_meetingbaas_v1(
        [seg("A", [(0.0, 1.0, "one")]), seg("A", [(1.0 + MERGE_GAP_S + 0.5, 5.0, "two")])]
    )
    assert [u.text for u in t.utterances] == ["one", "two"]


def test_v1_tolerates_older_shapes_and_meeting_data_words() -> None:
    # older docs: only speaker/offset/words; meeting_data words use text/start_time/end_time
    t = from_meetingbaas_v1(
        [
            {"speaker": "A", "offset": 3.0, "words": [{"word": "hi"}, {"word": "there"}]},
            {
                "speaker": "B",
                "start_time": 5.0,
                "words": [{"text": "yes", "start_time": 5.1, "end_time": 5.4}],
            },
            {"speaker": None, "words": [{"start": 6.0, "end": 6.2, "word": "ok"}]},
            {"speaker": "C", "words": []},
        ]
    )
    got = [(u.speaker, u.start, u.end, u.text) for u in t.utterances]
    assert got == [
        ("A", 3.0, 3.0, "hi there"),
        ("B", 5.1, 5.4, "yes"),
        (UNKNOWN_SPEAKER, 6.0, 6.2, "ok"),
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"not": "a list"}, "transcript is not a list"),
        ([1, 2], "transcript[0] is not an object"),
        ([{"speaker": "A"}], "transcript[0] has no words"),
        ([{"speaker": "A", "words": "hello"}], "transcript[0].words is not a list"),
        (
            [{"speaker": "A", "words": [{"start": "x", "end": None, "word": 5}]}],
            "transcript[0].words[0].word is not text",
        ),
        (
            [{"speaker": "A", "words": [{"start": "x", "end": None, "word": "hi"}]}],
            "transcript[0].words[0].start is not a number of seconds",
        ),
        (
            [{"speaker": "A", "words": [{"word": "hi", "end": [1]}]}],
            "transcript[0].words[0].end is not a number of seconds",
        ),
        ([{"speaker": "A", "words": ["so", 3]}], "transcript[0].words[1] is not an object"),
        (
            [{"speaker": "A", "offset": "soon", "words": [{"word": "hi"}]}],
            "transcript[0].offset is not a number of seconds",
        ),
        ([{"speaker": "A", "text": 7}], "transcript[0].text is not text"),
        ([], "the transcript holds no speech"),
        ([{"speaker": "A", "words": [{"word": "  "}]}], "the transcript holds no speech"),
    ],
)
def test_v1_unusable_input_raises_a_reason(payload: Any, reason: str) -> None:
    with pytest.raises(TranscriptError) as err:
        from_meetingbaas_v1(payload)
    assert err.value.reason == reason


def test_v2_transcription_file() -> None:
    doc = {
        "bot_id": "b",
        "provider": "gladia",
        "result": {
            "utterances": [
                {"speaker": "John Doe", "text": "Hello everyone", "start": 0.5, "end": 2.1, "words": []},
                {"speaker": "John Doe", "text": "welcome.", "start": 2.3, "end": 3.0},
                {"speaker": "Jane Smith", "start": 4.0, "end": 5.0,
                 "words": [{"word": "Thanks", "start": 4.0, "end": 4.5}]},
            ]
        },
    }  # fmt: skip
    t = from_meetingbaas_v2(doc)
    assert [u.to_dict() for u in t.utterances] == [
        {"speaker": "John Doe", "start": 0.5, "end": 3.0, "text": "Hello everyone welcome."},
        {"speaker": "Jane Smith", "start": 4.0, "end": 5.0, "text": "Thanks"},
    ]
    with pytest.raises(TranscriptError, match="no result"):
        from_meetingbaas_v2({"bot_id": "b"})


def test_recall_download_shape() -> None:
    def w(text: str, s: float, e: float) -> dict[str, Any]:
        return {"text": text, "start_timestamp": {"relative": s, "absolute": "x"},
                "end_timestamp": {"relative": e, "absolute": "y"}}  # fmt: skip

    entries = [
        {"participant": {"id": 1, "name": None}, "words": [w("so", 0.1, 0.3)]},
        {"participant": {"id": 2, "name": "Sarah Chen", "is_host": True},
         "words": [w("Budget", 1.0, 1.4), w("is", 1.5, 1.6), w("approved", 1.7, 2.2)]},
        {"participant": {"id": 3, "name": "Alex Rivera"}, "words": [w("Great", 3.0, 3.3)]},
    ]  # fmt: skip
    t = from_recall(entries)
    assert [(u.speaker, u.start, u.end, u.text) for u in t.utterances] == [
        (UNKNOWN_SPEAKER, 0.1, 0.3, "so"),
        ("Sarah Chen", 1.0, 2.2, "Budget is approved"),
        ("Alex Rivera", 3.0, 3.3, "Great"),
    ]
    with pytest.raises(TranscriptError):
        from_recall([{"participant": {"name": "A"}}])


def test_recall_and_v2_fields_of_the_wrong_type_are_named() -> None:
    recall = [{"participant": {"name": "A"}, "words": [
        {"text": "so", "start_timestamp": {"relative": "x"}, "end_timestamp": None}]}]  # fmt: skip
    with pytest.raises(TranscriptError) as err:
        from_recall(recall)
    assert (
        err.value.reason
        == "transcript[0].words[0].start_timestamp.relative is not a number of seconds"
    )
    with pytest.raises(TranscriptError) as err:
        from_recall([{"participant": {"name": "A"}, "words": [{"text": ["so"]}]}])
    assert err.value.reason == "transcript[0].words[0].text is not text"
    v2 = {"result": {"utterances": [{"speaker": "A", "text": "hi", "start": "0:01", "end": 2}]}}
    with pytest.raises(TranscriptError) as err:
        from_meetingbaas_v2(v2)
    assert err.value.reason == "result.utterances[0].start is not a number of seconds"
    with pytest.raises(TranscriptError) as err:
        from_design7({"utterances": [{"speaker": "A", "text": "hi", "start": 0, "end": True}]})
    assert err.value.reason == "utterances[0].end is not a number of seconds"


def test_roles_are_added_only_when_known() -> None:
    t = from_meetingbaas_v1([seg("A", [(0, 1, "hi")]), seg("B", [(2, 3, "yo")])])
    dicts = t.with_roles({"A": "rep", "B": None}).utterance_dicts()
    assert dicts[0]["role"] == "rep" and "role" not in dicts[1]


def test_design7_round_trips_through_v1_segments() -> None:
    doc = json.loads((SAMPLES / "meeting_ended_v1.json").read_text())
    original = from_meetingbaas_v1(doc["data"]["transcript"])
    design = {"utterances": original.utterance_dicts()}
    again = from_meetingbaas_v1(to_meetingbaas_v1_segments(from_design7(design)))
    assert [u.text for u in again.utterances] == [u.text for u in original.utterances]
    assert [u.speaker for u in again.utterances] == [u.speaker for u in original.utterances]
    assert len(original.utterances) >= 35


json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
word = st.fixed_dictionaries(
    {"word": st.text(max_size=6)},
    optional={"start": st.floats(allow_nan=True) | st.integers() | st.none(),
              "end": st.floats(allow_nan=True) | st.integers() | st.none()},
)  # fmt: skip
segment = st.fixed_dictionaries(
    {"speaker": st.sampled_from(["A", "B", "", None]), "words": st.lists(word, max_size=5)},
    optional={"offset": st.floats(min_value=0, max_value=1e4)},
)


@settings(max_examples=100, deadline=None)
@given(st.one_of(json_value, st.lists(segment, max_size=8)))
def test_v1_any_json_either_normalises_cleanly_or_raises_transcript_error(payload: Any) -> None:
    try:
        t = from_meetingbaas_v1(payload)
    except TranscriptError as exc:
        assert exc.reason
        return
    assert t.utterances
    for prev, cur in zip(t.utterances, t.utterances[1:], strict=False):
        assert not (prev.speaker == cur.speaker and cur.start - prev.end <= MERGE_GAP_S)
    for u in t.utterances:
        assert u.text and u.text == u.text.strip() and "  " not in u.text
        assert 0 <= u.start <= u.end


@settings(max_examples=60, deadline=None)
@given(json_value)
def test_every_reader_raises_only_transcript_error(payload: Any) -> None:
    for reader in (from_meetingbaas_v2, from_recall, from_design7):
        try:
            t = reader(payload)
        except TranscriptError:
            continue
        assert all(u.text and u.start <= u.end for u in t.utterances)
