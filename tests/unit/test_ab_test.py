"""`skills.ab_test`: decisions only at the planned size, and their error rates by simulation.

Simulations use a fixed `random.Random(seed)`, so they are deterministic; the binomial draws
are exact (inversion of the binomial CDF), not a normal approximation.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.ab_stats import sample_size
from skills.ab_test import ABTest, Arm, compare_pair, decide, parse_ab_input, planned_per_arm

SIMS = 2000


def binomial(r: random.Random, n: int, p: float) -> int:
    """An exact Binomial(n, p) draw by inverting its CDF (p small, so the walk is short)."""
    u, k = r.random(), 0
    pk = (1.0 - p) ** n
    cdf = pk
    while u > cdf and k < n:
        pk *= (n - k) / (k + 1) * p / (1.0 - p)
        k += 1
        cdf += pk
    return k


def pair_rejections(seed: int, n: int, pa: float, pb: float) -> tuple[float, set[str]]:
    """Share of SIMS simulated A/B pairs at n sends each that the comparison calls significant."""
    r = random.Random(seed)
    hits, tests = 0, set()
    for _ in range(SIMS):
        a = Arm("A", n, binomial(r, n, pa))
        b = Arm("B", n, binomial(r, n, pb))
        leader, other = (a, b) if a.events >= b.events else (b, a)
        c = compare_pair(leader, other)
        tests.add(c.test)
        hits += c.p_value < 0.05
    return hits / SIMS, tests


def test_aa_false_winner_share_is_near_alpha() -> None:
    n = sample_size(0.05, 0.075)  # 1,471: the planned size for 5% and a 50% lift
    share, tests = pair_rejections(seed=1, n=n, pa=0.05, pb=0.05)
    assert tests == {"z_test"}
    assert 0.03 <= share <= 0.07, share


def test_real_lift_is_found_about_80_percent_of_the_time() -> None:
    n = sample_size(0.05, 0.075)
    share, _ = pair_rejections(seed=2, n=n, pa=0.05, pb=0.075)
    assert 0.76 <= share <= 0.84, share


def test_fisher_path_keeps_false_winners_at_or_below_alpha() -> None:
    n = sample_size(0.01, 0.05)  # 285 sends: about 3 expected events an arm, so Fisher
    share, tests = pair_rejections(seed=3, n=n, pa=0.01, pb=0.01)
    assert "fisher_exact" in tests
    assert share <= 0.06, share  # Fisher's exact is conservative


def _simulate_decisions(seed: int, rates: list[float], n: int, lift: float = 0.5) -> dict[str, int]:
    r = random.Random(seed)
    counts = {"winner": 0, "no_difference": 0, "keep_testing": 0}
    for _ in range(SIMS):
        arms = tuple(Arm(chr(65 + i), n, binomial(r, n, p)) for i, p in enumerate(rates))
        counts[decide(ABTest(arms, lift))["decision"]] += 1
    return counts


def test_aa_end_to_end_through_decide() -> None:
    # both arms somewhat past the size planned from the true rate, so the plan drawn from the
    # observed pooled rate is nearly always reached
    n = math.ceil(1.25 * sample_size(0.05, 0.075))
    counts = _simulate_decisions(seed=4, rates=[0.05, 0.05], n=n)
    assert counts["keep_testing"] <= 0.01 * SIMS, counts
    assert 0.02 <= counts["winner"] / SIMS <= 0.08, counts


def test_aaa_bonferroni_keeps_false_winners_below_alpha() -> None:
    n = math.ceil(1.25 * sample_size(0.05, 0.075))
    counts = _simulate_decisions(seed=5, rates=[0.05, 0.05, 0.05], n=n)
    assert counts["winner"] / SIMS <= 0.05, counts


def test_planned_size_follows_the_pooled_rate() -> None:
    assert planned_per_arm(0.03, 0.5) == sample_size(0.03, 0.045) == 2518
    assert planned_per_arm(0.0, 0.5) is None
    assert planned_per_arm(0.7, 0.5) is None  # 105% cannot be a target


rate_arms = st.lists(
    st.integers(0, 100).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n // 10))),
    min_size=2,
    max_size=5,
)


@settings(max_examples=200)
@given(rate_arms)
def test_small_samples_never_give_a_winner(pairs: list[tuple[int, int]]) -> None:
    # at most 100 sends an arm and at most a 10% rate: the plan needs hundreds, so no verdict
    arms = tuple(Arm(f"v{i}", n, x) for i, (n, x) in enumerate(pairs))
    result = decide(ABTest(arms))
    assert result["decision"] == "keep_testing"
    assert result["winner"] is None and result["p_value"] is None


@settings(max_examples=300)
@given(
    st.lists(
        st.integers(0, 5000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
        min_size=2,
        max_size=4,
    ),
    st.sampled_from([0.2, 0.5, 1.0, 2.0]),
)
def test_decision_invariants(pairs: list[tuple[int, int]], lift: float) -> None:
    arms = tuple(Arm(f"v{i}", n, x) for i, (n, x) in enumerate(pairs))
    res = decide(ABTest(arms, lift))
    needed = res["needed_per_arm"]
    short = res["sends_short"]
    if res["decision"] == "keep_testing":
        assert res["p_value"] is None and res["winner"] is None
        assert needed is None or any(a.sent < needed for a in arms)
    else:
        assert needed is not None and all(a.sent >= needed for a in arms)
        assert all(v == 0 for v in short.values())
        assert (res["decision"] == "winner") == (res["p_value"] < 0.05)
    if res["winner"] is not None:
        assert res["winner"] == res["leader"] and res["difference_pp"] > 0
    assert list(res["rates"]) == [a.name for a in arms]
    assert isinstance(res["message"], str) and res["message"]


def test_message_while_keep_testing() -> None:
    res = decide(ABTest((Arm("A", 640, 19), Arm("B", 655, 27))))
    assert res["decision"] == "keep_testing"
    assert res["message"].startswith("B leads A by 1.1 pp (95% CI −0.9 to +3.2), 640 of the ")
    assert res["message"].endswith("sends needed per variant — keep testing")
    assert res["sends_short"] == {
        "A": res["needed_per_arm"] - 640,
        "B": res["needed_per_arm"] - 655,
    }


def test_no_replies_yet() -> None:
    res = decide(ABTest((Arm("A", 300, 0), Arm("B", 310, 0))))
    assert res["decision"] == "keep_testing" and res["needed_per_arm"] is None
    assert "No replies yet" in res["message"]


def test_winner_and_no_difference_messages() -> None:
    win = decide(ABTest((Arm("A", 2600, 70), Arm("B", 2600, 115))))
    assert win["decision"] == "winner" and win["winner"] == "B" and win["test"] == "z_test"
    assert win["message"].endswith("B is the winner")
    same = decide(ABTest((Arm("A", 2600, 80), Arm("B", 2600, 88))))
    assert same["decision"] == "no_difference" and same["winner"] is None
    assert 0.05 <= same["p_value"] <= 1.0


def test_three_arms_use_bonferroni() -> None:
    arms = (Arm("X", 1200, 36), Arm("Y", 1200, 70), Arm("Z", 1200, 41))
    res = decide(ABTest(arms, 1.0))
    assert res["alpha"] == 0.025
    assert [c["arm"] for c in res["comparisons"]] == ["X", "Z"]
    assert res["p_value"] == max(c["adjusted_p_value"] for c in res["comparisons"])
    assert "Bonferroni" in res["message"]


def _doc(**arm: Any) -> dict[str, Any]:
    a: dict[str, Any] = {"name": "A", "sent": 10, "events": 1}
    a.update(arm)
    return {"tests": [{"arms": [a, {"name": "B", "sent": 10, "events": 1}]}]}


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_doc(events=11), "tests[0].arms[0].events (11) is more than tests[0].arms[0].sent (10)"),
        (_doc(sent=-1), "tests[0].arms[0].sent must not be negative"),
        (_doc(events=-2), "tests[0].arms[0].events must not be negative"),
        (_doc(sent=True), "tests[0].arms[0].sent must be a whole number"),
        (_doc(sent=2.5), "tests[0].arms[0].sent must be a whole number"),
        (_doc(name="B"), "tests[0].arms[1].name 'B' is used by an earlier arm"),
        (_doc(name=""), "tests[0].arms[0].name must be a non-empty string"),
        ({"tests": [{"arms": [{"name": "A", "sent": 1, "events": 0}]}]}, "at least two arms"),
        ({"tests": [{"arms": []}]}, "at least two arms"),
        (
            {"tests": [{"arms": _doc()["tests"][0]["arms"], "min_detectable_lift": 0}]},
            "min_detectable_lift must be above 0",
        ),
        (
            {"tests": [{"arms": _doc()["tests"][0]["arms"], "min_detectable_lift": -0.5}]},
            "min_detectable_lift must be above 0",
        ),
        (
            {"tests": [{"arms": _doc()["tests"][0]["arms"], "min_detectable_lift": "big"}]},
            "min_detectable_lift must be a number",
        ),
        (
            {"tests": [{"arms": _doc()["tests"][0]["arms"], "min_detectible_lift": 1}]},
            "unknown field 'min_detectible_lift'",
        ),
        ({"tests": {}}, '"tests"'),
        ([], "the input must be an object"),
        (
            {
                "tests": [
                    {"arms": [{"name": "A", "sent": 1}, {"name": "B", "sent": 1, "events": 0}]}
                ]
            },
            "tests[0].arms[0].events is missing",
        ),
    ],
)
def test_bad_input_is_one_sentence_naming_the_field(doc: Any, fragment: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_ab_input(doc)
    assert fragment in str(exc.value)
    assert "\n" not in str(exc.value)
