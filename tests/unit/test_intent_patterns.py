"""The intent detector's pattern data: every entry's examples, and the loader's validation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skills.nlu import intent_patterns as rules
from skills.nlu.intent_patterns import Fragments, PatternDataError, load_context, load_frames
from skills.text_features import clean, lower_same_length
from skills.vocabulary import INTENT_LABELS

_DIR = rules.PATTERN_DIR


def _entries(name: str, key: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((_DIR / name).read_text(encoding="utf-8"))
    return list(data[key])


_FRAMES = {f.id: f for f in rules.FRAMES}
_FRAME_CASES = [
    (e["id"], kind, text)
    for e in _entries("intents.yaml", "frames")
    for kind in ("match", "no_match")
    for text in e["examples"][kind]
]
_CONTEXT_ENTRIES = {e["id"]: e for e in _entries("intent_context.yaml", "context")}
_CONTEXT_CASES = [
    (e["id"], kind, text)
    for e in _CONTEXT_ENTRIES.values()
    for kind in ("match", "no_match")
    for text in e["examples"][kind]
]


@pytest.mark.parametrize(("entry", "kind", "text"), _FRAME_CASES)
def test_frame_examples(entry: str, kind: str, text: str) -> None:
    found = _FRAMES[entry].pattern.search(clean(text).low)
    assert bool(found) == (kind == "match"), (entry, text, found)


@pytest.mark.parametrize(("entry", "kind", "text"), _CONTEXT_CASES)
def test_context_examples(entry: str, kind: str, text: str) -> None:
    pattern = rules.CONTEXT[entry]
    use = _CONTEXT_ENTRIES[entry].get("use", "search")
    if use == "prefix":  # text cut where a cue ends: trailing spaces are part of it
        found = pattern.search(lower_same_length(text))
    elif use == "match":
        found = pattern.match(clean(text).low)
    else:
        found = pattern.search(clean(text).low)
    assert bool(found) == (kind == "match"), (entry, text, found)


def test_every_label_has_a_frame() -> None:
    assert {f.label for f in rules.FRAMES} == set(INTENT_LABELS)
    assert rules.LABELS == INTENT_LABELS


def test_frame_ids_unique_and_gates_cover_labels() -> None:
    assert len(_FRAMES) == len(rules.FRAMES)
    assert set(rules.LABEL_GATES) == set(INTENT_LABELS)


def _frame(**over: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "test.frame",
        "label": "commitment:send_proposal",
        "side": "rep",
        "mode": "commit",
        "prior": 0.9,
        "pattern": r"\bsend {OBJ}",
        "examples": {"match": ["send quote", "send sow"], "no_match": ["sent it", "a quote"]},
    }
    entry.update(over)
    return entry


def _write(tmp_path: Path, frames: list[dict[str, Any]]) -> tuple[Path, Fragments]:
    frag_path = tmp_path / "frags.yaml"
    frag_path.write_text(
        yaml.safe_dump(
            {
                "fragments": {
                    "OBJ": {"alt": ["quote", "sow"]},
                    "GAPPY": {"regex": r"(?:\s+\w+){0,{ARG}}"},
                }
            }
        )
    )
    path = tmp_path / "frames.yaml"
    path.write_text(yaml.safe_dump({"frames": frames}))
    return path, Fragments(frag_path)


def test_loader_reads_a_small_file(tmp_path: Path) -> None:
    path, frags = _write(tmp_path, [_frame(pattern=r"\bsend{GAPPY:2} {OBJ}")])
    frames, _ = load_frames(path, frags)
    assert frames[0].id == "test.frame"
    assert frames[0].mode == rules.Mode.COMMIT
    assert frames[0].pattern.pattern == r"\bsend(?:\s+\w+){0,2} (?:quote|sow)"


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([_frame(mode="promise")], r"frames\.yaml: frame test\.frame: unknown mode 'promise'"),
        (
            [_frame(pattern=r"\bsend {NOPE}")],
            r"frames\.yaml: frame test\.frame: unknown fragment reference \{NOPE\}",
        ),
        ([_frame(), _frame()], r"frames\.yaml: frame test\.frame: duplicate id"),
        ([_frame(label="signal:vibes")], r"frame test\.frame: unknown label"),
        ([_frame(side="both")], r"frame test\.frame: side must be"),
        ([_frame(colour="red")], r"frame test\.frame: unknown keys \['colour'\]"),
        (
            [_frame(examples={"match": ["send quote"], "no_match": ["a", "b"]})],
            r"frame test\.frame: needs at least 2 examples under match",
        ),
    ],
)
def test_loader_errors_name_file_and_entry(
    tmp_path: Path, frames: list[dict[str, Any]], message: str
) -> None:
    path, frags = _write(tmp_path, frames)
    with pytest.raises(PatternDataError, match=message):
        load_frames(path, frags)


def test_context_errors_name_file_and_entry(tmp_path: Path) -> None:
    _, frags = _write(tmp_path, [])
    path = tmp_path / "context.yaml"
    entry = {
        "id": "cue",
        "meaning": "m",
        "pattern": "{MISSING}",
        "examples": {"match": ["a"], "no_match": ["b"]},
    }
    path.write_text(yaml.safe_dump({"context": [entry]}))
    with pytest.raises(PatternDataError, match=r"context\.yaml: context cue: unknown fragment"):
        load_context(path, frags)
    path.write_text(
        yaml.safe_dump({"context": [dict(entry, pattern="x"), dict(entry, pattern="y")]})
    )
    with pytest.raises(PatternDataError, match=r"context\.yaml: context cue: duplicate id"):
        load_context(path, frags)


def test_unknown_fragment_key(tmp_path: Path) -> None:
    path = tmp_path / "frags.yaml"
    path.write_text(yaml.safe_dump({"fragments": {"OBJ": {"alt": ["a"], "colour": "red"}}}))
    with pytest.raises(PatternDataError, match=r"frags\.yaml: fragment OBJ: unknown keys"):
        Fragments(path)


def test_fragments_alt_is_longest_first() -> None:
    assert rules.FRAGMENTS["DECIDE_WEAK"].startswith("(?:run it past|")
    assert re.compile(rules.VENDOR_RE).search("we looked at gong")
