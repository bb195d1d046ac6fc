"""The weekly digest as data (`skills.coaching_digest`): no calls, no digest; improving only
against the rep's own trend and by a clear step; one focus area, the change seen on the most
calls, with its first moment; the follow-up and brief lines with last week."""

from __future__ import annotations

from skills.coaching_digest import (
    CallLink,
    Moment,
    WeekNumbers,
    build_digest,
    focus_area,
    main_call_type,
    mean_weeks,
    metric_lines,
)

MONO = "You spoke for 02:55 without the prospect coming in from here."
UNANSWERED = "The prospect asked this and did not get an answer."


def moment(analysis_id: int, text: str, at: str = "03:10", kind: str = "change") -> Moment:
    return Moment(analysis_id, f"Call {analysis_id}", "Tue 1 Dec", kind, at, "a quote", text)


def digest(**kw: object) -> object:
    args: dict[str, object] = dict(
        week_label="week of 30 Nov", type_counts={"discovery": 2, "demo": 1},
        week=WeekNumbers(3, 0.5, 100.0, 5.0, 0.6), previous=[WeekNumbers(4, 0.7, 200.0, 3.0, 0.4)],
        team={"talk_ratio_rep": 0.55}, talk_norm=(0.4, 0.55), moments=[], calls=[],
        follow_ups=(3, 4, (1, 3)), briefs=(0, 0, None), winning=None,
    )  # fmt: skip
    args.update(kw)
    return build_digest(**args)  # type: ignore[arg-type]


def test_no_calls_no_digest() -> None:
    assert digest(type_counts={}) is None


def test_numbers_against_the_trend_and_the_team() -> None:
    d = digest()
    assert d.call_mix == "3 analysed calls: 2 discovery, 1 demo" and d.call_type == "discovery"
    talk, mono, questions, open_share = d.lines
    assert (talk.week, talk.trend, talk.team, talk.improving) == ("50%", "70%", "55%", True)
    assert (mono.week, mono.trend, mono.improving) == ("1:40", "3:20", True)
    assert questions.improving and open_share.improving and questions.team is None
    assert d.follow_ups == "3 of 4 follow-ups sent within 10 minutes (last week 1 of 3)"
    assert d.briefs is None  # no brief was due: no line rather than "0 of 0"


def test_improving_needs_a_clear_step_and_a_trend() -> None:
    lines = metric_lines(WeekNumbers(2, 0.69, 190.0, 3.5, 0.42),
                         WeekNumbers(4, 0.70, 200.0, 3.0, 0.40), {}, (0.4, 0.55))  # fmt: skip
    assert [ln.improving for ln in lines] == [False, False, False, False]
    assert not any(ln.improving for ln in metric_lines(WeekNumbers(2, 0.5, 90.0, 6.0, 0.9), None,
                                                       {}, (0.4, 0.55)))  # fmt: skip
    # a talk ratio moving away from the range is not improving, even if it dropped
    low = metric_lines(WeekNumbers(1, 0.20, None, None, None),
                       WeekNumbers(1, 0.45, None, None, None), {}, (0.4, 0.55))  # fmt: skip
    assert not low[0].improving


def test_trend_is_weighted_by_calls() -> None:
    t = mean_weeks([WeekNumbers(1, 0.9, None, None, None), WeekNumbers(3, 0.5, 60.0, 2.0, None)])
    assert t is not None and round(t.talk_ratio or 0, 3) == 0.6 and t.longest_monologue_s == 60.0


def test_focus_is_the_change_seen_on_most_calls_with_its_first_moment() -> None:
    moments = [moment(1, UNANSWERED, "01:00"), moment(2, MONO, "12:40"), moment(3, MONO),
               moment(3, MONO, "20:00"), moment(1, "Try it open", kind="try")]  # fmt: skip
    f = focus_area(moments)
    assert f is not None and f.topic == "long monologues" and f.calls == 2
    assert (f.moment.analysis_id, f.moment.at) == (2, "12:40")
    assert focus_area([moment(1, "Try it open", kind="try")]) is None  # never a generic tip


def test_main_call_type_and_calls_shown() -> None:
    assert main_call_type({"demo": 2, "discovery": 2, "check_in": 1}) == "discovery"
    assert main_call_type({"demo": 3, "discovery": 2}) == "demo"
    d = digest(calls=[CallLink(7, "Acme", "Mon 30 Nov")])
    assert d.calls_shown == (CallLink(7, "Acme", "Mon 30 Nov"),)
    assert type(d).from_json(d.to_json()) == d
