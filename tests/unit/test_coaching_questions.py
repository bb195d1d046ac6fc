"""Questions by meaning, objections with their look-alikes, and what followed them."""

from __future__ import annotations

import pytest

from skills.coaching_objections import objection_type, objections
from skills.coaching_questions import (
    discovery_topic,
    prospect_questions,
    question_kind,
    rep_questions,
)
from skills.coaching_text import normalise
from skills.coaching_types import Side, Turn


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Walk me through how a load gets booked", "open"),
        ("so help me understand what happens after that", "open"),
        ("Tell me about the team", "open"),
        ("okay great and how do you handle claims today", "open"),
        ("thanks for that so what happens when a driver is late", "open"),
        ("Do you use Salesforce today", "closed"),
        ("How many dispatchers do you have", "closed"),
        ("When do you need this live", "closed"),
        ("You're on Salesforce?", "closed"),
        ("Is it monthly or annual", "closed"),
        ("What a week it's been", None),
        ("I asked them why they churned", None),
        ("what we do is route the calls", None),
        ("That's why we built it", None),
        ("how great is that", None),
        ("We walked through the yard", None),
        ("Which I think is a terrible idea, Tom", None),
        ("Which CRM are you on", "closed"),
    ],
)
def test_question_kind(text: str, kind: str | None) -> None:
    assert question_kind(normalise(text.rstrip("?")), text.endswith("?")) == kind


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what is the biggest headache right now", "pain"),
        ("who else is involved in the decision", "decision"),
        ("is there a budget set aside", "budget"),
        ("when do you need this live", "timeline"),
        ("what would success look like", "goals"),
        ("can you see my screen", None),
        ("how was your weekend", None),
        ("does thursday work for you", None),
    ],
)
def test_discovery_topic(text: str, topic: str | None) -> None:
    assert discovery_topic(normalise(text)) == topic


def T(i: int, side: Side, start: float, end: float, text: str) -> Turn:
    return Turn(i, side, start, end, text)


def test_rep_questions_are_per_sentence_and_prospect_questions_are_left_out() -> None:
    turns = [
        T(0, "rep", 0, 8, "Great to meet you. Walk me through your process. Can you hear me ok?"),
        T(1, "prospect", 9, 12, "How much is it?"),
    ]
    qs = rep_questions(turns)
    assert [(q.utterance, q.text, q.kind, q.discovery) for q in qs] == [
        (0, "Walk me through your process.", "open", True),
        (0, "Can you hear me ok?", "closed", False),
    ]


def test_prospect_questions_answered_or_not() -> None:
    turns = [
        T(0, "prospect", 0, 3, "How long does onboarding take?"),
        T(1, "rep", 4, 5, "Yeah."),  # a back-channel is not an answer
        T(2, "rep", 6, 12, "Usually two weeks with a named engineer."),
        T(3, "prospect", 13, 15, "Do you integrate with McLeod?"),
        T(4, "prospect", 16, 18, "And what about Samsara?"),  # asks again: the first is open
        T(5, "rep", 19, 22, "Both, through the API."),
        T(6, "prospect", 23, 24, "Really?"),  # a back-channel, not a question to answer
    ]
    pqs = prospect_questions(turns)
    assert [(q.utterance, q.asked_s, q.answered_s, q.answer_utterance) for q in pqs] == [
        (0, 0, 6, 2),
        (3, 13, None, None),
        (4, 16, 19, 5),
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Honestly that feels expensive for us", "price"),
        ("It's over our budget this year", "price"),
        ("Let's revisit this next quarter", "timing"),
        ("We already use a tool for that", "competitor"),
        ("I need to run it by my CFO", "authority"),
        ("I'm not sure we need this", "need"),
        ("We got burned before by a vendor like this", "trust"),
        ("The price looks fine", None),
        ("It's not too expensive", None),
        ("No issue with the pricing", None),
        ("Budget is approved", None),
        ("Is it too expensive for a small team", None),
        ("That is too much work", None),
        ("We need this by June", None),
        ("I make the final decision", None),
        ("If the numbers are real, then price isn't really the issue", None),
        ("The blokes who were sceptical came round after the demo", None),
        ("She's been burned before, so she's going to be skeptical", "trust"),
    ],
)
def test_objection_type(text: str, kind: str | None) -> None:
    assert objection_type(normalise(text)) == kind


def test_what_followed_an_objection() -> None:
    turns = [
        T(0, "rep", 0, 60, " ".join(["word"] * 100)),  # baseline pace: 100 wpm here
        T(1, "prospect", 61, 65, "Honestly that feels expensive for us."),
        T(2, "rep", 70, 76, "That's fair. What are you comparing it against?"),  # 8 words
        T(3, "prospect", 77, 80, "We need to check with our CFO."),
        T(4, "rep", 80, 86, "Our price includes onboarding and support for the first year."),
    ]
    price, authority = objections(turns)
    assert (price.utterance, price.type, price.reply_utterance) == (1, "price", 2)
    assert price.pause_s == 5
    assert price.question_back and price.response == "acknowledged"
    assert price.wpm_after == pytest.approx((8 + 10) / (12 / 60))  # rep turns within 60 s
    assert price.wpm_baseline == pytest.approx((100 + 8 + 10) / (72 / 60))
    assert (authority.type, authority.pause_s, authority.question_back) == ("authority", 0, False)
    assert authority.response == "deflected"


def test_an_objection_nobody_answers() -> None:
    (o,) = objections(
        [T(0, "rep", 0, 2, "Any questions?"), T(1, "prospect", 3, 5, "Not until next year.")]
    )
    assert (o.type, o.response, o.pause_s, o.wpm_after) == ("timing", "no_reply", None, None)
