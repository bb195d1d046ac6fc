"""Speaker attribution: match transcript speaker labels to the people we know.

`attribute_speakers(speakers, people)` maps each label a recorder produced ("Alex",
"A. Rivera", "Sara Chen", "Speaker 2") to at most one known `Person` (the rep, an
attendee, a colleague) by name and email local part. It tolerates shortened names,
nicknames, initials, ASR misspellings, case and diacritics. Anything unsure — merged
labels ("Speaker 1 & 2"), generic labels, two equally good candidates, weak matches —
gets `role=None`: callers must then not guess who owes whom.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Role = Literal["rep", "prospect", "internal"]

MATCH_THRESHOLD = 0.72
AMBIGUITY_MARGIN = 0.08

_NICKNAMES: dict[str, tuple[str, ...]] = {
    "alex": ("alexander", "alexandra", "alexis", "alejandro"),
    "sandy": ("alexandra", "sandra"),
    "sam": ("samuel", "samantha"),
    "jon": ("john", "jonathan"),
    "john": ("jon", "jonathan", "johnny"),
    "johnny": ("john", "jonathan"),
    "jack": ("john", "jackson"),
    "bob": ("robert",),
    "rob": ("robert", "robin"),
    "bobby": ("robert",),
    "bill": ("william",),
    "will": ("william",),
    "liam": ("william",),
    "mike": ("michael",),
    "mick": ("michael",),
    "liz": ("elizabeth",),
    "beth": ("elizabeth", "bethany"),
    "betty": ("elizabeth",),
    "kate": ("katherine", "catherine", "kathryn"),
    "katie": ("katherine", "catherine", "kathryn"),
    "cathy": ("catherine",),
    "tom": ("thomas",),
    "jim": ("james",),
    "jimmy": ("james",),
    "jamie": ("james",),
    "chris": ("christopher", "christine", "christina"),
    "dave": ("david",),
    "matt": ("matthew",),
    "dan": ("daniel",),
    "danny": ("daniel",),
    "ben": ("benjamin",),
    "nick": ("nicholas",),
    "tony": ("anthony",),
    "andy": ("andrew",),
    "drew": ("andrew",),
    "steve": ("steven", "stephen"),
    "joe": ("joseph",),
    "greg": ("gregory",),
    "jen": ("jennifer",),
    "jenny": ("jennifer",),
    "jess": ("jessica",),
    "meg": ("megan", "margaret"),
    "maggie": ("margaret",),
    "peggy": ("margaret",),
    "pat": ("patrick", "patricia"),
    "rick": ("richard",),
    "dick": ("richard",),
    "rich": ("richard",),
    "ed": ("edward",),
    "ted": ("edward", "theodore"),
    "fred": ("frederick",),
    "larry": ("lawrence",),
    "ron": ("ronald",),
    "don": ("donald",),
    "ken": ("kenneth",),
    "vicky": ("victoria",),
    "abby": ("abigail",),
    "nate": ("nathan", "nathaniel"),
    "zach": ("zachary",),
    "charlie": ("charles", "charlotte"),
    "chuck": ("charles",),
    "sue": ("susan", "suzanne"),
    "debbie": ("deborah",),
    "tim": ("timothy",),
    "josh": ("joshua",),
    "max": ("maximilian", "maxwell"),
    "ollie": ("oliver", "olivia"),
    "becky": ("rebecca",),
}

_GENERIC = re.compile(
    r"^(speaker|participant|unknown|guest|user|caller|person|attendee|spk|s)\s*\d*$"
)
_MERGED = re.compile(r"\s(&|and|\+|/)\s|[&+/]|,")


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str | None
    role: Role


@dataclass(frozen=True)
class Attribution:
    speaker: str
    role: Role | None
    person: Person | None
    confidence: float


_TRANSLITERATE = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "İ": "i",
    }
)


def fold(text: str) -> str:
    """Lower-case, strip diacritics, keep letters, digits and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^a-z0-9]+", " ", ascii_only.lower())
    return cleaned.strip()


_LAST_FIRST = re.compile(r"^\s*([^\W\d_][\w'-]*)\s*,\s*([^\W\d_][\w'.-]*)\s*$")


def _unswap(label: str) -> str:
    """'Rivera, Alex' -> 'Alex Rivera' (one comma between two single words)."""
    m = _LAST_FIRST.match(re.sub(r"\([^)]*\)", " ", label))
    return f"{m.group(2)} {m.group(1)}" if m else label


def _label_tokens(label: str) -> list[str]:
    # "A.Rivera" -> ["a", "rivera"]; drop parenthesised companies: "Alex (Sixty)".
    label = re.sub(r"\([^)]*\)", " ", _unswap(label))
    return fold(label.replace(".", " ")).split()


def _person_token_sets(person: Person) -> list[list[str]]:
    variants: list[list[str]] = []
    if person.name:
        tokens = fold(person.name.replace(".", " ")).split()
        if tokens:
            variants.append(tokens)
    if person.email and "@" in person.email:
        local = person.email.split("@", 1)[0].split("+", 1)[0]
        tokens = fold(" ".join(re.split(r"[._\-]+", local))).split()
        if tokens:
            variants.append(tokens)
    return variants


def _token_similarity(a: str, b: str) -> float:
    """How well one label token `a` stands for a name token `b`."""
    if a == b:
        return 1.0
    if len(a) == 1:
        return 0.8 if b.startswith(a) else 0.0
    if len(b) == 1:
        return 0.6 if a.startswith(b) else 0.0
    if b in _NICKNAMES.get(a, ()) or a in _NICKNAMES.get(b, ()):
        return 0.9
    if len(a) >= 3 and b.startswith(a):
        return 0.85
    if len(b) >= 3 and a.startswith(b):
        return 0.75
    ratio = SequenceMatcher(None, a, b).ratio()
    if ratio >= 0.8 and a[0] == b[0]:
        return 0.7 + 0.25 * (ratio - 0.8) / 0.2
    return 0.0


def _initials_score(label: str, tokens: list[str]) -> float:
    """'AR' / 'a.r.' against Alex Rivera."""
    compact = re.sub(r"[^a-z]", "", fold(label))
    if 2 <= len(compact) <= 3 and len(tokens) >= 2:
        if compact == "".join(t[0] for t in tokens):
            return 0.8
    return 0.0


def _score(label_tokens: list[str], label: str, name_tokens: list[str]) -> float:
    if not label_tokens or not name_tokens:
        return 0.0
    if label_tokens == name_tokens:
        return 1.0
    initials = _initials_score(label, name_tokens) if len(label_tokens) == 1 else 0.0
    if len(label_tokens) > len(name_tokens) + 1:
        return initials
    # Align label tokens to name tokens in order (first names first, surnames last).
    used: set[int] = set()
    total = 0.0
    for lt in label_tokens:
        best, best_j = 0.0, -1
        for j, nt in enumerate(name_tokens):
            if j in used:
                continue
            s = _token_similarity(lt, nt)
            if s > best:
                best, best_j = s, j
        if best_j < 0:
            return initials
        used.add(best_j)
        total += best
    score = total / len(label_tokens)
    # A single first name ("Alex") is weaker evidence than a full name.
    if len(label_tokens) == 1 and len(name_tokens) > 1:
        score *= 0.92 if 0 in used else 0.85
        if len(label_tokens[0]) == 1:
            score = min(score, 0.5)
    return max(score, initials)


def _is_unattributable(label: str) -> bool:
    folded = fold(label)
    if not folded:
        return True
    if _GENERIC.match(folded):
        return True
    return bool(_MERGED.search(re.sub(r"\([^)]*\)", " ", _unswap(label))))


def match_score(label: str, person: Person) -> float:
    """Similarity in [0, 1] between a speaker label and a person (best of name and email)."""
    if _is_unattributable(label):
        return 0.0
    tokens = _label_tokens(label)
    best = 0.0
    for variant in _person_token_sets(person):
        best = max(best, _score(tokens, label, variant))
    if person.email and fold(label).replace(" ", "") == fold(person.email).replace(" ", ""):
        best = 1.0
    return best


def attribute_speakers(speakers: list[str], people: list[Person]) -> dict[str, Attribution]:
    """Map each distinct speaker label to one person (or to nobody when unsure)."""
    result: dict[str, Attribution] = {}
    for label in speakers:
        if label in result:
            continue
        scored = sorted(
            ((match_score(label, p), i) for i, p in enumerate(people)),
            key=lambda pair: (-pair[0], pair[1]),
        )
        if not scored or scored[0][0] < MATCH_THRESHOLD:
            result[label] = Attribution(label, None, None, 0.0)
            continue
        best, best_i = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best - runner_up < AMBIGUITY_MARGIN and people[scored[1][1]] != people[best_i]:
            result[label] = Attribution(label, None, None, 0.0)
            continue
        person = people[best_i]
        confidence = round(min(1.0, best) * (1.0 - 0.3 * runner_up * (best < 1.0)), 3)
        result[label] = Attribution(label, person.role, person, max(confidence, 0.0))
    return result
