"""Text features for the offline intent detector: sentences, questions, modality, replies.

Everything works on a lower-cased copy of the utterance that keeps every character at
the same offset, so a span found here is an exact span of the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def lower_same_length(text: str) -> str:
    """Lower-case and straighten quotes without moving any character."""
    straight = text.translate(_QUOTES)
    low = straight.lower()
    if len(low) == len(straight):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in straight)


_DISFLUENCY = frozenset({"um", "uh", "uhm", "umm", "uhh", "er", "erm", "hmm", "mm", "mhm", "ehm"})
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class CleanText:
    """An utterance without fillers ("um", "uh") and stutters ("I'll I'll"), one space
    between words, quotes straightened; `raw_span` maps a span of `text` back to `raw`."""

    raw: str
    text: str
    low: str
    # (offset in text, offset in raw) where each kept word starts; identity when unchanged.
    segments: tuple[tuple[int, int], ...]

    def _to_raw(self, i: int) -> int:
        k = bisect_right(self.segments, (i, len(self.raw) + 1)) - 1
        clean_pos, raw_pos = self.segments[max(k, 0)]
        return raw_pos + (i - clean_pos)

    @property
    def origin(self) -> tuple[int, ...]:
        """Where each character of `text` sits in `raw` (a joining space: after the word)."""
        return tuple(self._to_raw(i) for i in range(len(self.text)))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.text or end <= start:
            return 0, 0
        return self._to_raw(start), self._to_raw(end - 1) + 1


_NEEDS_CLEANING = re.compile(
    r"\s{2,}|^\s|\s$|[\t\n\r]|\b(?:um|uh|uhm|umm|uhh|er|erm|hmm|mm|mhm|ehm)\b|(?<![\w'])([\w']+),?\s+\1(?![\w'])",
    re.I,
)


@lru_cache(maxsize=8192)
def clean(raw: str) -> CleanText:
    straight = raw.translate(_QUOTES)
    if not _NEEDS_CLEANING.search(straight):
        return CleanText(raw, straight, lower_same_length(straight), ((0, 0),))
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(straight)]
    kept: list[tuple[int, str]] = []
    for k, (pos, tok) in enumerate(tokens):
        bare = tok.lower().strip(",.;:!?-\u2026")
        if bare in _DISFLUENCY:
            continue
        nxt = tokens[k + 1][1] if k + 1 < len(tokens) else None
        if (
            nxt is not None
            and tok[-1] not in ".;:!?"
            and tok.lower().rstrip(",") == nxt.lower().rstrip(",.;:!?")
        ):
            continue  # "I'll I'll get back" -> keep the last repetition
        kept.append((pos, tok))
    parts: list[str] = []
    segments: list[tuple[int, int]] = []
    length = 0
    for pos, tok in kept:
        if parts:
            parts.append(" ")
            length += 1
        segments.append((length, pos))
        parts.append(tok)
        length += len(tok)
    text = "".join(parts)
    return CleanText(raw, text, lower_same_length(text), tuple(segments) or ((0, 0),))


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    low: str  # the lower-cased sentence text

    @property
    def is_question(self) -> bool:
        stripped = self.low.rstrip()
        if stripped.endswith("?"):
            return True
        return bool(_QUESTION_START.match(self.low))


_QUESTION_START = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+|ok(?:ay)?,?\s+)?(?:do|does|did|can|could|would|should|shall|"
    r"is|are|was|were|will|have|has|may|might)\s+(?:i|we|you|they|he|she|it|there|that|this)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\s*;\s+|\s+[-\u2013\u2014]+\s+")


# Speech with no punctuation for this long (ASR text) is read in pieces of about this size, cut
# at a space: every check on a match looks at its sentence, so an unbounded sentence would make a
# long monologue quadratic. (No punctuated sentence people say comes near it.)
MAX_SENTENCE_CHARS = 1000
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


@lru_cache(maxsize=8192)
def sentences(low: str) -> tuple[Sentence, ...]:
    """Split into sentences (and ';' / dash-separated parts) with their offsets."""
    result: list[Sentence] = []
    pos = 0
    for m in _SENTENCE_END.finditer(low):
        if m.start() > pos:
            _add(result, low, pos, m.start())
        pos = m.end()
    if pos < len(low):
        _add(result, low, pos, len(low))
    return tuple(s for s in result if s.low.strip())


def _add(result: list[Sentence], low: str, start: int, end: int) -> None:
    while end - start > MAX_SENTENCE_CHARS:
        space = _LAST_SPACE.match(low, start, start + MAX_SENTENCE_CHARS)
        cut = space.end() if space and space.end() > start + 1 else start + MAX_SENTENCE_CHARS
        result.append(Sentence(start, cut, low[start:cut]))
        start = cut
    result.append(Sentence(start, end, low[start:end]))


def sentence_at(sents: Sequence[Sentence], offset: int) -> Sentence:
    """The sentence holding `offset` (else the last one); `sents` in order, as `sentences` gives."""
    k = bisect_right(sents, offset, key=_start) - 1
    if k >= 0 and sents[k].start <= offset < sents[k].end:
        return sents[k]
    return sents[-1]


def _start(s: Sentence) -> int:
    return s.start


_CLAUSE_BREAK = re.compile(
    r",\s*|\s+(?:but|so|and then|though|although|because|while|whereas|or)\s+"
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|neither|nor|without|hardly|"
    r"\w+n't|cannot|can't|won't|no need|"
    # ASR drops the apostrophe
    r"dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|werent|couldnt|wouldnt|shouldnt|havent|hasnt|"
    r"hadnt|aint)\b"
)
_CONDITION = re.compile(
    r"\b(?:if|unless|once|in case|assuming|provided|whether|suppose|supposing|hypothetically)\b"
)
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|probably|might|may be|i think|i guess|hopefully|"
    r"try to|try and|not sure|potentially|at some point|sometime|some day|someday|"
    r"down the (?:road|line))\b"
)
_REPORTED = re.compile(
    r"\b(?:(?:he|she|they|someone|somebody)\s+(?:said|told|mentioned|promised)|"
    r"(?:said|told me|told us|mentioned) (?:that|he|she|they)|last time|previously|"
    r"earlier you said|you said)\b"
)


def clause_start(low: str, sent: Sentence, offset: int) -> int:
    """Offset where the clause holding `offset` begins (after the last comma/conjunction)."""
    start = sent.start
    for m in _CLAUSE_BREAK.finditer(low, sent.start, offset):
        if m.end() <= offset:
            start = m.end()
    return start


def negated_before(low: str, sent: Sentence, offset: int, window: int = 40) -> bool:
    """A negation in the same clause shortly before `offset`."""
    begin = max(clause_start(low, sent, offset), offset - window)
    return bool(_NEGATION.search(low, begin, offset))


def negated_within(low: str, start: int, end: int) -> bool:
    return bool(_NEGATION.search(low, start, end))


def in_condition(low: str, sent: Sentence, offset: int) -> bool:
    """`offset` sits inside an if/unless/once clause that has not been closed by a comma."""
    for m in _CONDITION.finditer(low, sent.start, offset):
        between = low[m.end() : offset]
        if "," not in between and " then " not in between:
            return True
    return False


_POLITE_CONDITION = re.compile(
    r"(?:if|when) (?:you(?:'d)? (?:like|want|prefer|need|don't mind)|you (?:could|can|would) "
    r"(?:\w+ )?(?:send|share|forward|email|include|attach|pass|get|drop|shoot)\b|"
    r"(?:that|it)(?:'s| is| would be| would| might)? (?:helps?|useful|helpful|easier|works)|"
    r"useful|helpful|needed)"
)


def leading_condition(low: str, sent: Sentence) -> bool:
    """The sentence opens with a real condition ('If budget gets approved, ...').

    Polite openers ('if you like', 'if that helps') are offers, not conditions.
    """
    head = low[sent.start : sent.end].lstrip()
    m = re.match(r"(?:and |but |so |well,? )?(if|unless|once|assuming|provided)\b", head)
    if not m:
        return False
    return not _POLITE_CONDITION.match(head, m.start(1))


def hedged(low: str, sent: Sentence) -> bool:
    return bool(_HEDGE.search(low, sent.start, sent.end))


def reported(low: str, sent: Sentence, offset: int) -> bool:
    return bool(_REPORTED.search(low, sent.start, offset))


_ACCEPT = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|please|absolutely|definitely|of course|certainly|done\b|"
    r"perfect|great|sounds (?:good|great|perfect)|that (?:would|'d) (?:be )?(?:great|helpful|"
    r"perfect|good|help|work)|that works|works for me|(?:tuesday|monday|wednesday|thursday|"
    r"friday|mornings?|afternoons?) (?:works|is good|would work)|let's do (?:it|that)|go ahead|"
    r"ok(?:ay)?\b|good idea|love (?:that|to)|i'd (?:love|like) that|would love|that'd help|"
    r"happy to|fine by me|deal|go for it|i'd appreciate (?:that|it)|that'd be (?:great|helpful|perfect)|"
    r"that sounds (?:good|great|perfect)|works|good call|cool|alright|all right|exactly|correct|"
    r"that's (?:right|correct)|right\b|indeed|precisely|she (?:does|will|would)|he (?:does|will|would)|"
    r"they (?:do|will|would)|we (?:are|do|will|would)|it is)"
)
_DECLINE = re.compile(
    r"^\W*(?:no\b|nope|not (?:yet|now|right now|just yet|at this (?:point|stage)|really|"
    r"necessary|needed)|too (?:early|soon)|maybe (?:later|not|down the line)|later|"
    r"hold off|let's (?:wait|hold)|no need|no thanks|we're (?:good|fine)|i'd rather|"
    r"don't worry|not for now|i don't think|probably not|let me (?:think|check first))"
)


_DECLINE_ANYWHERE = re.compile(
    r"\b(?:hold off|not yet|too (?:early|soon)|no need|not needed|not necessary|let's wait|"
    r"maybe later|not right now|not now|not today|some other time|another time|"
    r"not at this (?:point|stage)|no thanks|not for now|premature|"
    r"i don't think (?:that's|we need|it's|so)|let's not|rather not|not just yet|wait until|"
    r"(?:let me|i'll|i will|i need to|we'll|we need to) think about it|we'll see)\b"
)


def reply_kind(text_low: str) -> str:
    """'accept', 'decline' or 'unclear' for the first words of a reply."""
    first = sentences(text_low)
    head = first[0].low if first else text_low
    if _DECLINE.match(text_low) or _DECLINE_ANYWHERE.search(head[:80]):
        return "decline"
    if _ACCEPT.match(text_low):
        return "accept"
    return "unclear"
