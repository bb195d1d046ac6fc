"""What a recap quotes for each signal from a call: the words that carry it, each only once.

A signal is quoted by the clause that carries it, not always by the whole sentence: a timeline
by the clause holding its time expression ("we need to be live before the end of Q1"). Two
signals read from the same words are one line with both labels; a timeline found inside words
already quoted for another signal quotes only its time expression ("this quarter"), so no
sentence is quoted twice and the budget sentence is not passed off as the timeline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from skills.deadlines import find_deadline

# Where one clause of a spoken sentence ends and the next begins.
_CLAUSE_BREAK = re.compile(
    r",\s+(?=(?:so|but|because|and|which|since|though)\b)|;\s*|\s+-{1,2}\s+|:\s+", re.I
)


class SignalLike(Protocol):
    label: str
    utterance: int
    phrase: str


@dataclass
class QuotedSignal:
    """One line of a recap: the labels it stands for, the words quoted, where they were said."""

    labels: list[str]
    quote: str
    utterance: int
    also: list[int] = field(default_factory=list)  # other utterances folded into this line


def content_key(text: str) -> str:
    """The words of a text, lower-cased, for telling the same content apart from new content."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'")))


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def carrier(label: str, phrase: str, anchor: datetime) -> tuple[str, str | None]:
    """(the clause of `phrase` that carries the signal, the time words for a timeline or None)."""
    if label != "signal:timeline":
        return phrase.strip(), None
    found = find_deadline(phrase, anchor)
    if found is None:
        return phrase.strip(), None
    for a, b in _clauses(phrase):
        if a <= found.start < b:
            return phrase[a:b].strip().rstrip(",.;"), found.phrase
    return phrase.strip(), found.phrase


# How far back a line is looked for that already holds a signal's words (an exact repeat is
# found anywhere through the index): keeps a recap of a long call linear in its signals.
CONTAINMENT_WINDOW = 64


def quote_signals(signals: Sequence[SignalLike], anchor: datetime) -> list[QuotedSignal]:
    """One line per distinct piece of evidence, in the order the signals were said."""
    lines: list[QuotedSignal] = []
    keys: list[str] = []  # content_key of each line's quote, computed once
    by_key: dict[str, QuotedSignal] = {}

    def holding(key: str, longer_than: int = 0) -> QuotedSignal | None:
        start = max(0, len(lines) - CONTAINMENT_WINDOW)
        for ln, k in zip(lines[start:], keys[start:], strict=True):
            if len(key) > longer_than and key in k:
                return ln
        return None

    # the words of a sentence go to its other signals first; a timeline then quotes what is left
    for s in sorted(signals, key=lambda s: (s.utterance, s.label == "signal:timeline")):
        quote, time_words = carrier(s.label, s.phrase, anchor)
        key = content_key(quote)
        if not key:
            continue
        same = by_key.get(key)
        if same is None and time_words is not None and holding(key) is not None:
            # the time words sit in what another signal quotes
            quote, key = time_words, content_key(time_words)
            same = by_key.get(key)
        if same is None:
            same = holding(key, longer_than=20)
        if same is not None:
            if s.label not in same.labels:
                same.labels.append(s.label)
            if s.utterance != same.utterance and s.utterance not in same.also:
                same.also.append(s.utterance)
            continue
        line = QuotedSignal([s.label], quote, s.utterance)
        lines.append(line)
        keys.append(key)
        by_key.setdefault(key, line)
    return lines


def distinct(texts: Sequence[str], limit: int | None = None) -> list[str]:
    """`texts` without repeats: the same words twice, or words already inside a longer line.

    With `limit`, stops once that many are kept (each kept line is checked against all
    others once, so a long call's recap costs `limit` passes, not one per line)."""
    keys = [content_key(t) for t in texts]
    out: list[str] = []
    kept: set[str] = set()
    for i, (text, key) in enumerate(zip(texts, keys, strict=True)):
        if limit is not None and len(out) >= limit:
            break
        if not key or key in kept:
            continue
        if any(key in other and key != other for j, other in enumerate(keys) if j != i):
            continue  # a longer line says it already
        kept.add(key)
        out.append(text)
    return out
