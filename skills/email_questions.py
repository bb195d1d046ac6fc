"""The questions in an email's new text: each thing the sender asks, one per ask (pure)."""

from __future__ import annotations

import re

_ASK_OPENERS = (
    r"can|could|would|will|do|does|did|is|are|was|were|have|has|should|shall|may|"
    r"how|what|when|where|which|who|whom|whose|why|whether|any chance"
)
_ASK_START = re.compile(rf"^(?:(?:and|also|so|but|plus|one more thing|lastly|finally|ok|okay)[,:]?\s+)*"
                        rf"(?:{_ASK_OPENERS})\b", re.I)  # fmt: skip
_ASK_PHRASE = re.compile(
    r"\b(let me know|tell me|wondering|i'd like to know|i would like to know|please (confirm|advise|"
    r"clarify|explain|share)|can you confirm|curious (whether|if|how|about))\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
# "… whether you integrate with Salesforce, and how single sign-on works?" asks two things.
_ASK_JOIN = re.compile(rf",?\s+(?:and|or|also|plus|as well as)\s+(?=(?:{_ASK_OPENERS}|if)\b)", re.I)
QUESTION_MAX = 200


def questions_in(text: str) -> tuple[str, ...]:
    """Each thing the sender asks in `text` (the new part of an email), in order, one per ask:
    sentences ending in "?", starting like a question, or asking ("let me know whether …"),
    split where one sentence joins two asks ("…, and how …"). Clipped, without repeats."""
    asks: list[str] = []
    for raw in _SENTENCE.split(text or ""):
        sentence = " ".join(raw.split()).strip(" -•*>")
        if len(sentence) < 4:
            continue
        if not (
            sentence.endswith("?") or _ASK_START.match(sentence) or _ASK_PHRASE.search(sentence)
        ):
            continue
        if not sentence.endswith("?") and sentence.endswith("."):
            sentence = sentence[:-1]
        for part in _ASK_JOIN.split(sentence):
            part = part.strip(" ,;")
            if len(part) >= 4:
                asks.append(part if len(part) <= QUESTION_MAX else part[: QUESTION_MAX - 1] + "…")
    return tuple(dict.fromkeys(asks))
