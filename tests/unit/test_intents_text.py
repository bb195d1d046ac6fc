"""Text features under the intent detector: cleaning with exact offsets, sentences, replies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.text_features import clean, reply_kind, sentences


def test_clean_drops_fillers_and_stutters() -> None:
    ct = clean("Um, I'll I'll uh send you the, the deck.")
    assert ct.text == "I'll send you the deck."
    start, end = ct.raw_span(0, len(ct.text))
    assert ct.raw[start:end] == "I'll uh send you the, the deck."


@settings(max_examples=150)
@given(st.text(alphabet=st.sampled_from(list("ab I'll um uh, .?\u2019\n\tÉ")), max_size=60))
def test_clean_keeps_a_character_map_to_the_raw_text(raw: str) -> None:
    ct = clean(raw)
    assert len(ct.text) == len(ct.low) == len(ct.origin)
    straight = raw.replace("\u2019", "'")
    for ch, pos in zip(ct.text, ct.origin, strict=True):
        if ch != " ":
            assert straight[pos] == ch
    assert list(ct.origin) == sorted(ct.origin)


def test_sentences_and_questions() -> None:
    low = "great. can you send it? we'll see; thanks - bye"
    parts = [s.low for s in sentences(low)]
    assert parts == ["great.", "can you send it?", "we'll see", "thanks", "bye"]
    assert [s.is_question for s in sentences(low)] == [False, True, False, False, False]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("yes please.", "accept"),
        ("tuesday works, mornings are better", "accept"),
        ("that would be great", "accept"),
        ("too early, honestly.", "decline"),
        ("maybe later.", "decline"),
        ("yeah, let's hold off for now.", "decline"),
        ("not yet, let me check first", "decline"),
        ("she's pretty busy these days.", "unclear"),
    ],
)
def test_reply_kind(reply: str, kind: str) -> None:
    assert reply_kind(reply) == kind
