"""Numbers as people say them in a call, found with their spans: digits ("35", "1,200") and
words ("forty", "twenty-five", "a hundred and twenty", "two thousand", "a dozen"), plus the
sentences of an utterance as exact spans. Pure; spans index the text as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SMALL: dict[str, int] = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
TENS: dict[str, int] = {
    w: 10 * (i + 2)
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[A-Za-z]+(?:-[A-Za-z]+)*")
_SENTENCE = re.compile(r"[^.!?]*[^.!?\s][^.!?]*[.!?]*|[.!?]+")


@dataclass(frozen=True)
class Number:
    """A whole number said in the text, at `text[start:end]`."""

    value: int
    start: int
    end: int


def _word_value(word: str) -> tuple[int, str] | None:
    """(value, kind) of one number word: kind "unit" (1-9), "teen" (0, 10-19), "tens", or a
    hyphenated "tens-unit"; None when it is not a number word."""
    if word in SMALL:
        v = SMALL[word]
        return v, "unit" if 1 <= v <= 9 else "teen"
    if word in TENS:
        return TENS[word], "tens"
    parts = word.split("-")
    if len(parts) == 2 and parts[0] in TENS and parts[1] in SMALL and 1 <= SMALL[parts[1]] <= 9:
        return TENS[parts[0]] + SMALL[parts[1]], "teen"
    return None


def find_numbers(text: str) -> list[Number]:
    """Every whole number in `text`, in order; a number with decimals is left out."""
    toks = [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[Number] = []
    i, n = 0, len(toks)
    while i < n:
        word, start, _end = toks[i]
        if word[0].isdigit():
            digits = word.rstrip(",")
            if "." not in digits and re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", digits):
                out.append(Number(int(digits.replace(",", "")), start, start + len(digits)))
            i += 1
            continue
        total = current = 0
        got, last, j = False, "", i
        while j < n:
            w = toks[j][0]
            nxt = toks[j + 1][0] if j + 1 < n else ""
            wv = _word_value(w)
            if wv is not None and not (got and last in ("unit", "teen")):
                value, kind = wv
                if last == "tens" and kind != "unit":
                    break
                current += value
                got, last = True, kind
            elif w in ("a", "an") and not got and nxt in ("hundred", "thousand", "dozen"):
                current, got, last = 1, True, "a"
            elif w == "hundred" and got:
                current = max(current, 1) * 100
                last = "hundred"
            elif w == "thousand" and got:
                total += max(current, 1) * 1000
                current, last = 0, "thousand"
            elif w == "dozen" and got:
                current = max(current, 1) * 12
                last = "teen"
            elif w == "and" and last in ("hundred", "thousand") and _word_value(nxt) is not None:
                last = "and"
            else:
                break
            j += 1
        if got and last != "and" and last != "a":
            out.append(Number(total + current, start, toks[j - 1][2]))
            i = j
        else:
            i += 1
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of `text` as (start, end) spans with the surrounding spaces left out."""
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans
