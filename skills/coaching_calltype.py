"""Which kind of call this was (discovery, demo, negotiation, check-in) and the norms for it.

Each type's cues (`coaching_patterns/call_types.yaml`) are counted over the utterances, the
title's hits weighing three; the most hits win, ties in the file's order (discovery first,
the usual first call). The norms and their sources come from the same file (reference
NEXT_BUILDS.md C2-C3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from skills.coaching_data import patterns
from skills.coaching_text import normalise
from skills.coaching_types import CallKind, CallType, Turn

TITLE_WEIGHT = 3


def call_type(turns: Sequence[Turn], title: str = "") -> CallType:
    # one text, utterances on their own lines: a cue (no newline in it) never spans two
    text = "\n".join(normalise(t.text) for t in turns)
    head = normalise(title)
    scores: dict[str, int] = {}
    for ct in patterns().call_types:
        hits = sum(len(rx.findall(text)) for rx in ct.cues)
        hits += TITLE_WEIGHT * sum(1 for rx in ct.cues if head and rx.search(head))
        scores[ct.name] = hits
    best = max(patterns().call_types, key=lambda ct: scores[ct.name])
    n = best.norms
    return CallType(
        kind=cast(CallKind, best.name),
        scores=scores,
        talk_ratio_rep_norm=n.talk_ratio_rep,
        monologue_max_s=n.monologue_max_s,
        questions_norm=n.questions,
        open_questions_min=n.open_questions_min,
        story_target_s=n.story_target_s,
        sources=n.sources,
    )
