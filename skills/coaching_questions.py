"""Questions by meaning, not by "?" alone (ASR drops punctuation).

`find_question(sentence)` reads one sentence: a look-alike ("what a week", "I asked them
why") is not a question; an opener of `coaching_patterns/questions.yaml` at the sentence's
start or after a discourse marker ("so", "and", "okay") makes it one, open or closed by the
opener; a sentence ending in "?" with no opener is closed ("You're on Salesforce?").
`discovery_topic(text)` names the discovery topic a question asks about (situation, pain,
goals, decision, budget, timeline) or None for logistics and small talk.
`rep_questions(turns)` and `prospect_questions(turns)` list them over a call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from skills.coaching_data import Entry, patterns
from skills.coaching_metrics import ordered
from skills.coaching_text import Sentence, sentences, word_count
from skills.coaching_types import ProspectQuestion, Question, QuestionKind, Turn


@cache
def _starts() -> re.Pattern[str]:
    """Positions where a question may start: the start, or after a discourse marker."""
    return re.compile(r"(?:^|\b(?:so|and|okay|ok|alright|now|but|then|also)\s+)")


@cache
def _openers() -> tuple[tuple[re.Pattern[str], Entry], ...]:
    p = patterns()
    return tuple((re.compile(p.markers + r"(?:" + e.pattern.pattern + r")"), e) for e in p.openers)


@cache
def _negative() -> re.Pattern[str]:
    p = patterns()
    alts = "|".join(f"(?:{e.pattern.pattern})" for e in p.question_negatives)
    return re.compile(p.markers + f"(?:{alts})")


def question_kind(norm: str, asked: bool = False) -> QuestionKind | None:
    """Open, closed, or None (not a question) for one normalised sentence."""
    if not norm or _negative().match(norm):
        return None
    for m in _starts().finditer(norm):
        pos = m.end()
        for rx, entry in _openers():
            if rx.match(norm, pos):
                return "open" if entry.tag == "open" else "closed"
    return "closed" if asked else None


def find_question(sentence: Sentence) -> QuestionKind | None:
    return question_kind(sentence.norm, sentence.asked)


def discovery_topic(norm: str) -> str | None:
    p = patterns()
    if any(e.pattern.search(norm) for e in p.logistics):
        return None
    for e in p.topics:
        if e.pattern.search(norm):
            return e.id
    return None


def rep_questions(turns: Sequence[Turn]) -> list[Question]:
    out: list[Question] = []
    for t in ordered(turns):
        if t.side != "rep":
            continue
        for s in sentences(t.text):
            kind = find_question(s)
            if kind is not None:
                topic = discovery_topic(s.norm)
                out.append(Question(t.index, s.raw, kind, topic is not None, topic, t.start))
    return out


def asks(text: str) -> bool:
    return any(find_question(s) is not None for s in sentences(text))


BACKCHANNEL_WORDS = 3  # a rep turn this short ("yeah", "mm-hmm, sure") is not an answer
PROSPECT_QUESTION_WORDS = 3  # "Done?", "Really?" are back-channels, not questions to answer


def prospect_questions(turns: Sequence[Turn]) -> list[ProspectQuestion]:
    """Prospect questions of at least three words; answered by the first rep turn of more than three words before
    the prospect asks again or two more prospect turns pass."""
    seq = ordered(turns)
    asked_in = {
        t.index: [
            s.raw
            for s in sentences(t.text)
            if find_question(s) is not None and word_count(s.raw) >= PROSPECT_QUESTION_WORDS
        ]
        for t in seq
        if t.side == "prospect"
    }
    out: list[ProspectQuestion] = []
    for i, t in enumerate(seq):
        asked = asked_in.get(t.index) if t.side == "prospect" else None
        if not asked:
            continue
        answer: Turn | None = None
        prospect_turns = 0
        for nxt in seq[i + 1 :]:
            if nxt.side == "prospect":
                prospect_turns += 1
                if prospect_turns > 2 or asked_in[nxt.index]:
                    break
                continue
            if word_count(nxt.text) > BACKCHANNEL_WORDS:
                answer = nxt
                break
        out.append(
            ProspectQuestion(
                t.index,
                " ".join(asked),
                t.start,
                answer.start if answer else None,
                answer.index if answer else None,
            )
        )
    return out
