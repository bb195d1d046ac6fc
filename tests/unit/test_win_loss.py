"""Win/loss patterns: the 50 won / 150 lost gate, intervals against known values, a planted
effect found above the gate on simulated deals, and no claim from noise."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.win_loss import (
    CallMetrics,
    DealOutcome,
    logistic_fit,
    outcome_of,
    t_quantile,
    welch_interval,
    win_loss,
)


def call(mid: int, talk: float, *, kind: str = "discovery", questions: int = 5,
         open_share: float = 0.5, mono: float = 90.0) -> CallMetrics:  # fmt: skip
    return CallMetrics(meeting_id=mid, title=f"Call {mid}", call_type=kind, talk_ratio=talk,
                       questions=questions, open_share=open_share, longest_monologue_s=mono)  # fmt: skip


def deals_of(won: int, lost: int, seed: int = 0) -> list[DealOutcome]:
    rng = random.Random(seed)
    out = []
    for i in range(won + lost):
        stage = "closed_won" if i < won else "closed_lost"
        out.append(DealOutcome(i, f"Deal {i}", stage, (call(i, rng.uniform(0.3, 0.8),
                                                             questions=rng.randint(0, 12),
                                                             open_share=rng.random(),
                                                             mono=rng.uniform(20, 300)),)))  # fmt: skip
    return out


def simulate(seed: int, n: int = 420, effect: float = 0.0) -> list[DealOutcome]:
    """Deals with 1-3 calls; a deal's talk level drives its calls' talk ratios, and with
    `effect` the log-odds of winning fall by `effect` per 10 points of talk level."""
    rng = random.Random(seed)
    deals = []
    for d in range(n):
        level = rng.gauss(0.55, 0.12)
        p = 1.0 / (1.0 + math.exp(-(-1.1 - effect * (level - 0.55) / 0.1)))
        stage = "closed_won" if rng.random() < p else "closed_lost"
        calls = tuple(
            call(d * 10 + k, min(0.98, max(0.02, level + rng.gauss(0, 0.04))),
                 kind=rng.choice(("discovery", "discovery", "demo")),
                 questions=rng.randint(0, 14), open_share=rng.random(), mono=rng.uniform(20, 400))
            for k in range(rng.randint(1, 3))
        )  # fmt: skip
        deals.append(DealOutcome(d, f"Deal {d}", stage, calls))
    return deals


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706205), (2, 4.302653), (5, 2.570582), (10, 2.228139), (30, 2.042272),
     (100, 1.983972)],
)  # fmt: skip
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-6)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=1e-6)


def test_welch_interval_known_value() -> None:
    # R: t.test(c(1,2,3,4,5), c(2,4,6,8,10)) -> df 5.8824, 95% CI -6.887742 0.887742
    lo, hi = welch_interval([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]) or (0.0, 0.0)
    assert (lo, hi) == (pytest.approx(-6.887742, abs=1e-5), pytest.approx(0.887742, abs=1e-5))


def test_logistic_fit_recovers_the_2x2_odds_ratio_and_its_wald_error() -> None:
    x = [[1.0, 1.0]] * 30 + [[1.0, 0.0]] * 40
    y = [1] * 20 + [0] * 10 + [1] * 15 + [0] * 25
    fit = logistic_fit(x, y)
    assert fit.converged
    assert math.exp(fit.coef[1]) == pytest.approx(20 * 25 / (10 * 15))
    assert fit.se[1] == pytest.approx(math.sqrt(1 / 20 + 1 / 10 + 1 / 15 + 1 / 25))


def test_perfect_separation_is_not_a_fit() -> None:
    fit = logistic_fit([[1.0, float(v)] for v in range(10)], [0] * 5 + [1] * 5)
    assert not fit.converged


def test_descriptive_intervals_known_values_and_the_plain_message() -> None:
    deals = [
        DealOutcome(1, "A", "closed_won", (call(1, 0.2), call(2, 0.2))),  # deal mean 0.2
        DealOutcome(2, "B", "won", (call(3, 0.4),)),
        DealOutcome(3, "C", "closed_won", (call(4, 0.6),)),
        DealOutcome(4, "D", "closed_lost", (call(5, 0.7),)),
        DealOutcome(5, "E", "lost", (call(6, 0.9),)),
        DealOutcome(6, "F", "negotiation", (call(7, 0.1),)),  # open: left out
        DealOutcome(7, "G", "closed_lost", ()),  # no analysed call: left out
    ]
    report = win_loss(deals)
    assert (report.won, report.lost, report.calls, report.enough) == (3, 2, 6, False)
    assert report.message == (
        "Not enough outcomes to claim a pattern (3 won, 2 lost; 50 and 150 needed)."
    )
    assert report.model == ()
    talk = next(c for c in report.comparisons if c.metric == "talk_ratio")
    assert talk.won_mean == pytest.approx(0.4) and talk.lost_mean == pytest.approx(0.8)
    half = 4.302653 * 0.2 / math.sqrt(3)  # t(0.975, 2) · sd / √n
    assert talk.won_ci == (pytest.approx(0.4 - half, abs=1e-6), pytest.approx(0.4 + half, abs=1e-6))
    half_lost = 12.706205 * math.sqrt(0.02) / math.sqrt(2)
    assert talk.lost_ci == (pytest.approx(0.8 - half_lost, abs=1e-5),
                           pytest.approx(0.8 + half_lost, abs=1e-5))  # fmt: skip
    assert talk.difference == pytest.approx(-0.4)
    # the calls behind it: won calls with the least talk, then lost calls with the most
    assert [e.meeting_id for e in talk.examples] == [1, 2, 3, 6, 5]
    assert {e.outcome for e in talk.examples[:3]} == {"won"}
    (under,) = report.proportions
    assert (under.won_x, under.won_n, under.lost_x, under.lost_n) == (2, 3, 0, 2)
    # Wilson 95% for 2/3 and 0/2 (Newcombe 1998 table values)
    assert under.won_ci == (pytest.approx(0.2077, abs=1e-4), pytest.approx(0.9385, abs=1e-4))
    assert under.lost_ci == (0.0, pytest.approx(0.6576, abs=1e-4))


@given(won=st.integers(0, 70), lost=st.integers(0, 190))
def test_the_gate_is_50_won_and_150_lost(won: int, lost: int) -> None:
    report = win_loss(deals_of(won, lost))
    assert (report.won, report.lost) == (won, lost)
    assert report.enough == (won >= 50 and lost >= 150)
    if not report.enough:
        assert report.model == () and report.message.startswith(
            f"Not enough outcomes to claim a pattern ({won} won, {lost} lost; 50 and 150 needed)"
        )
    else:
        assert report.converged and len(report.model) == 4


@pytest.mark.parametrize(("won", "lost", "enough"), [(49, 150, False), (50, 149, False),
                                                     (50, 150, True), (51, 300, True)])  # fmt: skip
def test_the_gate_at_its_edges(won: int, lost: int, enough: bool) -> None:
    assert win_loss(deals_of(won, lost, seed=won + lost)).enough is enough


def test_a_planted_effect_is_found_above_the_gate_and_named_with_its_calls() -> None:
    report = win_loss(simulate(seed=7, effect=1.0))
    assert report.enough and report.converged
    assert report.call_types == ("discovery", "demo")
    by_metric = {r.metric: r for r in report.model}
    talk = by_metric["talk_ratio"]
    assert talk.claim and talk.family_ci[1] < 1.0
    # the planted odds ratio per 10 points, attenuated by the calls' noise around the deal's
    # level: slope × var(level) / (var(level) + var(noise)) = -1.0 × 0.0144 / 0.016
    assert talk.ci[0] < math.exp(-0.9) < talk.ci[1]
    assert [r.metric for r in report.model if r.claim] == ["talk_ratio"]
    assert report.message.startswith(
        "Rep talk ratio: each 10 points of talk ratio goes with "
        f"{talk.odds_ratio:.2f} times the odds of winning (95% CI "
    )
    first_won = next(e for e in talk.examples if e.outcome == "won")
    assert f"see {first_won.title} ({first_won.deal_name}, won) and " in report.message
    won_examples = [e for e in talk.examples if e.outcome == "won"]
    lost_examples = [e for e in talk.examples if e.outcome == "lost"]
    assert len(won_examples) == len(lost_examples) == 3
    assert max(e.value for e in won_examples) < min(e.value for e in lost_examples)


def test_the_planted_effect_is_found_on_most_simulations_with_honest_intervals() -> None:
    found = covered = 0
    for seed in range(20):
        talk = next(r for r in win_loss(simulate(seed=seed, effect=1.0)).model
                    if r.metric == "talk_ratio")  # fmt: skip
        found += talk.claim
        covered += talk.ci[0] < math.exp(-0.9) < talk.ci[1]
    assert found >= 18 and covered >= 16


def test_below_the_gate_the_same_effect_is_not_claimed() -> None:
    deals = simulate(seed=7, effect=1.0)[:150]
    report = win_loss(deals)
    assert not report.enough and report.model == ()
    assert report.message.startswith("Not enough outcomes to claim a pattern")
    talk = next(c for c in report.comparisons if c.metric == "talk_ratio")
    assert talk.difference is not None and talk.difference < 0  # described, not claimed


def test_no_claim_from_noise() -> None:
    claims = 0
    for seed in range(30):
        report = win_loss(simulate(seed=1000 + seed, effect=0.0))
        assert report.enough and report.converged
        claims += any(r.claim for r in report.model)
    assert claims <= 3  # family-wise 5%: about 1.5 of 30 expected


def test_outcome_of_crm_stages() -> None:
    assert [outcome_of(s) for s in ("closed_won", "Closed_Lost", "won", "lost", "proposal")] == [
        "won", "lost", "won", "lost", None]  # fmt: skip
