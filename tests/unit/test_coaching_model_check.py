"""A model's typing of questions and objections: refused with reasons that quote no call text,
applied with the follow-up measured as for the patterns."""

from __future__ import annotations

from skills.coaching import analyse
from skills.coaching_model_check import (
    ModelObjection,
    ModelQuestion,
    apply_model_typing,
    check_model_typing,
    model_lines,
)
from skills.coaching_types import Side, Turn


def T(i: int, side: Side | None, start: float, end: float, text: str) -> Turn:
    return Turn(i, side, start, end, text)


TURNS = [
    T(0, "rep", 0, 6, "I wonder whether the team still rekeys every quote"),
    T(1, "prospect", 7, 12, "Yes. Frankly the board will balk at another subscription."),
    T(2, "rep", 15, 20, "I hear you. What would they need to see?"),
    T(3, None, 21, 22, "[crosstalk]"),
]


def test_model_lines_leave_unknown_speakers_out() -> None:
    assert [line["utterance"] for line in model_lines(TURNS)] == [0, 1, 2]


def test_a_valid_answer_replaces_the_typing_and_measures_what_followed() -> None:
    report = analyse(TURNS)
    assert report.objections == ()  # the patterns miss this one
    checked = check_model_typing(
        [
            ModelQuestion(0, "I wonder whether the team still rekeys every quote", "closed", True),
            ModelQuestion(2, "What would they need to see?", "open", True),
        ],
        [ModelObjection(1, "authority", "the board will balk at another subscription")],
        TURNS,
    )
    assert checked.ok
    after = apply_model_typing(report, checked, TURNS)
    assert [(q.utterance, q.kind) for q in after.questions] == [(0, "closed"), (2, "open")]
    (o,) = after.objections
    assert (o.type, o.reply_utterance, o.pause_s) == ("authority", 2, 3)
    assert o.question_back and o.response == "acknowledged"
    assert after.metrics.questions_rep == 2 and after.metrics.open_questions_rep == 1
    assert after.metrics.talk_ratio_rep == report.metrics.talk_ratio_rep


def test_a_bad_answer_is_refused_with_reasons_that_quote_nothing() -> None:
    checked = check_model_typing(
        [
            ModelQuestion(1, "Yes.", "open", True),  # the prospect's
            ModelQuestion(2, "What would they want?", "open", True),  # not verbatim
            ModelQuestion(9, "x", "open", False),  # no such utterance
            ModelQuestion(2, "What would they need to see?", "leading", True),  # type: ignore[arg-type]
        ],
        [ModelObjection(1, "budget", "board"), ModelObjection(3, "need", "crosstalk")],  # type: ignore[arg-type]
        TURNS,
    )
    assert not checked.ok and checked.questions == () and checked.objections == ()
    assert checked.reasons == (
        "questions[0]: utterance 1 is not the rep's",
        "questions[1]: text is not a verbatim piece of utterance 2",
        "questions[2]: utterance 9 does not exist",
        "questions[3]: kind must be one of open, closed",
        "objections[0]: type must be one of price, timing, competitor, authority, need, trust",
        "objections[1]: utterance 3 is not the prospect's",
    )
    report = analyse(TURNS)
    assert apply_model_typing(report, checked, TURNS) is report


def test_repeats_are_refused() -> None:
    q = ModelQuestion(2, "What would they need to see?", "open", True)
    assert check_model_typing([q, q], [], TURNS).reasons == (
        "questions[1]: repeats an earlier item",
    )
