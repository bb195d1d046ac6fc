"""Intent detection stays linear in the length of a call (issue 11, item 3.1): a long call
once took minutes because each vendor-like name was looked up by a regex over every utterance."""

from __future__ import annotations

import gc
import re
import time
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.long_call import long_call
from skills.intents import detect_intents
from skills.nlu.intent_context import CallContext
from skills.nlu.intent_vendors import PERSON_CUE, named_as_person
from skills.transcript_types import Participant, Transcript, parse_transcript


def _cpu_seconds(n: int) -> float:
    transcript = parse_transcript(long_call(n))
    return _measured(transcript)


def _measured(transcript: Transcript) -> float:
    """CPU seconds of one detection, the garbage collector held off (its passes grow with the
    heap and are no part of the algorithm's cost); the figure itself is in `make bench`."""
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        detect_intents(transcript)
        return time.process_time() - started
    finally:
        gc.enable()


def test_four_times_the_call_costs_about_four_times_the_time() -> None:
    _cpu_seconds(300)  # warm up: compiled patterns, imports
    small = min(_cpu_seconds(1000) for _ in range(2))
    large = min(_cpu_seconds(4000) for _ in range(2))
    # linear: ~4x; the quadratic look-up made it ~12-15x on this call
    assert large / small < 8, (small, large)


def _monologue_seconds(chars: int, punctuated: bool) -> float:
    """CPU time for one utterance of `chars` characters of sales talk (punctuation kept, or
    stripped as in ASR text)."""
    doc = long_call(400)
    text = " ".join(u["text"] for u in doc["utterances"])
    while len(text) < chars:
        text += " " + text
    text = text[:chars]
    if not punctuated:
        text = re.sub(r"[.?!;]| - ", " ", text)
    doc["utterances"] = [{"speaker": "Mick Halloran", "start": 0, "end": 1, "text": text}]
    return _measured(parse_transcript(doc))


def test_one_long_monologue_is_linear_too() -> None:
    """A date looked for in the rest of the utterance for every promise, a cue looked for from
    the start of the utterance, the sentence of a match found by a scan, and a sentence with no
    punctuation read whole for every match: each made one long utterance quadratic."""
    for punctuated in (True, False):
        small = min(_monologue_seconds(25_000, punctuated) for _ in range(2))
        large = min(_monologue_seconds(100_000, punctuated) for _ in range(2))
        assert large / small < 8, (punctuated, small, large)


_WORDS = st.sampled_from(
    "dave dave's acme acme's at&t o.k our my the his her cfo ceo lead head of sales dr. mr mrs said "
    "says thinks is the will be signs with to ask tell loop in cc he she him her , . ? and we "
    "looking at also mislead".split(" ")
)
_SEPS = st.sampled_from([" ", ", ", ",", "  ", "\n", "'s ", ""])


def _reference(lows: list[str], name: str) -> bool:
    """The pattern compiled per name and run over every utterance (the old, quadratic way)."""
    n = re.escape(name.lower().removesuffix("'s"))
    pattern = re.compile(PERSON_CUE.replace("{n}", n))
    return any(pattern.search(low) for low in lows)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_WORDS, _SEPS), max_size=12).map(
            lambda ws: "".join(w + s for w, s in ws)
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["Dave", "Dave's", "Acme", "AT&T", "O.K", "Lead", "Head", "Her", "Sales"]),
)
def test_named_as_person_answers_as_the_pattern_did(lows: list[str], name: str) -> None:
    transcript = Transcript(
        "m", "t", datetime(2026, 1, 1, tzinfo=UTC), Participant("Rep", None), (), ()
    )
    ctx = CallContext(transcript=transcript, roles=[], cleaned=[], lows=lows)
    assert named_as_person(ctx, name) == _reference(lows, name)
    assert named_as_person(ctx, name) == _reference(lows, name)  # the remembered answer
