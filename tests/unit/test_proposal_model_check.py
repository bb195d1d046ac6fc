"""The check on the model's proposal prose: keys asked for, quotes verbatim from the utterance
they name, no invented money; the reasons never carry text of the call."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from skills.proposal_model_check import ModelSection, check_model_prose
from skills.proposal_money import allowed_amounts
from skills.proposal_types import Citation, LineItem, PriceItem

UTTERANCES = [
    "Thanks for joining, Sarah.",
    "We spend about 10 hours a week on reporting and it is painful.",
    "Today we pay $30,000 a year for the old tool.",
    "I'll send over a proposal by Friday.",
]
KEYS = ("summary", "requirements", "next_steps")
PRO = PriceItem("PRO", "Pro", Decimal("1200"), "USD", "seat/year", tier=True)
LINES = (LineItem("PRO", "Pro", 20, Decimal("1200")),)
ALLOWED = allowed_amounts((PRO,), LINES, Decimal("24000"), UTTERANCES)


def section(text: str, *cites: tuple[int, str], key: str = "summary") -> ModelSection:
    return ModelSection(key, text, tuple(Citation(i, q) for i, q in cites))


def test_a_cited_answer_with_allowed_amounts_is_accepted() -> None:
    answer = [
        section(
            "Reporting takes 10 hours a week; the old tool costs $30,000 a year, and Pro for "
            "20 seats is $24,000, $6,000 less.",
            (1, "10 hours a week on reporting"),
            (2, "we pay $30,000 a year"),
        ),
        section("We will send the proposal.", (3, "I'll send over a proposal"), key="next_steps"),
    ]
    checked = check_model_prose(answer, KEYS, UTTERANCES, ALLOWED)
    assert checked.ok and [s.key for s in checked.accepted] == ["summary", "next_steps"]


@given(st.integers(min_value=0, max_value=3), st.text(min_size=1, max_size=40))
def test_a_quote_not_in_the_utterance_it_names_is_rejected(index: int, quote: str) -> None:
    assume(quote not in UTTERANCES[index])
    checked = check_model_prose(
        [section("They want faster reports.", (index, quote))], KEYS, UTTERANCES, ALLOWED
    )
    assert not checked.ok and not checked.accepted
    assert any("not verbatim" in r for r in checked.reasons)


@given(st.integers(min_value=0, max_value=3), st.data())
def test_a_verbatim_substring_is_accepted(index: int, data: st.DataObject) -> None:
    text = UTTERANCES[index]
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    assume(text[start:end].strip())
    checked = check_model_prose(
        [section("As you said.", (index, text[start:end]))], KEYS, UTTERANCES, ALLOWED
    )
    assert checked.ok, checked.reasons


@given(st.integers(min_value=1, max_value=10_000_000))
def test_invented_amounts_are_rejected_and_allowed_ones_accepted(whole: int) -> None:
    amount = Decimal(whole).quantize(Decimal("0.01"))
    allowed = amount in ALLOWED or any(
        (amount - x) in ALLOWED or (x - amount) in ALLOWED for x in ALLOWED
    )
    checked = check_model_prose(
        [section(f"It saves ${whole:,} a year.", (2, "$30,000"))], KEYS, UTTERANCES, ALLOWED
    )
    assert checked.ok == allowed
    if not allowed:
        assert any("amounts not in the inputs" in r for r in checked.reasons)


@given(st.sampled_from(sorted(ALLOWED)))
def test_every_allowed_amount_passes(amount: Decimal) -> None:
    text = f"The figure is ${amount:,.2f}."
    assert check_model_prose([section(text)], KEYS, UTTERANCES, ALLOWED).ok


def test_unknown_keys_out_of_range_utterances_and_repeats_are_rejected() -> None:
    checked = check_model_prose(
        [
            section("Prices.", key="pricing"),
            section("Ok.", (9, "Thanks")),
            section("Twice.", key="summary"),
        ],
        KEYS,
        UTTERANCES,
        ALLOWED,
    )
    assert not checked.ok
    assert len(checked.reasons) == 3
    assert "key is not one of" in checked.reasons[0]
    assert "utterance 9 does not exist" in checked.reasons[1]
    assert "written twice" in checked.reasons[2]
    assert not check_model_prose([], KEYS, UTTERANCES, ALLOWED).ok


def test_reasons_carry_no_text_of_the_call() -> None:
    bad = [section("It costs $77,777.", (1, "We spend about 11 hours"))]
    checked = check_model_prose(bad, KEYS, UTTERANCES, ALLOWED)
    joined = " ".join(checked.reasons)
    assert "spend" not in joined and "reporting" not in joined
    assert "77777" in joined
