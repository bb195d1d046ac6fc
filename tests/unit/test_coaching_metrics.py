"""The DESIGN.md 7 coaching metrics on hand-built calls (overlaps, back-to-back turns, out of
order input), and their invariants on generated calls."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.coaching_metrics import (
    call_seconds,
    fillers,
    interactivity,
    longest_run,
    patience,
    talk_ratio_rep,
    words_per_minute,
)
from skills.coaching_types import Side, Turn


def T(i: int, side: Side | None, start: float, end: float, text: str = "hello there") -> Turn:
    return Turn(i, side, start, end, text)


# rep 0-10, prospect 12-20, rep 20-30 (back to back), rep 29-40 (overlaps its own), prospect
# 35-38 (overlaps the rep: starts after the rep's 29 start, so it breaks the rep run)
CALL = [
    T(0, "rep", 0, 10),
    T(1, "prospect", 12, 20),
    T(2, "rep", 20, 30),
    T(3, "rep", 29, 40),
    T(4, "prospect", 35, 38),
    T(5, "rep", 41, 45),
]


def test_talk_ratio_is_rep_seconds_over_all_seconds() -> None:
    rep = 10 + 10 + 11 + 4
    assert talk_ratio_rep(CALL) == pytest.approx(rep / (rep + 8 + 3))


def test_monologue_runs_from_first_start_to_latest_end() -> None:
    # rep run 2,3: 20 -> 40 (the prospect at 35 starts after both)
    assert longest_run(CALL, "rep") == pytest.approx(20)
    assert longest_run(CALL, "prospect") == pytest.approx(8)


def test_a_nested_turn_does_not_shorten_the_run() -> None:
    turns = [T(0, "rep", 0, 30), T(1, "rep", 5, 10), T(2, "prospect", 31, 33)]
    assert longest_run(turns, "rep") == pytest.approx(30)


def test_interactivity_counts_switches_per_minute_of_call() -> None:
    # order: rep, prospect, rep, rep, prospect, rep -> 4 switches over 45 s
    assert call_seconds(CALL) == 45
    assert interactivity(CALL) == pytest.approx(4 / (45 / 60))


def test_patience_is_the_mean_gap_before_rep_turns_after_the_prospect() -> None:
    # prospect 12-20 -> rep 20: 0; prospect 35-38 -> rep 41: 3; mean 1.5
    assert patience(CALL) == pytest.approx(1.5)


def test_an_overlapping_reply_counts_as_no_wait() -> None:
    turns = [T(0, "prospect", 0, 10), T(1, "rep", 8, 12)]
    assert patience(turns) == 0.0


def test_patience_is_zero_without_a_rep_turn_after_the_prospect() -> None:
    assert patience([T(0, "rep", 0, 5), T(1, "prospect", 6, 9)]) == 0.0


def test_input_order_does_not_matter() -> None:
    shuffled = [CALL[i] for i in (4, 0, 5, 2, 1, 3)]
    for f in (talk_ratio_rep, interactivity, patience):
        assert f(shuffled) == pytest.approx(f(CALL))
    assert longest_run(shuffled, "rep") == pytest.approx(longest_run(CALL, "rep"))


def test_unknown_speakers_are_left_out_of_the_order() -> None:
    turns = [T(0, "rep", 0, 5), T(1, None, 5, 6), T(2, "rep", 6, 10), T(3, "prospect", 11, 12)]
    assert longest_run(turns, "rep") == 10
    assert talk_ratio_rep(turns) == pytest.approx(9 / 10)


def test_words_per_minute_and_fillers() -> None:
    turns = [
        T(0, "rep", 0, 30, "um so basically we uh ship it nightly"),  # 8 words, 3 fillers
        T(1, "prospect", 30, 60, "what kind of trucks do you support"),  # 7 words, no filler
    ]
    assert words_per_minute(turns, "rep") == pytest.approx(16)
    assert words_per_minute(turns, "prospect") == pytest.approx(14)
    assert fillers(turns, "rep") == (3, pytest.approx(6))
    assert fillers(turns, "prospect") == (0, 0)
    assert words_per_minute([T(0, "rep", 3, 3)], "rep") is None


@st.composite
def calls(draw: st.DrawFn) -> list[Turn]:
    n = draw(st.integers(min_value=1, max_value=40))
    turns = []
    for i in range(n):
        start = draw(st.floats(min_value=0, max_value=3000, allow_nan=False))
        length = draw(st.floats(min_value=0, max_value=200, allow_nan=False))
        side: Side = draw(st.sampled_from(("rep", "prospect")))
        turns.append(T(i, side, start, start + length))
    return turns


@settings(max_examples=200, deadline=None)
@given(calls())
def test_invariants(turns: list[Turn]) -> None:
    length = call_seconds(turns)
    assert 0 <= talk_ratio_rep(turns) <= 1
    sides: tuple[Side, ...] = ("rep", "prospect")
    for side in sides:
        assert 0 <= longest_run(turns, side) <= length + 1e-9
        mine = [t for t in turns if t.side == side]
        if mine:
            assert longest_run(turns, side) >= max(t.duration for t in mine) - 1e-9
    assert interactivity(turns) >= 0
    switches_max = len(turns) - 1
    if length > 0:
        assert interactivity(turns) <= switches_max / (length / 60) + 1e-9
    assert 0 <= patience(turns) <= length + 1e-9
