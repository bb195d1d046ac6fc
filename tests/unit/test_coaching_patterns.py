"""The coaching patterns (skills/coaching_patterns/*.yaml): every entry's examples hold, and
a broken file is refused with its file and entry named."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from skills.coaching_data import (
    PATTERNS_DIR,
    CallTypeCues,
    Entry,
    PatternFileError,
    load_patterns,
    patterns,
)
from skills.coaching_objections import objection_type
from skills.coaching_questions import question_kind
from skills.coaching_text import normalise

P = patterns()
STARTS = re.compile(r"(?:^|\b(?:so|and|okay|ok|alright|now|but|then|also)\s+)")


def _opens_at_a_start(rx: re.Pattern[str], text: str) -> bool:
    return any(rx.match(text, m.end()) for m in STARTS.finditer(text))


@pytest.mark.parametrize("entry", P.openers, ids=lambda e: e.id)
def test_question_openers(entry: Entry) -> None:
    rx = re.compile(P.markers + f"(?:{entry.pattern.pattern})")
    for text in entry.examples.match:
        assert _opens_at_a_start(rx, normalise(text)), text
        assert question_kind(normalise(text)) == entry.tag, text
    for text in entry.examples.no_match:
        assert not _opens_at_a_start(rx, normalise(text)), text


@pytest.mark.parametrize(
    "entry",
    (*P.question_negatives, *P.topics, *P.logistics, *P.objection_lookalikes, *P.acknowledge),
    ids=lambda e: e.id,
)
def test_searched_entries(entry: Entry) -> None:
    for text in entry.examples.match:
        assert entry.pattern.search(normalise(text)), text
    for text in entry.examples.no_match:
        assert not entry.pattern.search(normalise(text)), text


@pytest.mark.parametrize("entry", P.objections, ids=lambda e: e.id)
def test_objection_cues_through_the_detector(entry: Entry) -> None:
    for text in entry.examples.match:
        assert entry.pattern.search(normalise(text)), text
        assert objection_type(normalise(text)) == entry.tag, text
    for text in entry.examples.no_match:
        assert objection_type(normalise(text)) != entry.tag, text


@pytest.mark.parametrize("entry", P.fillers, ids=lambda e: e.id)
def test_fillers(entry: Entry) -> None:
    rx = re.compile(rf"\b(?:{entry.pattern.pattern})\b")
    for text in entry.examples.match:
        assert rx.search(normalise(text)), text
    for text in entry.examples.no_match:
        assert not rx.search(normalise(text)), text


@pytest.mark.parametrize("ct", P.call_types, ids=lambda c: c.name)
def test_call_type_cues(ct: CallTypeCues) -> None:
    for text in ct.examples.match:
        assert any(rx.search(normalise(text)) for rx in ct.cues), text
    for text in ct.examples.no_match:
        assert not any(rx.search(normalise(text)) for rx in ct.cues), text
    assert ct.norms.sources


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "patterns"
    shutil.copytree(PATTERNS_DIR, target)
    return target


def test_the_shipped_files_load_from_a_copy(tmp_path: Path) -> None:
    loaded = load_patterns(_copy(tmp_path))
    assert [e.id for e in loaded.objections] == [e.id for e in P.objections]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("objections.yaml", "type: price", "type: cost", "objections entry price.expensive: type"),
        ("questions.yaml", "id: open.tell_me", "id: open.walk_me_through", "duplicate id"),
        (
            "questions.yaml",
            "understand\\b'",
            "understand\\b('",
            "open.help_me_understand: pattern does not compile",
        ),
        (
            "fillers.yaml",
            "  - id: uh\n",
            "  - id: uh\n    weight: 2\n",
            "fillers entry uh: unknown",
        ),
        ("call_types.yaml", "  check_in:", "  checkin:", "call_types must name exactly"),
        (
            "topics.yaml",
            "  - id: situation",
            "\t- id: situation",
            "topics.yaml: cannot be read as YAML",
        ),
    ],
)
def test_a_broken_file_names_file_and_entry(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    directory = _copy(tmp_path)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PatternFileError, match=re.escape(message)) as err:
        load_patterns(directory)
    assert file in str(err.value)
