"""Seats, add-ons and tiers settled by a call (`skills.proposal_quantities`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from skills.proposal_quantities import settle_terms
from skills.proposal_types import PriceItem
from skills.spoken_numbers import SMALL, TENS, find_numbers
from skills.transcript_types import parse_transcript

BOOK = (
    PriceItem(
        "STARTER", "Starter", Decimal(300), "USD", "seat/year", tier=True, features=("email sync",)
    ),
    PriceItem(
        "PRO", "Pro", Decimal(600), "USD", "seat/year", tier=True, features=("Salesforce sync",)
    ),
    PriceItem("SSO", "Single sign-on", Decimal(2000), "USD", "year", synonyms=("SSO",)),
    PriceItem(
        "ONBOARD", "Onboarding package", Decimal(5000), "USD", "one-off", synonyms=("onboarding",)
    ),
)
_UNITS = {v: k for k, v in SMALL.items()}
_TENS = {v: k for k, v in TENS.items()}


def say(n: int, hyphen: bool = True, a: bool = False) -> str:
    """`n` (1..999) in words, as people say it."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens * 10] + (("-" if hyphen else " ") + _UNITS[unit] if unit else "")
    hundreds, rest = divmod(n, 100)
    head = ("a" if a and hundreds == 1 else _UNITS[hundreds]) + " hundred"
    return head + (" and " + say(rest, hyphen) if rest else "")


def call(*lines: tuple[str, str]) -> Any:
    return parse_transcript(
        {
            "meeting_id": "m",
            "started_at": "2026-11-18T15:00:00Z",
            "rep": {"name": "Alex Rivera"},
            "attendees": [{"name": "Sarah Chen"}],
            "utterances": [
                {"speaker": who, "start": i, "end": i + 1, "text": text}
                for i, (who, text) in enumerate(lines)
            ],
        }
    )


REP, PROSPECT = "Alex Rivera", "Sarah Chen"


@given(st.integers(1, 999), st.booleans(), st.booleans())
def test_numbers_in_words_and_digits(n: int, hyphen: bool, a: bool) -> None:
    text = f"We would need {say(n, hyphen, a)} seats, or {n} users."
    assert [x.value for x in find_numbers(text)] == [n, n]


@settings(max_examples=60)
@given(st.integers(1, 999), st.booleans(), st.sampled_from(["seats", "users", "licences", "reps"]))
def test_seats_said_in_words_or_digits(n: int, words: bool, noun: str) -> None:
    said = say(n) if words else str(n)
    terms = settle_terms(call((PROSPECT, f"We're looking at {said} {noun} to start.")), BOOK)
    assert terms.seats is not None and terms.seats.seats == n
    assert terms.seats.citation.quote in f"We're looking at {said} {noun} to start."


def test_examples() -> None:
    for text, seats in [
        ("We'd want forty seats.", 40),
        ("There are two teams of twelve.", 24),
        ("Say twenty-five users for now.", 25),
        ("35 seats please.", 35),
        ("Probably a hundred and twenty users.", 120),
        ("It would be for 18 people.", 18),
    ]:
        terms = settle_terms(call((PROSPECT, text)), BOOK)
        assert terms.seats is not None and terms.seats.seats == seats, text


def test_corrections_latest_wins() -> None:
    terms = settle_terms(
        call(
            (PROSPECT, "We need 30 seats."), (REP, "Great."), (PROSPECT, "Actually, make that 35.")
        ),
        BOOK,
    )
    assert terms.seats is not None and (terms.seats.seats, terms.seats.previous) == (35, 30)
    assert terms.seats.citation.utterance == 2
    terms = settle_terms(call((PROSPECT, "Thirty users."), (PROSPECT, "Actually 40.")), BOOK)
    assert terms.seats is not None and terms.seats.seats == 40


def test_numbers_that_are_not_seats() -> None:
    terms = settle_terms(
        call(
            (PROSPECT, "Five people spend 20 hours a week on this."),
            (PROSPECT, "Actually 3 hours."),
        ),
        BOOK,
    )
    assert terms.seats is None
    terms = settle_terms(call((PROSPECT, "30 seats."), (PROSPECT, "Actually it costs $40.")), BOOK)
    assert terms.seats is not None and terms.seats.seats == 30


def test_exclusions() -> None:
    cases = [
        ((REP, "Do you want onboarding?"), (PROSPECT, "No, we'll do it ourselves.")),
        ((PROSPECT, "Onboarding? Not now."),),
        ((PROSPECT, "We don't need onboarding."),),
        ((PROSPECT, "Let's add onboarding."), (PROSPECT, "Actually, drop the onboarding.")),
        ((PROSPECT, "We need SSO but not onboarding."),),
    ]
    for lines in cases:
        terms = settle_terms(call(*lines), BOOK)
        assert terms.items["ONBOARD"].included is False, lines
    terms = settle_terms(call((PROSPECT, "We need SSO but not onboarding.")), BOOK)
    assert terms.items["SSO"].included is True


def test_questions_wait_for_an_answer() -> None:
    asked = settle_terms(call((REP, "Do you want SSO?"), (PROSPECT, "Let me think.")), BOOK)
    assert asked.items["SSO"].included is None
    yes = settle_terms(call((REP, "Do you want SSO?"), (PROSPECT, "Yes, please.")), BOOK)
    assert yes.items["SSO"].included is True and yes.items["SSO"].citation.utterance == 1


def test_tier_named_or_by_features() -> None:
    named = settle_terms(call((PROSPECT, "Let's go with Pro.")), BOOK)
    assert named.tier is not None and named.tier.sku == "PRO"
    both = settle_terms(call((REP, "Starter or Pro?")), BOOK)
    assert both.tier is None
    feats = settle_terms(call((PROSPECT, "We need Salesforce sync.")), BOOK)
    assert feats.tier is None and [c.utterance for c in feats.feature_hits["PRO"]] == [0]
    no = settle_terms(call((PROSPECT, "Let's go with Pro."), (PROSPECT, "Not Pro, Starter.")), BOOK)
    assert no.tier is not None and no.tier.sku == "STARTER"


def test_pilot_is_a_deal_type() -> None:
    terms = settle_terms(call((PROSPECT, "Let's start with a pilot for one team.")), BOOK)
    assert terms.deal_type is not None and terms.deal_type[0] == "pilot"


def test_a_range_leaves_the_seats_open_until_settled() -> None:
    terms = settle_terms(call((PROSPECT, "Somewhere between 30 and 40 seats.")), BOOK)
    assert terms.seats is None and terms.seat_range is not None
    later = settle_terms(
        call((PROSPECT, "Maybe 30 or 40 users."), (PROSPECT, "Let's say 35.")), BOOK
    )
    assert later.seats is not None and later.seats.seats == 35 and later.seat_range is None


@settings(max_examples=60)
@given(
    st.integers(1, 500),
    st.integers(1, 500),
    st.booleans(),
    st.sampled_from(["Actually, make that {}.", "Make it {}.", "Sorry, {} seats.", "Actually {}."]),
)
def test_a_correction_wins(first: int, second: int, words: bool, line: str) -> None:
    said = say(second) if words else str(second)
    terms = settle_terms(
        call((PROSPECT, f"We need {first} seats."), (REP, "Okay."), (PROSPECT, line.format(said))),
        BOOK,
    )
    assert terms.seats is not None and terms.seats.seats == second
    assert terms.seats.citation.utterance == (0 if first == second else 2)


@given(
    st.sampled_from(
        [
            "We don't need {}.",
            "Not now for {}.",
            "Let's drop the {}.",
            "We can skip {} this year.",
            "No {} for us.",
            "We'll handle {} ourselves, so leave out {}.",
        ]
    ),
    st.sampled_from(["onboarding", "Onboarding package", "ONBOARD"]),
)
def test_exclusion_phrasings(line: str, name: str) -> None:
    terms = settle_terms(
        call((PROSPECT, "Add onboarding please."), (PROSPECT, line.format(name, name))), BOOK
    )
    assert (
        terms.items["ONBOARD"].included is False and terms.items["ONBOARD"].citation.utterance == 1
    )
