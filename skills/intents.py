"""Offline intent detection over a meeting transcript (the nine labels of DESIGN.md 7): the
public entry point.

`detect_intents(transcript)` reads each utterance sentence by sentence and matches the semantic
frames, kept as reviewed data in `skills/nlu/patterns` (`skills.nlu.intent_patterns`). Each
match is read in its sentence by its mode: the readings that veto it, hold it as context or feed
the scorer are named per mode in `skills/nlu/patterns/intent_modes.yaml` and defined in
`skills.nlu.intent_readings` (clauses and negation in `intent_clauses`, vendor and person names
in `intent_vendors`). Replies add readings of their own (`intent_replies`: the prospect confirms
the rep's question, accepts an offer, ...). Each candidate is then scored by the learned model
in `skills/nlu/weights/intents.json` (its frame's reviewed prior weighed with its readings and
how sure we are who spoke), so a detection under 0.7 (not shown) is one whose evidence is weak,
not a different rule; `intent_merge` folds restatements of one intent. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace

from skills.deadlines import find_deadline
from skills.nlu import intent_patterns as rules
from skills.nlu.intent_context import (
    CallContext,
    known_people,
    side_of,
    speaker_features,
    speaker_roles,
    trim_span,
)
from skills.nlu.intent_merge import (
    drop_pronoun_restatements,
    merge_adjacent_signals,
    merge_repeated_commitments,
)
from skills.nlu.intent_readings import COMMIT_MODES, match_features, read_match
from skills.nlu.intent_replies import reply_candidates
from skills.nlu.intent_types import Candidate, Intent, Speaker, SpeakerRole
from skills.nlu.scorer import IntentModels, intent_models
from skills.text_features import CleanText, Sentence, clean, sentences
from skills.transcript_types import Transcript

__all__ = [
    "DEADLINE_LOOKAHEAD",
    "MIN_CONFIDENCE",
    "Candidate",
    "Intent",
    "Speaker",
    "SpeakerRole",
    "candidates",
    "detect_candidates",
    "detect_intents",
    "known_people",
    "score",
    "speaker_roles",
]

MIN_CONFIDENCE = 0.7


def _phrase(ct: CleanText, sent: Sentence, m: re.Match[str], extra_end: int | None) -> str:
    """The exact span of the raw utterance text for this sentence (or match, if long)."""
    start, end = sent.start, sent.end
    if end - start > 160:
        start, end = m.start(), max(m.end(), extra_end or 0)
    start, end = trim_span(ct.text, start, end)
    raw_start, raw_end = ct.raw_span(start, end)
    return ct.raw[raw_start:raw_end]


# How far past a promise its date is looked for when its own sentence has none ("I'll send it
# over. By Friday, promise."): a few sentences, so a long monologue is not read once per promise.
DEADLINE_LOOKAHEAD = 600
_WORD_END = re.compile(r"\S*")


def _ahead(text: str, start: int) -> str:
    """The text after `start`, up to DEADLINE_LOOKAHEAD characters, ending on a whole word."""
    end = start + DEADLINE_LOOKAHEAD
    if end >= len(text):
        return text[start:]
    word_end = _WORD_END.match(text, end)
    return text[start : word_end.end() if word_end else end]


# The frames each side may say, in `rules.FRAMES` order (None: the speaker's side is unknown).
_FRAMES_FOR: dict[Speaker | None, tuple[rules.Frame, ...]] = {
    side: tuple(f for f in rules.FRAMES if f.side == "any" or side is None or f.side == side)
    for side in ("rep", "prospect", None)
}


def candidates(transcript: Transcript, *, use_gates: bool = True) -> list[Candidate]:
    """Every frame match that survives its mode's vetoes, and every reply reading, with the
    features the scorer weighs (what `make train-nlu` learns from).

    `use_gates=False` runs every frame on every utterance (the gates are only a speed-up;
    a test checks both give the same answer)."""
    cleaned = [clean(u.text) for u in transcript.utterances]
    ctx = CallContext(
        transcript=transcript,
        roles=speaker_roles(transcript),
        cleaned=cleaned,
        lows=[c.low for c in cleaned],
    )
    lows = ctx.lows
    out: list[Candidate] = []
    seen: dict[tuple[int, str], list[Candidate]] = {}

    def add(c: Candidate) -> None:
        out.append(c)
        seen.setdefault((c.intent.utterance, c.intent.label), []).append(c)

    for i, u in enumerate(transcript.utterances):
        low = lows[i]
        ct = ctx.cleaned[i]
        sents = sentences(low)
        if not sents:
            continue
        sr = ctx.roles[i]
        side = side_of(sr.role)
        speaker_feats = speaker_features(sr)
        gate_open: dict[str, bool] = {}  # a label's gate is searched once, when first needed
        for frame in _FRAMES_FOR[side]:
            if use_gates:
                is_open = gate_open.get(frame.label)
                if is_open is None:
                    gate = rules.LABEL_GATES.get(frame.label)
                    is_open = gate_open[frame.label] = gate is None or bool(gate.search(low))
                if not is_open:
                    continue
            for m in frame.pattern.finditer(low):
                view = read_match(frame, m, i, ctx, sents)
                if view is None:
                    continue
                sent = view.sent
                features = match_features(view)
                deadline = None
                extra_end = None
                if frame.mode in COMMIT_MODES or frame.label in (
                    "signal:timeline",
                    "commitment:prospect_followup",
                ):
                    found = find_deadline(ct.text[sent.start : sent.end], transcript.started_at)
                    if found is None and frame.mode in COMMIT_MODES:
                        found = find_deadline(_ahead(ct.text, m.end()), transcript.started_at)
                        offset = m.end()
                    else:
                        offset = sent.start
                    if found is not None:
                        deadline = found.day
                        extra_end = offset + found.end
                        features.append("deadline")
                speaker: Speaker = side or ("rep" if frame.side in ("rep", "any") else "prospect")
                intent = Intent(
                    label=frame.label,
                    utterance=i,
                    speaker=speaker,
                    phrase=_phrase(ct, sent, m, extra_end),
                    confidence=0.0,
                    event=rules.EVENTS.get(frame.label),
                    deadline=deadline,
                    speaker_label=u.speaker,
                    kind="ask" if view.mode == "ask" or sent.is_question else frame.mode,
                )
                add(Candidate(intent, (*features, *speaker_feats), frame.prior, view.held))
        for extra in reply_candidates(i, ctx, seen):
            if extra is not None and (i, extra.intent.label) not in seen:
                add(extra)
    return out


def score(candidate: Candidate, models: IntentModels | None = None) -> Intent:
    """The candidate with its confidence: the learned probability that it is right."""
    p = (models or intent_models()).probability_of(candidate.intent.label, candidate.values())
    return replace(candidate.intent, confidence=round(min(p, 0.99), 3))


def detect_candidates(
    transcript: Transcript, *, use_gates: bool = True, models: IntentModels | None = None
) -> list[Intent]:
    """Every detection with its confidence, before the 0.7 cut (for calibration): the most
    probable reading per utterance and label."""
    best: dict[tuple[int, str], Intent] = {}
    for c in candidates(transcript, use_gates=use_gates):
        if c.held:
            continue
        intent = score(c, models)
        key = (intent.utterance, intent.label)
        if key not in best or best[key].confidence < intent.confidence:
            best[key] = intent
    return sorted(best.values(), key=lambda it: (it.utterance, rules.LABELS.index(it.label)))


def detect_intents(
    transcript: Transcript,
    min_confidence: float = MIN_CONFIDENCE,
    *,
    models: IntentModels | None = None,
) -> list[Intent]:
    """Intents at or above `min_confidence`, sorted by utterance then label."""
    shown = [
        it for it in detect_candidates(transcript, models=models) if it.confidence >= min_confidence
    ]
    merged = merge_repeated_commitments(merge_adjacent_signals(drop_pronoun_restatements(shown)))
    # a merge keeps the stronger of two moments, which may be the later one: sort again
    return sorted(merged, key=lambda it: (it.utterance, rules.LABELS.index(it.label)))
