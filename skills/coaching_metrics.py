"""The DESIGN.md 7 coaching metrics over sided turns, exactly as defined there.

Turns are read in start order (ties by utterance index); turns whose side is unknown are left
out. talk_ratio_rep = rep speaking seconds / all speaking seconds (sum of end - start);
longest_monologue_s / longest_story_s = the longest run of consecutive rep / prospect turns,
from the run's first start to its latest end; interactivity = side switches between
consecutive turns per minute of call (first start to latest end); patience_s = mean of
max(0, rep start - previous prospect end) over rep turns directly after a prospect turn (0
when none). Also words per minute per side and the rep's fillers per minute of speech.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from skills.coaching_text import filler_count, word_count
from skills.coaching_types import Side, Turn


def ordered(turns: Sequence[Turn]) -> list[Turn]:
    return sorted((t for t in turns if t.side is not None), key=lambda t: (t.start, t.index))


def call_seconds(turns: Sequence[Turn]) -> float:
    if not turns:
        return 0.0
    return max(t.end for t in turns) - min(t.start for t in turns)


def talk_ratio_rep(turns: Sequence[Turn]) -> float:
    total = sum(t.duration for t in turns if t.side is not None)
    rep = sum(t.duration for t in turns if t.side == "rep")
    return rep / total if total > 0 else 0.0


def longest_run(turns: Sequence[Turn], side: Side) -> float:
    """Longest run of consecutive `side` turns (start order), first start to latest end."""
    return longest_run_span(turns, side)[1]


def longest_run_span(turns: Sequence[Turn], side: Side) -> tuple[Turn | None, float]:
    """The first turn of the longest `side` run and the run's length in seconds."""
    best, best_first = 0.0, None
    first: Turn | None = None
    run_end = 0.0
    for t in ordered(turns):
        if t.side == side:
            if first is None:
                first, run_end = t, t.end
            else:
                run_end = max(run_end, t.end)
            if best_first is None or run_end - first.start > best:
                best, best_first = run_end - first.start, first
        else:
            first = None
    return best_first, best


def interactivity(turns: Sequence[Turn]) -> float:
    seq = ordered(turns)
    minutes = call_seconds(seq) / 60
    if minutes <= 0:
        return 0.0
    switches = sum(1 for a, b in pairwise(seq) if a.side != b.side)
    return switches / minutes


def patience(turns: Sequence[Turn]) -> float:
    seq = ordered(turns)
    gaps = [
        max(0.0, b.start - a.end)
        for a, b in pairwise(seq)
        if a.side == "prospect" and b.side == "rep"
    ]
    return sum(gaps) / len(gaps) if gaps else 0.0


def words_per_minute(turns: Sequence[Turn], side: Side) -> float | None:
    mine = [t for t in turns if t.side == side]
    seconds = sum(t.duration for t in mine)
    if seconds <= 0:
        return None
    return sum(word_count(t.text) for t in mine) / (seconds / 60)


def fillers(turns: Sequence[Turn], side: Side = "rep") -> tuple[int, float | None]:
    """Filler count of `side` and fillers per minute of that side's speech."""
    mine = [t for t in turns if t.side == side]
    count = sum(filler_count(t.text) for t in mine)
    seconds = sum(t.duration for t in mine)
    return count, (count / (seconds / 60) if seconds > 0 else None)
