"""The email classifier's patterns as data: every cue and context entry finds its examples and
misses its near misses (on text normalised as the classifier normalises it), the loader names
the file and the entry of a mistake, and every category has a cue."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.nlu.email_hits import normalise
from skills.nlu.email_patterns import (
    CONTEXT,
    CUES,
    FRAGMENTS,
    ContextPattern,
    Cue,
    PatternError,
    load_context,
    load_cues,
    load_fragments,
)
from skills.vocabulary import EMAIL_CATEGORIES


def _low(text: str) -> str:
    return normalise(text).lower()


@pytest.mark.parametrize("cue", CUES, ids=[c.id for c in CUES])
def test_cue_examples(cue: Cue) -> None:
    assert cue.examples.match and cue.examples.no_match
    for text in cue.examples.match:
        low = _low(text)
        assert cue.pattern.search(low), f"{cue.id} should match {text!r}"
        # the literal pre-filter never hides a match
        assert cue.anchors is None or any(a in low for a in cue.anchors), (cue.id, cue.anchors)
    for text in cue.examples.no_match:
        assert not cue.pattern.search(_low(text)), f"{cue.id} should not match {text!r}"


@pytest.mark.parametrize("entry", CONTEXT.values(), ids=list(CONTEXT))
def test_context_examples(entry: ContextPattern) -> None:
    def prepared(text: str) -> str:
        return normalise(text) if entry.on_original else _low(text)

    assert entry.examples.match and entry.examples.no_match
    for text in entry.examples.match:
        assert entry.pattern.search(prepared(text)), f"{entry.id} should match {text!r}"
    for text in entry.examples.no_match:
        assert not entry.pattern.search(prepared(text)), f"{entry.id} should not match {text!r}"


def test_every_category_has_a_cue() -> None:
    assert {c.category for c in CUES} == set(EMAIL_CATEGORIES)


def test_ids_are_unique_and_fragments_are_used() -> None:
    assert len({c.id for c in CUES}) == len(CUES)
    assert len(FRAGMENTS) >= 5


GOOD_CUE = """
cues:
  - id: unsubscribe.remove_me
    category: unsubscribe
    weight: 0.9
    negatable: false
    pattern: '\\bremove me {WHEN}'
    examples:
      match: [remove me now]
      no_match: [remove it now]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_reads_a_good_file(tmp_path: Path) -> None:
    frags = load_fragments(
        _write(tmp_path, "f.yaml", "fragments:\n  WHEN:\n    meaning: m\n    alt: [now, today]\n")
    )
    (cue,) = load_cues(_write(tmp_path, "cues.yaml", GOOD_CUE), frags)
    assert cue.pattern.pattern == r"\bremove me (?:now|today)"
    assert cue.id == "unsubscribe.remove_me" and cue.negatable is False and cue.weight == 0.9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("category: unsubscribe", "category: spam"), "unknown category 'spam'"),
        (("negatable: false", "negatable: false\n    negated: true"), "unknown key(s) negated"),
        (("{WHEN}", "{LATER}"), "unknown fragment {LATER}"),
        (("negatable: false", "negatable: maybe"), "'negatable' must be true or false"),
        (("weight: 0.9", "weight: 2"), "'weight' must be a number"),
        (("\\bremove me", "(remove me"), "pattern does not compile"),
        (("no_match: [remove it now]", "no_match: []"), "examples.no_match"),
    ],
)
def test_loader_errors_name_the_file_and_entry(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = GOOD_CUE.replace(*change)
    assert text != GOOD_CUE
    path = _write(tmp_path, "bad_cues.yaml", text)
    with pytest.raises(PatternError) as err:
        load_cues(path, {"WHEN": "(?:now)"})
    assert "bad_cues.yaml" in str(err.value)
    assert "unsubscribe.remove_me" in str(err.value)
    assert message in str(err.value)


def test_loader_rejects_a_duplicate_id(tmp_path: Path) -> None:
    entry = GOOD_CUE.split("cues:\n", 1)[1]
    path = _write(tmp_path, "dup.yaml", "cues:\n" + entry + entry)
    with pytest.raises(PatternError, match=r"dup\.yaml: entry 'unsubscribe\.remove_me': duplicate"):
        load_cues(path, {"WHEN": "(?:now)"})


def test_loader_errors_for_context_and_fragments(tmp_path: Path) -> None:
    bad_context = _write(
        tmp_path,
        "ctx.yaml",
        "context:\n  - id: negator\n    meaning: m\n    pattern: 'no'\n    colour: red\n"
        "    examples: {match: [no], no_match: [yes]}\n",
    )
    with pytest.raises(PatternError, match=r"ctx\.yaml: entry 'negator': unknown key\(s\) colour"):
        load_context(bad_context, {})
    bad_fragment = _write(tmp_path, "frag.yaml", "fragments:\n  WD:\n    meaning: m\n")
    with pytest.raises(PatternError, match=r"frag\.yaml: entry 'WD': needs exactly one"):
        load_fragments(bad_fragment)
