"""The campaign digest's numbers: rates in [0, 1], bounce thresholds, alerts, trend, opens only
with tracking, and at most one honest A/B suggestion (none with auto-optimise on)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skills.campaign_analysis import (
    Benchmarks,
    CampaignInput,
    Counts,
    DayRow,
    VariantRow,
    analyse,
)

counts = st.builds(
    Counts,
    new_leads_contacted=st.integers(0, 10_000),
    sent=st.integers(0, 10_000),
    unique_replies=st.integers(0, 10_000),
    unique_replies_automatic=st.integers(0, 10_000),
    interested=st.integers(0, 10_000),
    bounced=st.integers(0, 10_000),
    unsubscribed=st.integers(0, 10_000),
    unique_opened=st.integers(0, 10_000),
)
variant_rows = st.lists(
    st.builds(
        VariantRow,
        step=st.integers(0, 3),
        variant=st.integers(0, 3),
        sent=st.integers(0, 5_000),
        unique_replies=st.integers(0, 500),
        unique_replies_automatic=st.integers(0, 50),
    ),
    max_size=12,
).map(tuple)
inputs = st.builds(
    CampaignInput,
    campaign_id=st.just("c1"),
    name=st.just("Q1 outbound"),
    status=st.sampled_from([None, -99, -2, -1, 0, 1, 2, 3, 4]),
    recent=counts,
    week=counts,
    steps=variant_rows,
    open_tracking=st.booleans(),
    auto_optimise=st.booleans(),
    test_days=st.one_of(st.none(), st.floats(0.5, 60)),
)


@given(inputs)
def test_rates_are_proportions_and_one_suggestion_at_most(c: CampaignInput) -> None:
    d = analyse(c)
    for r in (d.reply_rate, d.positive_rate, d.bounce_rate, d.unsubscribe_rate, d.open_rate):
        assert r is None or 0.0 <= r <= 1.0
    if not c.open_tracking:
        assert d.open_rate is None
    if c.auto_optimise:
        assert d.suggestion is None
        assert any("no longer random" in n for n in d.notes)


@given(inputs)
def test_bounce_thresholds(c: CampaignInput) -> None:
    d = analyse(c)
    bounce = [a for a in d.alerts if a.kind == "bounce"]
    if d.bounce_rate is None or d.bounce_rate < 0.02:
        assert not bounce
    elif d.bounce_rate >= 0.05:
        assert [a.level for a in bounce] == ["act"]
    else:
        assert [a.level for a in bounce] == ["watch"]


def campaign(**kw: object) -> CampaignInput:
    base: dict[str, object] = {
        "campaign_id": "c1", "name": "Q1", "status": 1,
        "recent": Counts(new_leads_contacted=100, sent=150, unique_replies=5, interested=2,
                         bounced=1),
        "week": Counts(new_leads_contacted=700, sent=1050, unique_replies=35,
                       unique_replies_automatic=3, interested=12, bounced=7),
    }  # fmt: skip
    base.update(kw)
    return CampaignInput(**base)  # type: ignore[arg-type]


def test_healthy_campaign_has_no_alerts_and_reply_rate_is_instantlys() -> None:
    d = analyse(campaign())
    assert d.healthy
    assert d.reply_rate == (5 + 35 - 3) / 800  # human unique replies / new leads contacted
    assert d.sent.last_24h == 150 and d.sent.week_avg == 150.0 and d.sent.change == 0.0
    assert d.open_rate is None


def test_bounce_act_and_watch_and_stopped_reason() -> None:
    act = analyse(campaign(recent=Counts(new_leads_contacted=100, sent=100, bounced=6,
                                         unique_replies=5, interested=2), week=Counts()))  # fmt: skip
    assert [(a.kind, a.level) for a in act.alerts] == [("bounce", "act")]
    watch = analyse(campaign(recent=Counts(new_leads_contacted=100, sent=100, bounced=3,
                                           unique_replies=5, interested=2), week=Counts()))  # fmt: skip
    assert [(a.kind, a.level) for a in watch.alerts] == [("bounce", "watch")]
    stopped = analyse(campaign(status=-2, sending_reason="all_accounts_unhealthy"))
    assert stopped.alerts[0].kind == "stopped"
    assert "bounce protection" in stopped.alerts[0].text
    assert "every sending mailbox is unhealthy (check them in Instantly)" in stopped.alerts[0].text


def test_stopped_says_which_mailbox_and_what_to_do() -> None:
    paused = analyse(campaign(status=2, sending_reason="daily_limit_met",
                              mailbox_problems=(("ann@acme.test", -1), ("bo@acme.test", 1))))  # fmt: skip
    assert [a.text for a in paused.alerts if a.kind == "stopped"] == [
        "Sending stopped: the mailbox ann@acme.test is disconnected (reconnect it in Instantly)"
    ]
    limit = analyse(campaign(status=2, sending_reason="daily_limit_met"))
    assert limit.alerts[0].text == (
        "Sending stopped: the daily sending limit is reached (raise it in Instantly to send more)"
    )
    unknown = analyse(campaign(status=2, sending_reason="something_new"))
    assert unknown.alerts[0].text == "Sending stopped: paused"


def test_active_but_silent_says_why_unless_just_out_of_schedule() -> None:
    quiet = Counts(new_leads_contacted=0, sent=0)
    leads = analyse(campaign(status=1, recent=quiet, sending_reason="waiting_for_leads"))
    assert [(a.kind, a.level, a.text) for a in leads.alerts] == [
        ("stopped", "watch",
         "Nothing sent in the last 24 h: no leads are left to contact (add leads in Instantly)")
    ]  # fmt: skip
    schedule = analyse(campaign(status=1, recent=quiet, sending_reason="out_of_schedule"))
    assert not [a for a in schedule.alerts if a.kind == "stopped"]
    sending = Counts(new_leads_contacted=50, sent=50)
    busy = analyse(campaign(status=1, recent=sending, sending_reason="waiting_for_leads"))
    assert not [a for a in busy.alerts if a.kind == "stopped"]


def test_under_benchmark_only_with_enough_leads() -> None:
    low = Counts(new_leads_contacted=500, sent=500, unique_replies=5, interested=1)
    kinds = {a.kind for a in analyse(campaign(recent=low, week=Counts())).alerts}
    assert kinds == {"reply_rate", "positive_rate"}
    few = Counts(new_leads_contacted=50, sent=50, unique_replies=0)
    assert analyse(campaign(recent=few, week=Counts())).healthy
    strict = Benchmarks(reply_rate=0.1)
    assert "reply_rate" in {a.kind for a in analyse(campaign(), strict).alerts}


def test_daily_rows_drive_the_week_average() -> None:
    rows = tuple(DayRow(f"2026-03-0{i}", sent=100, unique_replies=4) for i in range(1, 8))
    d = analyse(campaign(daily=rows))
    assert d.sent.week_avg == 100.0 and d.sent.change == 0.5
    assert d.replied.week_avg == 4.0


def test_winner_suggests_disabling_the_loser() -> None:
    steps = (VariantRow(0, 0, 2000, 40), VariantRow(0, 1, 2000, 120))
    d = analyse(campaign(steps=steps))
    assert d.suggestion is not None and d.suggestion.kind == "winner"
    assert d.suggestion.disable == ("A",)
    assert d.suggestion.text.startswith("Step 1: disable variant A")
    assert analyse(campaign(steps=steps, auto_optimise=True)).suggestion is None


def test_keep_testing_gives_days_to_go_at_the_current_pace() -> None:
    steps = (VariantRow(1, 0, 1500, 30), VariantRow(1, 1, 1500, 90))
    d = analyse(campaign(steps=steps, test_days=15))
    assert d.suggestion is not None and d.suggestion.kind == "keep_testing"
    assert d.suggestion.days_to_go == 4  # 363 short at 100 a day
    assert "about 4 more days" in d.suggestion.text and d.suggestion.text.startswith("Step 2")


def test_winner_beats_keep_testing_across_steps() -> None:
    steps = (VariantRow(0, 0, 1500, 30), VariantRow(0, 1, 1500, 90),
             VariantRow(1, 0, 2000, 40), VariantRow(1, 1, 2000, 120))  # fmt: skip
    d = analyse(campaign(steps=steps))
    assert d.suggestion is not None and (d.suggestion.kind, d.suggestion.step) == ("winner", 1)
