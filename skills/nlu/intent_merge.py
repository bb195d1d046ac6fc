"""The last pass over the detections shown: one signal per moment
(`merge_adjacent_signals`), a pronoun restating a stakeholder signalled just before
(`drop_pronoun_restatements`), and an accepted offer with the promise that confirms it
(`merge_repeated_commitments`)."""

from __future__ import annotations

import re
from dataclasses import replace

from skills.nlu.intent_types import Intent


def merge_adjacent_signals(intents: list[Intent]) -> list[Intent]:
    """One signal per moment: the same signal in consecutive utterances of one side."""
    kept: list[Intent] = []
    last: dict[tuple[str, str], int] = {}  # (label, speaker) -> its latest place in `kept`
    for it in intents:
        key = (it.label, it.speaker)
        at = last.get(key)
        if (
            it.label.startswith("signal:")
            and at is not None
            and it.utterance - kept[at].utterance == 1
        ):
            if it.confidence > kept[at].confidence:
                kept[at] = it
            continue
        last[key] = len(kept)
        kept.append(it)
    return kept


def drop_pronoun_restatements(intents: list[Intent]) -> list[Intent]:
    """'It goes to the board.' ... 'They'll want to see payback.': a pronoun pointing back at a
    stakeholder already signalled a few turns earlier is the same signal, not a new one."""
    kept: list[Intent] = []
    for it in intents:
        if it.label == "signal:multi_stakeholder" and it.kind == "stake_pronoun":
            # `intents` come in utterance order: only the last few kept can be near enough
            near = []
            for k in reversed(kept):
                if it.utterance - k.utterance > 3:
                    break
                near.append(k)
            if any(
                k.label == it.label
                and k.speaker == it.speaker
                and 0 < it.utterance - k.utterance <= 3
                for k in near
            ):
                continue
        kept.append(it)
    return kept


_ERRAND_STOP = frozenset(
    "i'll ill will i'm going gonna let me we'll you your back with that this then them they just "
    "about also know get send over come circle loop follow touch base update keep posted yeah okay "
    "sure".split()
)


def _different_errands(a: Intent, b: Intent) -> bool:
    """Two promises share no content word and fall on different (or unknown) days."""
    if a.deadline and b.deadline and a.deadline == b.deadline:
        return False

    def words(phrase: str) -> set[str]:
        return {w for w in re.findall(r"[a-z']+", phrase.lower()) if len(w) > 3} - _ERRAND_STOP

    return not (words(a.phrase) & words(b.phrase))


def merge_repeated_commitments(intents: list[Intent]) -> list[Intent]:
    """An accepted offer and the promise that confirms it two turns later are one commitment,
    with the promise's date: a meeting agreed on is kept where it was proposed; material to
    send is the rep's promise ('Want the pricing?' - 'Yes' - 'I'll get it over tomorrow'), kept
    on the promise. Two restatements keep the stronger (on a tie, the later, which usually
    carries the date)."""
    intents = list(intents)
    dropped: set[int] = set()
    for a_idx, a in enumerate(intents):
        if not a.label.startswith("commitment:") or a_idx in dropped:
            continue
        for b_idx in range(a_idx + 1, len(intents)):
            b = intents[b_idx]
            if b.utterance - a.utterance > 2:
                break
            if b.label != a.label or b.utterance == a.utterance:
                continue
            if b.speaker != a.speaker and a.kind != "ask":
                continue  # a counter-proposal to a question is the same meeting
            if a.kind != "ask" and b.kind != "ask" and _different_errands(a, b):
                continue  # two promises about different things are two commitments
            if a.kind == "ask" and b.kind != "ask":
                # the question was accepted and then promised: one commitment, placed where it
                # was proposed, carrying the promise's date and confidence
                keep, drop = (
                    (b_idx, a_idx) if a.label == "commitment:send_proposal" else (a_idx, b_idx)
                )
                intents[keep] = replace(
                    intents[keep],
                    deadline=b.deadline or a.deadline,
                    confidence=max(a.confidence, b.confidence),
                )
                dropped.add(drop)
            else:
                dropped.add(a_idx if a.confidence <= b.confidence else b_idx)
            break
    return [it for k, it in enumerate(intents) if k not in dropped]
