"""Which documents of the content library a request names ("send me your SOC 2 report and a case
study from a bank") — and which requests name nothing the library holds.

`requested_items(text)` finds the things asked for (the content nouns of the intent detector's
reviewed patterns, with the words that qualify them: "security whitepaper", "SOC 2 report");
`match_assets(item, assets)` scores each asset by the request's words found in its title and
tags, after mapping synonyms onto one form ("soc2", "SOC II" → "soc 2"; "pen test" →
"penetration test"). A request that matches no asset is reported as such: a made-up asset is
never offered. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from skills.nlu import intent_patterns as rules
from skills.proposal_types import ContentAsset

# Spellings of one thing mapped to one form before words are compared.
SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"\bsoc ?(?:2|ii|two)\b", "soc2"),
    (r"\bpen(?:etration)?[ -]?test(?:ing)?\b", "pentest"),
    (r"\bwhite ?papers?\b", "whitepaper"),
    (r"\bone[ -]?pagers?\b", "onepager"),
    (r"\bdata ?sheets?\b", "datasheet"),
    (r"\bslides?\b|\bslide deck\b|\bdecks?\b|\bpresentation\b", "deck"),
    (r"\bdata processing (?:agreement|addendum)\b|\bdpa\b", "dpa"),
    (r"\bcase stud(?:y|ies)\b|\bcustomer stor(?:y|ies)\b|\bsuccess stor(?:y|ies)\b", "casestudy"),
    (r"\bsecurity (?:overview|pack|questionnaire)\b", "security"),
    (r"\breturn on investment\b|\broi\b", "roi"),
    (r"\bgdpr\b", "gdpr"),
    (r"\biso ?27001\b", "iso27001"),
)
_SYNONYMS = tuple((re.compile(p), form) for p, form in SYNONYMS)
# Words that say nothing about which document: "send me the report" alone matches no asset.
GENERIC = frozenset(
    "a an the our your my some any of for from on about with and or to me us you it that this "
    "report reports document documents doc docs file files pdf copy link info information "
    "material materials thing stuff something one please send share".split()
)
_WORD = re.compile(r"[a-z0-9]+")
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Match:
    asset: ContentAsset
    score: float  # the share of the request's telling words the asset has
    words: tuple[str, ...]  # those words


@dataclass(frozen=True)
class RequestResult:
    request: str  # the words of the request, as said
    matches: tuple[Match, ...]  # best first; empty when the library holds nothing for it


def normalise(text: str) -> str:
    low = text.lower()
    for pattern, form in _SYNONYMS:
        low = pattern.sub(form, low)
    return low


def telling_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalise(text)) if w not in GENERIC and len(w) > 1}


# Words before a content noun that do not qualify it ("can I get the ...", "our legal team needs").
NOT_QUALIFIERS = GENERIC | frozenset(
    "have has had get got need needs want wants send sent share see give forward email would could "
    "can do does did i we they he she team also too just love like latest recent current new "
    "updated over across along then so but".split()
)


def requested_items(text: str) -> list[str]:
    """The things a sentence asks for, each with the words that qualify it ("security
    whitepaper", "soc 2 report"), in order, once each."""
    low = text.lower()
    spans: list[list[int]] = []
    for m in rules.CONTENT_RE.finditer(low):
        if spans and re.fullmatch(r"[\s-]*", low[spans[-1][1] : m.start()]):
            spans[-1][1] = m.end()  # "soc 2" + "report": one item
        else:
            spans.append([m.start(), m.end()])
    out: dict[str, None] = {}
    for start, end in spans:
        before = re.findall(r"[\w-]+", low[max(0, start - 40) : start])[-3:]
        qualifiers: list[str] = []
        for w in reversed(before):
            if w in NOT_QUALIFIERS:
                break
            qualifiers.insert(0, w)
        out.setdefault(" ".join([*qualifiers, low[start:end]]), None)
    return list(out)


def match_assets(request: str, assets: Sequence[ContentAsset]) -> RequestResult:
    """The assets whose title and tags hold the request's telling words, best first.

    Only words some asset has count ("a case study from a bank" asks for a case study when no
    asset mentions banks); a request none of whose words any asset has matches nothing."""
    vocabulary = [telling_words(" ".join([a.title, *a.tags])) for a in assets]
    known = set().union(*vocabulary) if vocabulary else set()
    wanted = telling_words(request) & known
    found: list[Match] = []
    if wanted:
        for asset, have in zip(assets, vocabulary, strict=True):
            common = wanted & have
            score = len(common) / len(wanted)
            if score >= MIN_SCORE:
                found.append(Match(asset, round(score, 3), tuple(sorted(common))))
    found.sort(key=lambda m: (-m.score, m.asset.title))
    return RequestResult(request, tuple(found))


def best(result: RequestResult) -> list[ContentAsset]:
    """The assets to offer for one request: those with the best score."""
    if not result.matches:
        return []
    top = result.matches[0].score
    return [m.asset for m in result.matches if m.score == top]


def match_requests(text: str, assets: Sequence[ContentAsset]) -> list[RequestResult]:
    """Every request in `text` with its matches (the best asset per request first)."""
    return [match_assets(item, assets) for item in requested_items(text)]
