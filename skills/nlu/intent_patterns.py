"""Loads the intent detector's patterns from YAML: fragments, frames, context regexes, gates.

`patterns/intent_fragments.yaml` names regex fragments (`alt:` word lists joined longest
first, `regex:` text with `{NAME}` references, `{NAME:arg}` filling a fragment's `{ARG}`,
`{LEXICON:x}` / `{LEXICON_RE:x}` for `skills.lexicons`); `patterns/intents.yaml` holds one
frame per entry; `patterns/intent_context.yaml` the context regexes and per-label gates.
Everything is validated and compiled once, at import: a bad entry fails naming its file and id.
`skills.intents` and its modules `skills.nlu.intent_*` read the names below
(`from skills.nlu import intent_patterns as rules`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from skills.lexicons import lexicon
from skills.vocabulary import INTENT_LABELS

Side = Literal["rep", "prospect", "any"]
SIDES: tuple[str, ...] = ("rep", "prospect", "any")
PATTERN_DIR = Path(__file__).parent / "patterns"


class Mode(StrEnum):
    """How a frame's match is read by `skills.intents`."""

    COMMIT = "commit"  # first-person future: a promise
    OFFER = "offer"  # can/could: wants the other party's acceptance
    ASK = "ask"  # a question proposing something: the reply decides
    STATE = "state"  # a present-tense statement
    NEGATIVE_OK = "negative_ok"  # negation is part of the frame and must not cancel it
    TIMELINE = "timeline"
    BUDGET_OK = "budget_ok"
    PAST_OK = "past_ok"  # a past-tense statement still holds ("finance signed off")
    READY = "ready"
    STAKE = "stake"
    STAKE_WEAK = "stake_weak"
    STAKE_IT = "stake_it"
    STAKE_PRONOUN = "stake_pronoun"
    STAKE_NAMED = "stake_named"
    COMPETITOR = "competitor"
    COMPETITOR_NAMED = "competitor_named"
    COMPETITOR_GENERIC = "competitor_generic"
    COMPETITOR_Q = "competitor_q"
    REPLY_CONTENT = "reply_content"


@dataclass(frozen=True)
class Frame:
    """One pattern for one label: who may say it and how strong it is on its own."""

    label: str
    side: Side
    pattern: re.Pattern[str]
    prior: float
    # a Mode; typed `str` because skills.nlu.intent_readings re-reads it ("commit" asked -> "ask")
    mode: str = Mode.STATE
    id: str = ""


class PatternDataError(ValueError):
    """A pattern file breaks the schema; the message names the file and the entry."""


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_REF = re.compile(r"\{([A-Z_][A-Z0-9_]*)(?::([^{}]*))?\}")
_FRAGMENT_KEYS = {"alt", "regex", "include"}
_FRAME_KEYS = {"id", "label", "side", "mode", "prior", "pattern", "examples"}
_FRAME_REQUIRED = _FRAME_KEYS - {"examples"}
_CONTEXT_KEYS = {"id", "pattern", "meaning", "examples", "use"}
# How a context pattern is applied (its examples are tested the same way): `search` the
# cleaned utterance; `match` at a point; `prefix`: search text cut where a cue ends (spaces kept).
USES = ("search", "match", "prefix")
_EXAMPLE_KEYS = {"match", "no_match"}


def _read(path: Path) -> dict[str, Any]:
    # the safe loader, in C when libyaml is there (it halves the import time)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    if not isinstance(data, dict):
        raise PatternDataError(f"{path.name}: expected a mapping at the top")
    return data


def _text(value: Any, where: str) -> str:
    """A regex written as one string or as a list of pieces joined with nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise PatternDataError(f"{where}: a pattern is a string or a list of strings")


class Fragments:
    """The named fragments of one file, expanded on demand (references, lexicons, arguments)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = _read(path).get("fragments")
        if not isinstance(raw, dict):
            raise PatternDataError(f"{path.name}: no `fragments:` mapping")
        self.raw: dict[str, dict[str, Any]] = {}
        for name, entry in raw.items():
            where = f"{path.name}: fragment {name}"
            if not isinstance(entry, dict) or not entry.keys() & {"alt", "regex"}:
                raise PatternDataError(f"{where}: needs `alt:` or `regex:`")
            if unknown := entry.keys() - _FRAGMENT_KEYS:
                raise PatternDataError(f"{where}: unknown keys {sorted(unknown)}")
            self.raw[name] = entry
        self._done: dict[str, str] = {}
        # every fragment but the parameterised ones (`{ARG}`), expanded
        self.values = {
            name: self.get(name)
            for name, entry in self.raw.items()
            if "{ARG}" not in _text(entry.get("regex", ""), name)
        }

    def words(self, name: str, where: str) -> list[str]:
        entry = self.raw.get(name)
        if entry is None or "alt" not in entry:
            raise PatternDataError(f"{where}: unknown alt fragment {name}")
        head = [w for inc in entry.get("include", []) for w in self.words(inc, where)]
        return head + [str(w) for w in entry["alt"]]

    def get(
        self, name: str, arg: str | None = None, where: str = "", seen: tuple[str, ...] = ()
    ) -> str:
        key = name if arg is None else f"{name}:{arg}"
        if key in self._done:
            return self._done[key]
        if name not in self.raw:
            raise PatternDataError(
                f"{where or self.path.name}: unknown fragment reference {{{key}}}"
            )
        if name in seen:
            raise PatternDataError(f"{self.path.name}: fragment {name} refers to itself")
        entry, here = self.raw[name], f"{self.path.name}: fragment {name}"
        if "alt" in entry:
            words = self.words(name, here)
            text = "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"
        else:
            text = _text(entry["regex"], here)
        if arg is not None:
            text = text.replace("{ARG}", arg)
        value = self.expand(text, here, (*seen, name))
        self._done[key] = value
        return value

    def expand(self, text: str, where: str, seen: tuple[str, ...] = ()) -> str:
        def one(m: re.Match[str]) -> str:
            name, arg = m.group(1), m.group(2)
            if name in ("LEXICON", "LEXICON_RE"):
                if arg is None:
                    raise PatternDataError(f"{where}: {{{name}}} needs a lexicon name")
                terms = lexicon(arg, regex=name == "LEXICON_RE")
                terms = tuple(terms) if name == "LEXICON_RE" else tuple(re.escape(t) for t in terms)
                return "(?:" + "|".join(sorted(terms, key=len, reverse=True)) + ")"
            return self.get(name, arg, where, seen)

        return _REF.sub(one, text)


def _compile(text: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise PatternDataError(f"{where}: does not compile: {exc}") from exc


def _examples(entry: dict[str, Any], where: str, minimum: int) -> None:
    ex = entry.get("examples")
    if not isinstance(ex, dict) or ex.keys() - _EXAMPLE_KEYS:
        raise PatternDataError(f"{where}: `examples:` must be a mapping of match/no_match")
    for key in ("match", "no_match"):
        if len(ex.get(key) or ()) < minimum:
            raise PatternDataError(f"{where}: needs at least {minimum} examples under {key}")


def load_frames(path: Path, fragments: Fragments) -> tuple[tuple[Frame, ...], dict[str, str]]:
    data = _read(path)
    frames: list[Frame] = []
    seen: set[str] = set()
    for n, entry in enumerate(data.get("frames") or ()):
        fid = entry.get("id", f"#{n}") if isinstance(entry, dict) else f"#{n}"
        where = f"{path.name}: frame {fid}"
        if not isinstance(entry, dict) or (missing := _FRAME_REQUIRED - entry.keys()):
            raise PatternDataError(f"{where}: missing keys {sorted(missing)}")
        if unknown := entry.keys() - _FRAME_KEYS:
            raise PatternDataError(f"{where}: unknown keys {sorted(unknown)}")
        if fid in seen:
            raise PatternDataError(f"{where}: duplicate id")
        seen.add(fid)
        if entry["label"] not in INTENT_LABELS:
            raise PatternDataError(f"{where}: unknown label {entry['label']!r}")
        if entry["side"] not in SIDES:
            raise PatternDataError(f"{where}: side must be one of {SIDES}")
        if entry["mode"] not in Mode.__members__.values():
            raise PatternDataError(f"{where}: unknown mode {entry['mode']!r}")
        _examples(entry, where, 2)
        text = fragments.expand(_text(entry["pattern"], where), where)
        side = cast(Side, entry["side"])
        pattern = _compile(text, where)
        frames.append(
            Frame(entry["label"], side, pattern, float(entry["prior"]), Mode(entry["mode"]), fid)
        )
    events = data.get("events") or {}
    if bad := set(events) - set(INTENT_LABELS):
        raise PatternDataError(f"{path.name}: events for unknown labels {sorted(bad)}")
    return tuple(frames), dict(events)


def load_context(
    path: Path, fragments: Fragments
) -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    data = _read(path)
    context: dict[str, re.Pattern[str]] = {}
    for n, entry in enumerate(data.get("context") or ()):
        cid = entry.get("id", f"#{n}") if isinstance(entry, dict) else f"#{n}"
        where = f"{path.name}: context {cid}"
        if not isinstance(entry, dict) or not {"id", "pattern", "meaning"} <= entry.keys():
            raise PatternDataError(f"{where}: needs id, pattern and meaning")
        if unknown := entry.keys() - _CONTEXT_KEYS:
            raise PatternDataError(f"{where}: unknown keys {sorted(unknown)}")
        if cid in context:
            raise PatternDataError(f"{where}: duplicate id")
        if entry.get("use", "search") not in USES:
            raise PatternDataError(f"{where}: use must be one of {USES}")
        _examples(entry, where, 1)
        context[cid] = _compile(fragments.expand(_text(entry["pattern"], where), where), where)
    gates: dict[str, re.Pattern[str]] = {}
    for label, pattern in (data.get("gates") or {}).items():
        where = f"{path.name}: gate {label}"
        if label not in INTENT_LABELS:
            raise PatternDataError(f"{where}: unknown label")
        gates[label] = _compile(fragments.expand(_text(pattern, where), where), where)
    return context, gates


_FRAGMENTS = Fragments(PATTERN_DIR / "intent_fragments.yaml")
FRAGMENTS: dict[str, str] = _FRAGMENTS.values
FRAMES, EVENTS = load_frames(PATTERN_DIR / "intents.yaml", _FRAGMENTS)
CONTEXT, LABEL_GATES = load_context(PATTERN_DIR / "intent_context.yaml", _FRAGMENTS)
LABELS: tuple[str, ...] = INTENT_LABELS

# Fragments other modules read as text.
VENDOR_RE = FRAGMENTS["VENDOR_RE"]
GENERIC_ALT = FRAGMENTS["GENERIC_ALT"]
PROPOSAL_OBJ = FRAGMENTS["PROPOSAL_OBJ"]
STAKEHOLDER = FRAGMENTS["STAKEHOLDER"]
# Context regexes the intent readings (`skills.nlu.intent_*`) read by name.
STRONG_EVALUATE_RE = CONTEXT["strong_evaluate"]
COMPETITION_CUE_RE = CONTEXT["competition_cue"]
TIME_RE = CONTEXT["time"]
STAKEHOLDER_RE = CONTEXT["stakeholder"]
CONTENT_RE = CONTEXT["content"]
PAST_USE_RE = CONTEXT["past_use"]
PAST_APPROVAL_RE = CONTEXT["past_approval"]
FUTURE_NEED_RE = CONTEXT["future_need"]
CONTENT_OFFER_RE = CONTEXT["content_offer"]
PENDING_RE = CONTEXT["pending"]
HISTORIC_RE = CONTEXT["historic"]
NEEDS_QUESTION_RE = CONTEXT["needs_question"]
REP_REQUEST_RE = CONTEXT["rep_request"]
WILL_DO_RE = CONTEXT["will_do"]
WHO_DECIDES_RE = CONTEXT["who_decides"]
COMPETITOR_QUESTION_RE = CONTEXT["competitor_question"]
CURRENT_TOOLS_QUESTION_RE = CONTEXT["current_tools_question"]
PRONOUN_COMMIT_RE = CONTEXT["pronoun_commit"]
TIMING_QUESTION_RE = CONTEXT["timing_question"]
