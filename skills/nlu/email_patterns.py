"""The email classifier's patterns as reviewed data: loads, validates and compiles them.

Three files beside this module, read once at import with `yaml.safe_load`:
`patterns/email_fragments.yaml` (shared pieces a pattern writes as `{NAME}`),
`patterns/email_cues.yaml` (one entry per cue: id, category, weight, flags, pattern,
examples) and `patterns/email_context.yaml` (the regexes read around a cue: negation,
conditions, how a sentence asks, subjects, senders, footers, named referrals). A mistake in
them (an unknown key, category or fragment, a duplicate id, a pattern that does not compile)
raises `PatternError` naming the file and the entry. Owns the literal pre-filter (`anchors`)
that lets a cue skip texts that cannot match.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import yaml

from skills.vocabulary import EMAIL_CATEGORIES, EmailCategory

PATTERNS_DIR: Final = Path(__file__).resolve().parent / "patterns"
FRAGMENTS_FILE: Final = PATTERNS_DIR / "email_fragments.yaml"
CUES_FILE: Final = PATTERNS_DIR / "email_cues.yaml"
CONTEXT_FILE: Final = PATTERNS_DIR / "email_context.yaml"

_SAFE_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRAGMENT_REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_CUE_KEYS = frozenset(
    {"id", "note", "category", "weight", "negatable", "conditional_skip", "pattern", "examples"}
)
_CONTEXT_KEYS = frozenset(
    {"id", "meaning", "category", "on_original", "ignorecase", "pattern", "examples"}
)
_FRAGMENT_KEYS = frozenset({"meaning", "alt", "regex"})


class PatternError(ValueError):
    """A pattern file that cannot be used as it is; the message names the file and entry."""


@dataclass(frozen=True, slots=True)
class Examples:
    """Texts the pattern must find (`match`) and near misses it must not (`no_match`)."""

    match: tuple[str, ...]
    no_match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cue:
    """One cue: a pattern that, found in the new text, is evidence for `category`."""

    category: EmailCategory
    pattern: re.Pattern[str]
    weight: float
    negatable: bool = True
    conditional_skip: bool = False
    # literal strings one of which must occur for the pattern to match (None: always run)
    anchors: tuple[str, ...] | None = None
    id: str = ""
    examples: Examples = Examples((), ())


@dataclass(frozen=True, slots=True)
class ContextPattern:
    """A regex read around the cues; `on_original`: matched against the original case."""

    id: str
    pattern: re.Pattern[str]
    meaning: str
    on_original: bool = False
    category: EmailCategory | None = None
    examples: Examples = Examples((), ())


def _split_top(src: str, sep: str = "|") -> list[str]:
    """Split a regex source on `sep` outside groups and character classes."""
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(src[start:i])
            start = i + 1
        i += 1
    parts.append(src[start:])
    return parts


def _literal_prefix(src: str) -> str:
    m = re.match(r"[a-z0-9 ']+", src)
    if not m:
        return ""
    lit = m.group(0)
    if src[len(lit) : len(lit) + 1] in ("?", "*", "{"):
        lit = lit[:-1]  # the last character is optional
    return lit if len(lit.strip()) >= 2 else ""


def anchors(src: str) -> tuple[str, ...] | None:
    """Literals one of which every match must contain, read conservatively from the source;
    None when the pattern is not simple enough to be sure."""
    branches = _split_top(src)
    if len(branches) > 1:
        found: list[str] = []
        for branch in branches:
            sub = anchors(branch)
            if sub is None:
                return None
            found.extend(sub)
        return tuple(found)
    rest = src.removeprefix("\\b")
    if rest.startswith("("):
        depth, end = 0, 0
        while end < len(rest):
            depth += rest[end] == "("
            depth -= rest[end] == ")"
            if depth == 0:
                break
            end += 1
        inner, after = rest[1:end], rest[end + 1 :]
        if after[:1] in ("?", "*", "{") or inner.startswith("?") or "\\" in inner:
            return None
        alternatives = [_literal_prefix(a) for a in _split_top(inner)]
        return tuple(alternatives) if all(alternatives) else None
    lit = _literal_prefix(rest)
    return (lit,) if lit else None


# ---------------------------------------------------------------- reading and checking


def _read(path: Path, top: str) -> Any:
    try:
        # the C build of the safe loader when there is one: same result, several times faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise PatternError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or top not in data:
        raise PatternError(f"{path.name}: expected a mapping with a top-level '{top}:' key")
    return data[top]


def _fail(path: Path, entry: str, problem: str) -> PatternError:
    return PatternError(f"{path.name}: entry '{entry}': {problem}")


def _flag(path: Path, entry: str, raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _fail(path, entry, f"'{key}' must be true or false, not {value!r}")
    return value


def _category(path: Path, entry: str, value: Any) -> EmailCategory:
    if value not in EMAIL_CATEGORIES:
        raise _fail(
            path, entry, f"unknown category {value!r} (one of {', '.join(EMAIL_CATEGORIES)})"
        )
    return cast(EmailCategory, value)


def _expand(path: Path, entry: str, source: Any, fragments: dict[str, str]) -> str:
    if not isinstance(source, str) or not source:
        raise _fail(path, entry, "'pattern' must be a non-empty string")

    def fragment(m: re.Match[str]) -> str:
        if m.group(1) not in fragments:
            raise _fail(path, entry, f"unknown fragment {{{m.group(1)}}}")
        return fragments[m.group(1)]

    return _FRAGMENT_REF.sub(fragment, source)


def _compile(path: Path, entry: str, source: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise _fail(path, entry, f"pattern does not compile: {exc}") from exc


def _examples(path: Path, entry: str, raw: Any) -> Examples:
    if not isinstance(raw, dict) or set(raw) - {"match", "no_match"}:
        raise _fail(path, entry, "'examples' must be a mapping with 'match' and 'no_match'")
    lists: list[tuple[str, ...]] = []
    for key in ("match", "no_match"):
        items = raw.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise _fail(path, entry, f"examples.{key} must be a non-empty list of strings")
        lists.append(tuple(items))
    return Examples(lists[0], lists[1])


def _entries(path: Path, items: Any, allowed: frozenset[str]) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(items, list):
        raise PatternError(f"{path.name}: expected a list of entries")
    seen: set[str] = set()
    out: list[tuple[str, dict[str, Any]]] = []
    for n, raw in enumerate(items):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise PatternError(f"{path.name}: entry #{n + 1} has no 'id'")
        entry = raw["id"]
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise _fail(path, entry, f"unknown key(s) {', '.join(unknown)}")
        if entry in seen:
            raise _fail(path, entry, "duplicate id")
        seen.add(entry)
        out.append((entry, raw))
    return out


def load_fragments(path: Path = FRAGMENTS_FILE) -> dict[str, str]:
    """Fragment name -> regex text (`alt:` lists become `(?:a|b|c)`)."""
    items = _read(path, "fragments")
    if not isinstance(items, dict):
        raise PatternError(f"{path.name}: 'fragments' must map names to entries")
    out: dict[str, str] = {}
    for name, raw in items.items():
        if not isinstance(raw, dict):
            raise _fail(path, str(name), "must be a mapping with 'meaning' and 'alt' or 'regex'")
        unknown = sorted(set(raw) - _FRAGMENT_KEYS)
        if unknown:
            raise _fail(path, str(name), f"unknown key(s) {', '.join(unknown)}")
        if not _FRAGMENT_REF.fullmatch("{" + str(name) + "}"):
            raise _fail(path, str(name), "a fragment name is upper case (A-Z, 0-9, _)")
        if ("alt" in raw) == ("regex" in raw):
            raise _fail(path, str(name), "needs exactly one of 'alt' or 'regex'")
        alt = raw.get("alt")
        if alt is not None:
            if not isinstance(alt, list) or not alt or not all(isinstance(a, str) for a in alt):
                raise _fail(path, str(name), "'alt' must be a non-empty list of strings")
            text = "(?:" + "|".join(alt) + ")"
        else:
            text = raw["regex"]
            if not isinstance(text, str) or not text:
                raise _fail(path, str(name), "'regex' must be a non-empty string")
        _compile(path, str(name), text)
        out[str(name)] = text
    return out


def load_cues(path: Path = CUES_FILE, fragments: dict[str, str] | None = None) -> tuple[Cue, ...]:
    """The cues in file order (the order they are tried in)."""
    fragments = load_fragments() if fragments is None else fragments
    cues: list[Cue] = []
    for entry, raw in _entries(path, _read(path, "cues"), _CUE_KEYS):
        category = _category(path, entry, raw.get("category"))
        weight = raw.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise _fail(path, entry, f"'weight' must be a number in (0, 1], not {weight!r}")
        source = _expand(path, entry, raw.get("pattern"), fragments)
        cues.append(
            Cue(
                category,
                _compile(path, entry, source),
                float(weight),
                negatable=_flag(path, entry, raw, "negatable", True),
                conditional_skip=_flag(path, entry, raw, "conditional_skip", False),
                anchors=anchors(source),
                id=entry,
                examples=_examples(path, entry, raw.get("examples")),
            )
        )
    return tuple(cues)


def load_context(
    path: Path = CONTEXT_FILE, fragments: dict[str, str] | None = None
) -> dict[str, ContextPattern]:
    """Context id -> pattern, in file order."""
    fragments = load_fragments() if fragments is None else fragments
    out: dict[str, ContextPattern] = {}
    for entry, raw in _entries(path, _read(path, "context"), _CONTEXT_KEYS):
        meaning = raw.get("meaning")
        if not isinstance(meaning, str) or not meaning:
            raise _fail(path, entry, "'meaning' must be a non-empty string")
        category = None if "category" not in raw else _category(path, entry, raw["category"])
        flags = re.IGNORECASE if _flag(path, entry, raw, "ignorecase", False) else 0
        source = _expand(path, entry, raw.get("pattern"), fragments)
        out[entry] = ContextPattern(
            entry,
            _compile(path, entry, source, flags),
            meaning,
            on_original=_flag(path, entry, raw, "on_original", False),
            category=category,
            examples=_examples(path, entry, raw.get("examples")),
        )
    return out


_started = time.perf_counter()
FRAGMENTS: Final[dict[str, str]] = load_fragments()
CUES: Final[tuple[Cue, ...]] = load_cues(fragments=FRAGMENTS)
CONTEXT: Final[dict[str, ContextPattern]] = load_context(fragments=FRAGMENTS)
LOAD_SECONDS: Final[float] = time.perf_counter() - _started


def context(entry: str) -> re.Pattern[str]:
    """The compiled context pattern `entry` of email_context.yaml."""
    return CONTEXT[entry].pattern


def subject_cues() -> list[tuple[EmailCategory, re.Pattern[str]]]:
    """The subject cues (context entries with a category), in file order."""
    return [(c.category, c.pattern) for c in CONTEXT.values() if c.category is not None]
