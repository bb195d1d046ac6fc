"""Text helpers of the coaching skill: sentences of an utterance (verbatim and normalised),
word counts, filler counts, and the mm:ss stamp and verbatim quote feedback uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from skills.coaching_data import patterns

_SPLIT = re.compile(r"(?<=[.?!;])\s+")
_WORD = re.compile(r"[\w']+")
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: `raw` as said, `norm` lower-cased with plain quotes and single spaces."""

    raw: str
    norm: str
    asked: bool  # ends with "?"


def normalise(text: str) -> str:
    return " ".join(text.translate(_FOLD).lower().split())


def sentences(text: str) -> list[Sentence]:
    out = []
    for part in _SPLIT.split(text.strip()):
        raw = part.strip()
        if raw:
            norm = normalise(raw).rstrip(" .!;,")
            out.append(Sentence(raw, norm.rstrip("?").strip(), norm.endswith("?")))
    return out


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


@cache
def _fillers() -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{e.pattern.pattern})\b" for e in patterns().fillers))


def filler_count(text: str) -> int:
    return len(_fillers().findall(normalise(text)))


def mmss(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def quote(text: str, max_chars: int = 160) -> str:
    """A verbatim piece of `text`: whole if short, else its start cut at a word boundary."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0]
    return cut or text[:max_chars]
