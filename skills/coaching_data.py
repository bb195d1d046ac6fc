"""The coaching skill's patterns as reviewed data: loads and validates `coaching_patterns/*.yaml`.

Five files: `questions.yaml` (openers with their kind, discourse markers, look-alike
negatives), `topics.yaml` (discovery topics with an open form to try, logistics that veto
discovery), `objections.yaml` (cues per objection type, look-alikes, acknowledgements),
`fillers.yaml` and `call_types.yaml` (cues and the norms per call type, with sources). A
mistake (unknown key or type, duplicate id, a pattern that does not compile, missing
examples) raises `PatternFileError` naming the file and the entry id. Read once, cached.
Pure apart from reading those files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PATTERNS_DIR = Path(__file__).resolve().parent / "coaching_patterns"
OBJECTION_TYPES = ("price", "timing", "competitor", "authority", "need", "trust")
QUESTION_KINDS = ("open", "closed")
CALL_TYPES = ("discovery", "demo", "negotiation", "check_in")
_ENTRY_KEYS = frozenset({"id", "pattern", "examples", "kind", "type", "try"})
_NORM_KEYS = frozenset(
    {
        "talk_ratio_rep",
        "monologue_max_s",
        "questions",
        "open_questions_min",
        "story_target_s",
        "sources",
    }
)


class PatternFileError(ValueError):
    """A coaching pattern file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True, slots=True)
class Examples:
    match: tuple[str, ...]
    no_match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One pattern: `tag` is its kind, objection type or topic try-line ("" when none)."""

    id: str
    pattern: re.Pattern[str]
    examples: Examples
    tag: str = ""
    try_line: str = ""


@dataclass(frozen=True, slots=True)
class Norms:
    """What is usual for one call type; `sources` cite where each number comes from."""

    talk_ratio_rep: tuple[float, float]
    monologue_max_s: float | None
    questions: tuple[int, int] | None
    open_questions_min: int | None
    story_target_s: float | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CallTypeCues:
    name: str
    cues: tuple[re.Pattern[str], ...]
    examples: Examples
    norms: Norms


@dataclass(frozen=True, slots=True)
class CoachingPatterns:
    markers: str
    openers: tuple[Entry, ...]
    question_negatives: tuple[Entry, ...]
    topics: tuple[Entry, ...]
    logistics: tuple[Entry, ...]
    objections: tuple[Entry, ...]
    objection_lookalikes: tuple[Entry, ...]
    acknowledge: tuple[Entry, ...]
    fillers: tuple[Entry, ...]
    call_types: tuple[CallTypeCues, ...]


def _compile(src: Any, where: str) -> re.Pattern[str]:
    if not isinstance(src, str) or not src:
        raise PatternFileError(f"{where}: pattern must be a non-empty string")
    try:
        return re.compile(src)
    except re.error as exc:
        raise PatternFileError(f"{where}: pattern does not compile: {exc}") from None


def _examples(raw: Any, where: str) -> Examples:
    if not isinstance(raw, dict) or set(raw) - {"match", "no_match"}:
        raise PatternFileError(f"{where}: examples must be a mapping of match / no_match")
    match, no_match = raw.get("match") or [], raw.get("no_match") or []
    if not match or not all(isinstance(t, str) for t in (*match, *no_match)):
        raise PatternFileError(f"{where}: needs at least one `match` example, all strings")
    return Examples(tuple(match), tuple(no_match))


def _entries(
    raw: Any, path: Path, section: str, tag_key: str | None = None, tags: tuple[str, ...] = ()
) -> tuple[Entry, ...]:
    if not isinstance(raw, list) or not raw:
        raise PatternFileError(f"{path.name}: `{section}` must be a non-empty list")
    out: list[Entry] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"{path.name}: {section} entry {ident or f'#{i}'!s}"
        if not isinstance(item, dict) or not isinstance(ident, str):
            raise PatternFileError(f"{where}: must be a mapping with a string `id`")
        unknown = set(item) - _ENTRY_KEYS
        if unknown:
            raise PatternFileError(f"{where}: unknown keys {sorted(unknown)}")
        if ident in seen:
            raise PatternFileError(f"{where}: duplicate id")
        seen.add(ident)
        tag = ""
        if tag_key is not None:
            tag = item.get(tag_key, "")
            if tag not in tags:
                raise PatternFileError(f"{where}: {tag_key} must be one of {', '.join(tags)}")
        try_line = item.get("try", "")
        if not isinstance(try_line, str):
            raise PatternFileError(f"{where}: try must be a string")
        out.append(
            Entry(
                ident,
                _compile(item.get("pattern"), where),
                _examples(item.get("examples"), where),
                str(tag),
                try_line,
            )
        )
    return tuple(out)


def _load(directory: Path, name: str) -> tuple[Path, dict[str, Any]]:
    path = directory / name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PatternFileError(f"{path.name}: cannot be read as YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PatternFileError(f"{path.name}: expected a mapping at the top")
    return path, raw


def _norms(raw: Any, where: str) -> Norms:
    if not isinstance(raw, dict) or set(raw) - _NORM_KEYS:
        raise PatternFileError(f"{where}: norms must be a mapping of {sorted(_NORM_KEYS)}")
    ratio = raw.get("talk_ratio_rep")
    if not (isinstance(ratio, list) and len(ratio) == 2 and 0 <= ratio[0] <= ratio[1] <= 1):
        raise PatternFileError(f"{where}: norms.talk_ratio_rep must be [low, high] in 0..1")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        raise PatternFileError(f"{where}: norms.sources must cite at least one source")
    questions = raw.get("questions")
    return Norms(
        (float(ratio[0]), float(ratio[1])),
        raw.get("monologue_max_s"),
        (int(questions[0]), int(questions[1])) if questions else None,
        raw.get("open_questions_min"),
        raw.get("story_target_s"),
        tuple(str(s) for s in sources),
    )


def _call_types(raw: Any, path: Path) -> tuple[CallTypeCues, ...]:
    if not isinstance(raw, dict) or set(raw) != set(CALL_TYPES):
        raise PatternFileError(f"{path.name}: call_types must name exactly {', '.join(CALL_TYPES)}")
    out = []
    for name in CALL_TYPES:
        entry, where = raw[name], f"{path.name}: call type {name}"
        if not isinstance(entry, dict) or set(entry) - {"cues", "examples", "norms"}:
            raise PatternFileError(f"{where}: expected cues, examples, norms")
        cues = tuple(_compile(c, f"{where} cue {i}") for i, c in enumerate(entry.get("cues") or []))
        if not cues:
            raise PatternFileError(f"{where}: needs at least one cue")
        out.append(
            CallTypeCues(
                name,
                cues,
                _examples(entry.get("examples"), where),
                _norms(entry.get("norms"), where),
            )
        )
    return tuple(out)


@cache
def patterns() -> CoachingPatterns:
    """All coaching patterns, validated; raises `PatternFileError` on a bad file."""
    return load_patterns(PATTERNS_DIR)


def load_patterns(directory: Path) -> CoachingPatterns:
    """The five pattern files in `directory`, validated (not cached)."""
    qpath, q = _load(directory, "questions.yaml")
    tpath, t = _load(directory, "topics.yaml")
    opath, o = _load(directory, "objections.yaml")
    fpath, f = _load(directory, "fillers.yaml")
    cpath, c = _load(directory, "call_types.yaml")
    markers = q.get("markers")
    _compile(markers, f"{qpath.name}: markers")
    return CoachingPatterns(
        markers=str(markers),
        openers=_entries(q.get("openers"), qpath, "openers", "kind", QUESTION_KINDS),
        question_negatives=_entries(q.get("negatives"), qpath, "negatives"),
        topics=_entries(t.get("topics"), tpath, "topics"),
        logistics=_entries(t.get("logistics"), tpath, "logistics"),
        objections=_entries(o.get("objections"), opath, "objections", "type", OBJECTION_TYPES),
        objection_lookalikes=_entries(o.get("lookalikes"), opath, "lookalikes"),
        acknowledge=_entries(o.get("acknowledge"), opath, "acknowledge"),
        fillers=_entries(f.get("fillers"), fpath, "fillers"),
        call_types=_call_types(c.get("call_types"), cpath),
    )
