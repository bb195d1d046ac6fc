"""The manager digest's pure parts: the call ranking (skills/coaching_team.py) on hand-built
calls and hypothesis invariants, each rep's focus area, the win/loss line (below the gate: one
line and at most one descriptive comparison), Sixty's numbers with the dismissal alert, the
manager's digest day in the settings form and the org's coaching switch on the Home tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.home import HomeModel, OrgRow, home_view
from blocks.settings_modal import SettingsField, settings_modal
from flows.coaching_team.steps import numbers_line, win_loss_line
from skills import coaching_team as ct
from skills import success_metrics as sm
from skills.briefs import ORG_FEATURES, validate_org_settings
from skills.preferences import PreferenceForm, validate_preferences
from skills.win_loss import CallMetrics, DealOutcome, win_loss

NORMS = {"discovery": ct.Norm(talk_ratio=0.45, questions=8.0), "demo": ct.Norm(0.6, 4.0)}


def call(mid: int, **kw: object) -> ct.TeamCall:
    base: dict[str, object] = {
        "meeting_id": mid, "rep_id": mid % 3 + 1, "rep_name": f"Rep{mid % 3 + 1}",
        "title": f"Call {mid}", "call_type": "discovery", "started_at": f"2026-11-2{mid % 7}T10:00",
        "talk_ratio": 0.45, "questions": 8, "open_questions": 2, "longest_monologue_s": 60.0,
    }  # fmt: skip
    base.update(kw)
    return ct.TeamCall(**base)  # type: ignore[arg-type]


def late(name: str, amount: float | None, stage: str = "negotiation") -> ct.DealInfo:
    return ct.DealInfo(name, stage, amount)


PRICE_LEFT = ct.ObjectionSeen("price", 754.0, "no_reply")


def test_unanswered_objection_on_the_biggest_late_deal_comes_first() -> None:
    calls = [
        call(1, talk_ratio=0.9, moments=(("change", "2:00"),)),  # far off the norm
        call(2, deal=late("Small", 5000.0), objections=(PRICE_LEFT,)),
        call(3, deal=late("Big", 90000.0), objections=(ct.ObjectionSeen("timing", 61.0, "deflected"),)),
        call(4, deal=late("Early", 1e6, stage="discovery"), objections=(PRICE_LEFT,)),
    ]  # fmt: skip
    picks = ct.pick_calls(calls, NORMS)
    assert [p.meeting_id for p in picks] == [3, 2]
    assert picks[0].kind == "unanswered" and picks[0].at == "1:01"
    assert picks[0].reason == (
        "Big is at negotiation, $90,000, and the timing objection at 1:01 was deflected."
    )


def test_off_norm_then_strong_and_nothing_without_a_reason() -> None:
    off = call(1, talk_ratio=0.7, questions=3, moments=(("change", "5:30"),))
    strong = call(
        2, talk_ratio=0.5, questions=10, open_questions=6, moments=(("strength", "9:02"),)
    )
    plain = call(3)  # on the norm, few open questions: no reason
    picks = ct.pick_calls([plain, strong, off], NORMS)
    assert [(p.meeting_id, p.kind) for p in picks] == [(1, "off_norm"), (2, "strong")]
    assert picks[0].reason == (
        "Rep2 asked 3 questions (team norm 8) and talked 70% of the time (team norm 45%) on this "
        "discovery call; listen from 5:30."
    )
    assert picks[1].reason == (
        "A call to share: Rep3 talked 50% of the time and asked 10 questions, 6 of them open; "
        "listen from 9:02."
    )
    assert ct.pick_calls([plain], NORMS) == []
    # no norm for the call type: neither off the norm nor strong
    assert ct.pick_calls([call(5, call_type="negotiation", talk_ratio=0.95)], NORMS) == []
    # a skipped talk ratio (unsure speakers) is not a gap
    assert ct.pick_calls([call(6, talk_ratio=None)], NORMS) == []


def test_focus_area_order() -> None:
    assert ct.focus_area([call(1, objections=(PRICE_LEFT, ct.ObjectionSeen("need", 5, "acknowledged")))],
                         NORMS) == "Answer objections: 1 of 2 left unanswered"  # fmt: skip
    assert ct.focus_area([call(1, talk_ratio=0.7)], NORMS) == (
        "Talk less: 70% talk ratio against a team norm of 45%"
    )
    assert ct.focus_area([call(1, questions=2)], NORMS) == (
        "Ask more questions: 2 a call against a team norm of 8"
    )
    assert ct.focus_area([call(1, questions=8, open_questions=1)], NORMS) == (
        "More open questions: 1 of 8 were open"
    )
    assert ct.focus_area([call(1, open_questions=5, longest_monologue_s=200.0)], NORMS) == (
        "Shorter monologues: the longest ran 3:20"
    )
    assert ct.focus_area([call(1, open_questions=5)], NORMS) is None


objection = st.builds(ct.ObjectionSeen, type=st.sampled_from(["price", "timing", "need"]),
                      start_s=st.floats(0, 7200),
                      response=st.sampled_from(["acknowledged", "deflected", "no_reply"]))  # fmt: skip
team_call = st.builds(
    ct.TeamCall, meeting_id=st.integers(1, 10**6), rep_id=st.integers(1, 5),
    rep_name=st.sampled_from(["Ann", "Bo"]), title=st.just("Call"),
    call_type=st.sampled_from(["discovery", "demo", "negotiation"]),
    started_at=st.sampled_from(["2026-11-23T10:00", "2026-11-24T10:00"]),
    talk_ratio=st.none() | st.floats(0, 1), questions=st.none() | st.integers(0, 30),
    open_questions=st.none() | st.integers(0, 30),
    longest_monologue_s=st.none() | st.floats(0, 900),
    objections=st.lists(objection, max_size=3).map(tuple),
    moments=st.lists(st.tuples(st.sampled_from(["change", "strength", "try"]),
                               st.sampled_from(["0:10", "12:00"])), max_size=3).map(tuple),
    deal=st.none() | st.builds(ct.DealInfo, name=st.just("D"),
                               stage=st.sampled_from(["discovery", "proposal", "negotiation"]),
                               amount=st.none() | st.floats(0, 1e7)),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(calls=st.lists(team_call, max_size=12, unique_by=lambda c: c.meeting_id), data=st.data())
def test_ranking_invariants(calls: list[ct.TeamCall], data: st.DataObject) -> None:
    picks = ct.pick_calls(calls, NORMS)
    ids = [p.meeting_id for p in picks]
    assert len(picks) <= 2 and len(set(ids)) == len(ids)
    with_reason = [c for c in calls if ct.best_reason(c, NORMS.get(c.call_type)) is not None]
    assert len(picks) == min(2, len(with_reason))  # never fewer than there are reasons
    # a call with an unanswered late-stage objection is never passed over for another kind
    kinds = [p.kind for p in picks]
    assert kinds == sorted(kinds, key=lambda k: -ct._KIND_RANK[k])
    # the order of the input does not change the picks
    shuffled = data.draw(st.permutations(calls))
    assert ct.pick_calls(shuffled, NORMS) == picks
    for p in picks:
        assert p.reason.endswith(".") and (p.at is None or p.at in p.reason)


# ----------------------------------------------------------------------------- win/loss, numbers


def deals(won: list[float], lost: list[float]) -> list[DealOutcome]:
    out = []
    for i, (stage, talk) in enumerate(
        [("closed_won", t) for t in won] + [("closed_lost", t) for t in lost]
    ):
        c = CallMetrics(meeting_id=i, title=f"Call {i}", call_type="demo", talk_ratio=talk,
                        questions=5, open_share=0.4, longest_monologue_s=60.0)  # fmt: skip
        out.append(DealOutcome(i, f"Deal {i}", stage, (c,)))
    return out


def test_win_loss_line_below_and_above_the_gate() -> None:
    below = win_loss_line(win_loss(deals([0.40, 0.44, 0.42], [0.70, 0.66, 0.68])))
    first, second = below.split("\n")
    assert first == "Not enough outcomes to claim a pattern (3 won, 3 lost; 50 and 150 needed)."
    assert second.startswith(
        "Descriptive only: rep talk ratio averaged 42% on 3 won deals (95% CI "
    )
    assert "Calls behind it: Call " in second and ", won) and Call " in second
    # one closed deal a side: no interval, so no comparison line
    assert "\n" not in win_loss_line(win_loss(deals([0.4], [0.7])))
    # above the gate (a lowered gate): the model's message, which names calls when it claims
    report = win_loss(deals([0.3 + 0.002 * i for i in range(60)], [0.5 + 0.002 * i for i in range(160)]),
                      min_won=50, min_lost=150)  # fmt: skip
    assert report.enough and win_loss_line(report) == report.message


def test_numbers_line_raises_the_dismissal_alert_above_15_percent() -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    rows = sm.SuccessRows(
        meetings=(sm.MeetingRow(1, 1, start, start + timedelta(minutes=4)),),
        suggestions=tuple(sm.SuggestionRow(1, "email_send", s)
                          for s in ["approved"] * 8 + ["skipped"] * 2),
    )  # fmt: skip
    line, alert = numbers_line(sm.figures(rows, days=7, reps=1))
    assert line == ("Follow-ups within 10 min: 100% of 1 recorded meeting, median 4 min · briefs on "
                    "time: no data · suggestions accepted: 80%, dismissed: 20% of 10")  # fmt: skip
    assert alert is not None and alert.startswith(
        "Your team dismissed 20% of my suggestions (above 15%)"
    )
    calm = sm.SuccessRows(suggestions=tuple(sm.SuggestionRow(1, "tasks", s)
                                            for s in ["approved"] * 9 + ["skipped"]))  # fmt: skip
    assert numbers_line(sm.figures(calm, days=7, reps=1))[1] is None


# ----------------------------------------------------------------------------- settings, home

FORM = PreferenceForm(briefing_time="08:00", timezone="UTC", working_hours_start="09:00",
                      working_hours_end="17:00", quiet_hours_start=None, quiet_hours_end=None,
                      max_notifications_per_hour=6, meeting_buffer_minutes=10,
                      daily_send_limit=50, coaching_frequency="both")  # fmt: skip
RAW: dict[str, object] = {"briefing_time": "08:00", "timezone": "UTC", "working_hours_start": "09:00",
       "working_hours_end": "17:00", "max_notifications_per_hour": "6",
       "meeting_buffer_minutes": "10", "daily_send_limit": "50", "coaching_frequency": "both"}  # fmt: skip
IDS = {"briefing_time": "bt", "timezone": "tz", "timezone_text": "tzt", "working_hours_start": "ws",
       "working_hours_end": "we", "quiet_hours_start": "qs", "quiet_hours_end": "qe",
       "max_notifications_per_hour": "mx", "meeting_buffer_minutes": "bf",
       "daily_send_limit": "sl", "coaching_frequency": "co", "manager_digest_day": "md"}  # fmt: skip


def block_ids(form: PreferenceForm) -> list[str]:
    return [b["block_id"] for b in settings_modal(form).to_dict()["blocks"]]


def test_manager_day_only_for_managers_and_validated() -> None:
    assert SettingsField.MANAGER_DAY not in block_ids(FORM)
    manager = PreferenceForm(**{**vars(FORM), "manager_digest_day": "thu"})
    view = settings_modal(manager).to_dict()
    [day] = [b for b in view["blocks"] if b["block_id"] == SettingsField.MANAGER_DAY]
    assert day["element"]["initial_option"]["value"] == "thu"
    changes, errors = validate_preferences({**RAW, "manager_digest_day": "thu"}, IDS)
    assert (
        errors == {} and changes is not None and changes.preferences["manager_digest_day"] == "thu"
    )
    changes, errors = validate_preferences(RAW, IDS)  # a rep: the field is absent, nothing changes
    assert changes is not None and "manager_digest_day" not in changes.preferences
    _, errors = validate_preferences({**RAW, "manager_digest_day": "someday"}, IDS)
    assert errors == {"md": "pick a day of the week"}


def home(org_off: bool, admin: bool, team_day: str | None = "Thursday") -> str:
    m = HomeModel(name="Max", timezone="UTC", briefing_time="08:00", briefing_days="mon-fri",
                  working_hours="09:00–17:00", quiet_hours="none", max_notifications_per_hour=6,
                  meeting_buffer_minutes=10, daily_send_limit=50, coaching_frequency="both",
                  paused_until=None, connections=[], waiting=[], recent=[],
                  org=OrgRow(10.0, 1.0, 14, {"coaching": not org_off}) if admin else None,
                  refreshed_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), team_digest_day=team_day,
                  coaching_org_off=org_off)  # fmt: skip
    return str(home_view(m).to_dict())


def test_home_shows_the_team_day_and_says_when_coaching_is_off() -> None:
    on = home(org_off=False, admin=False)
    assert "*Team coaching digest*\\nThursday" in on and "Off for your organisation" not in on
    assert "*Team coaching digest*" not in home(org_off=False, admin=False, team_day=None)
    off = home(org_off=True, admin=True)
    assert "Off for your organisation (an admin turned it off)" in off
    assert "*Team coaching digest*" not in off
    assert "Call coaching is off: no calls are analysed and no coaching digests go out." in off


def test_admins_turn_coaching_off_in_the_org_settings() -> None:
    assert ("coaching", "Call coaching (analyses and digests)") in ORG_FEATURES
    change, errors = validate_org_settings(["morning_brief"], "50", "14")
    assert errors == {} and change is not None and change.features["coaching"] is False
    change, _ = validate_org_settings(["coaching"], "50", "14")
    assert change is not None and change.features["coaching"] is True
