"""Speaker attribution: labels from a recorder matched to the people we know."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.speakers import Attribution, Person, attribute_speakers, match_score

ALEX = Person("Alex Rivera", "alex@sixty.example", "rep")
SARAH = Person("Sarah Chen", "sarah.chen@acme.example", "prospect")
SAMANTHA = Person("Samantha Lee", "samantha.lee@acme.example", "prospect")
JOHN = Person("John Smith", "jsmith@acme.example", "prospect")
DAVID = Person("David Park", "dpark@zenith.example", "prospect")
JOSE = Person("José Álvarez", None, "prospect")
JORDAN = Person("Jordan Blake", "jordan@sixty.example", "internal")
PEOPLE = [ALEX, SARAH, SAMANTHA, JOHN, DAVID, JOSE, JORDAN]


@pytest.mark.parametrize(
    ("label", "person"),
    [
        ("Alex Rivera", ALEX),
        ("alex rivera", ALEX),
        ("Alex", ALEX),
        ("A. Rivera", ALEX),
        ("AR", ALEX),
        ("Alex Rivera (Sixty)", ALEX),
        ("Sara Chen", SARAH),
        ("sarah", SARAH),
        ("Sam", SAMANTHA),
        ("Samantha", SAMANTHA),
        ("Jon", JOHN),
        ("Jon Smith", JOHN),
        ("D Park", DAVID),
        ("dpark", DAVID),
        ("Jose Alvarez", JOSE),
        ("JOSÉ", JOSE),
        ("sarah.chen@acme.example", SARAH),
        ("Jordan", JORDAN),
        ("Rivera, Alex", ALEX),
    ],
)
def test_matches(label: str, person: Person) -> None:
    got = attribute_speakers([label], PEOPLE)[label]
    assert got.person == person
    assert got.role == person.role
    assert 0.7 <= got.confidence <= 1.0


@pytest.mark.parametrize(
    "label",
    [
        "Speaker 1 & 2",
        "Alex, Sarah, Dan",
        "Alex and Sarah",
        "Speaker 3",
        "Unknown",
        "Mark",
        "Bob",
        "",
        "Participant",
    ],
)
def test_unsure_labels_get_no_role(label: str) -> None:
    got = attribute_speakers([label], PEOPLE)[label]
    assert got == Attribution(label, None, None, 0.0)


def test_ambiguous_first_name_gets_no_role() -> None:
    two_sams = [Person("Sam Ortiz", None, "rep"), Person("Sam Lee", None, "prospect")]
    assert attribute_speakers(["Sam"], two_sams)["Sam"].role is None
    assert attribute_speakers(["Sam Lee"], two_sams)["Sam Lee"].role == "prospect"


def test_one_entry_per_label() -> None:
    got = attribute_speakers(["Alex", "Sarah Chen", "Alex"], PEOPLE)
    assert set(got) == {"Alex", "Sarah Chen"}


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèáàüöñçøåßıłÉÖÑ"
names = st.text(alphabet=LETTERS, min_size=2, max_size=9)


@settings(max_examples=50)
@given(st.lists(st.tuples(names, names), min_size=1, max_size=5, unique_by=lambda t: t[0].lower()))
def test_a_full_name_always_finds_its_person(pairs: list[tuple[str, str]]) -> None:
    people = [Person(f"{first} {last}", None, "prospect") for first, last in pairs]
    for person in people:
        assert person.name is not None
        got = attribute_speakers([person.name], people)[person.name]
        # Exact names are certain unless two people share it after folding.
        twins = [p for p in people if match_score(person.name, p) == 1.0]
        if len(twins) == 1:
            assert got.person == person and got.confidence == 1.0


@given(names, names)
def test_case_and_accents_do_not_matter(first: str, last: str) -> None:
    person = Person(f"{first} {last}", None, "prospect")
    label = unicodedata.normalize("NFD", f"{first} {last}".upper())
    assert match_score(label, person) == match_score(f"{first} {last}", person)


@settings(max_examples=50)
@given(st.lists(st.text(max_size=20), max_size=6))
def test_never_raises_and_confidence_in_range(labels: list[str]) -> None:
    got = attribute_speakers(labels, PEOPLE)
    assert set(got) == set(labels)
    for a in got.values():
        assert 0.0 <= a.confidence <= 1.0
        assert (a.role is None) == (a.person is None)
