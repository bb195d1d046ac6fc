"""Honest A/B decisions for `sixty ab` (DESIGN.md 7; NEXT_BUILDS.md B4): read the tests, plan
each one's size, and decide only once that size is reached. Pure; statistics in `skills.ab_stats`.

Per test:
1. The pooled rate p̄ = all events / all sends. The planned sends per arm, `needed_per_arm`,
   detect a relative lift `min_detectable_lift` (default 0.5) over it: p1 = p̄, p2 = p̄·(1 + lift),
   two-sided alpha 0.05, power 0.8 (`ab_stats.sample_size`). No events anywhere (p̄ = 0) or a
   target rate of 100% or more leaves it `null`, and the test keeps going.
2. While any arm has fewer sends than planned the decision is `keep_testing` and no p-value is
   given (no peeking: a p-value looked at every day finds a "winner" far more often than 5%).
   The leader's difference and its interval are shown, as description, not as a verdict.
3. At the planned size, one test per comparison. Two arms: the pooled two-proportion z-test, or
   Fisher's exact test (two-sided) when an expected cell count is below 5. More arms: the best
   arm (highest rate, first listed on a tie) against each other arm, each at the Bonferroni
   alpha 0.05/(k − 1) (`alpha` in the output; `p_value` is the largest Bonferroni-adjusted
   p-value, min(1, p·(k − 1)), so `winner` iff `p_value` < 0.05). The plan is sized for alpha
   0.05, so with more than two arms the power at that size is below 0.8: the correction is the
   price of looking at several pairs, and it is said so in the message.
4. `winner` names the best arm only if it beats every other arm; otherwise `no_difference`
   (none is better by a margin this test could find, which is not proof they are equal).

The difference is the leader minus the runner-up (the next best arm), in percentage points,
with a 95% Newcombe hybrid-score interval (Wilson-based; it keeps its coverage at low rates,
where the Wald interval does not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from skills.ab_stats import (
    fisher_exact,
    newcombe_interval,
    sample_size,
    smallest_expected_count,
    z_test,
)

ALPHA = 0.05
DEFAULT_LIFT = 0.5
MIN_EXPECTED = 5.0  # below this expected count in any cell, Fisher's exact replaces the z-test
MAX_TESTS = 1_000
MAX_ARMS = 26  # A–Z, as in Instantly's A/Z testing
MAX_SENT = 1_000_000_000
MAX_NAME = 200


@dataclass(frozen=True)
class Arm:
    name: str
    sent: int
    events: int

    @property
    def rate(self) -> float | None:
        return self.events / self.sent if self.sent else None


@dataclass(frozen=True)
class ABTest:
    arms: tuple[Arm, ...]
    min_detectable_lift: float = DEFAULT_LIFT


@dataclass(frozen=True)
class Comparison:
    """The leader against one other arm at the planned size."""

    arm: str
    test: str  # "z_test" | "fisher_exact"
    p_value: float

    def to_json(self, m: int) -> dict[str, Any]:
        return {
            "arm": self.arm,
            "test": self.test,
            "p_value": _sig(self.p_value),
            "adjusted_p_value": _sig(min(1.0, self.p_value * m)),
        }


# --- input ---------------------------------------------------------------------------------


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a whole number, not {type(value).__name__}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{where} must be a whole number, not {value}")
        value = int(value)
    if value < 0:
        raise ValueError(f"{where} must not be negative (got {value})")
    if value > MAX_SENT:
        raise ValueError(f"{where} is larger than {MAX_SENT:,}")
    return value


def _object(value: object, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object")
    extra = sorted(set(value) - allowed)
    if extra:
        raise ValueError(f"{where} has an unknown field {extra[0]!r}")
    return value


def _parse_arm(value: object, where: str) -> Arm:
    obj = _object(value, where, {"name", "sent", "events"})
    for key in ("name", "sent", "events"):
        if key not in obj:
            raise ValueError(f"{where}.{key} is missing")
    name = obj["name"]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}.name must be a non-empty string")
    if len(name) > MAX_NAME:
        raise ValueError(f"{where}.name is longer than {MAX_NAME} characters")
    sent = _count(obj["sent"], f"{where}.sent")
    events = _count(obj["events"], f"{where}.events")
    if events > sent:
        raise ValueError(f"{where}.events ({events}) is more than {where}.sent ({sent})")
    return Arm(name=name, sent=sent, events=events)


def _parse_test(value: object, where: str) -> ABTest:
    obj = _object(value, where, {"arms", "min_detectable_lift"})
    arms_raw = obj.get("arms")
    if not isinstance(arms_raw, list):
        raise ValueError(f"{where}.arms must be a list of {{name, sent, events}}")
    if len(arms_raw) < 2:
        raise ValueError(f"{where}.arms needs at least two arms to compare (got {len(arms_raw)})")
    if len(arms_raw) > MAX_ARMS:
        raise ValueError(f"{where}.arms has more than {MAX_ARMS} arms")
    arms = tuple(_parse_arm(a, f"{where}.arms[{i}]") for i, a in enumerate(arms_raw))
    seen: set[str] = set()
    for i, arm in enumerate(arms):
        if arm.name in seen:
            raise ValueError(f"{where}.arms[{i}].name {arm.name!r} is used by an earlier arm")
        seen.add(arm.name)
    lift = obj.get("min_detectable_lift", DEFAULT_LIFT)
    if isinstance(lift, bool) or not isinstance(lift, int | float) or not math.isfinite(lift):
        raise ValueError(f"{where}.min_detectable_lift must be a number such as 0.5")
    if lift <= 0:
        raise ValueError(
            f"{where}.min_detectable_lift must be above 0 (a relative lift: 0.5 is +50%), "
            f"not {lift}"
        )
    return ABTest(arms=arms, min_detectable_lift=float(lift))


def parse_ab_input(data: object) -> list[ABTest]:
    """`{"tests": [{"arms": [{name, sent, events}], "min_detectable_lift"?}]}`; ValueError
    with one sentence naming the field for anything else."""
    obj = _object(data, "the input", {"tests"})
    tests = obj.get("tests")
    if not isinstance(tests, list):
        raise ValueError('the input needs "tests": a list of {"arms": [...]}')
    if len(tests) > MAX_TESTS:
        raise ValueError(f"tests has more than {MAX_TESTS} entries")
    return [_parse_test(t, f"tests[{i}]") for i, t in enumerate(tests)]


# --- the decision --------------------------------------------------------------------------


def planned_per_arm(pooled: float, lift: float) -> int | None:
    """Sends per arm to detect `lift` over `pooled`; None when there is nothing to plan on."""
    target = pooled * (1.0 + lift)
    if pooled <= 0.0 or target >= 1.0:
        return None
    return sample_size(pooled, target)


def compare_pair(leader: Arm, other: Arm) -> Comparison:
    """One two-sided test of `leader` against `other` (both with sends)."""
    x1, n1, x2, n2 = leader.events, leader.sent, other.events, other.sent
    if smallest_expected_count(x1, n1, x2, n2) < MIN_EXPECTED:
        p = fisher_exact(x1, n1 - x1, x2, n2 - x2)
        return Comparison(arm=other.name, test="fisher_exact", p_value=p)
    return Comparison(arm=other.name, test="z_test", p_value=z_test(x1, n1, x2, n2))


def ranked(arms: tuple[Arm, ...]) -> list[Arm]:
    """Arms with sends, best rate first, input order on ties."""
    with_sends = [a for a in arms if a.sent > 0]
    return sorted(with_sends, key=lambda a: -(a.events / a.sent))


def decide(test: ABTest) -> dict[str, Any]:
    """The result object for one test (DESIGN.md 7)."""
    arms = test.arms
    total_sent = sum(a.sent for a in arms)
    total_events = sum(a.events for a in arms)
    pooled = total_events / total_sent if total_sent else 0.0
    needed = planned_per_arm(pooled, test.min_detectable_lift)
    order = ranked(arms)
    leader, runner = (order[0], order[1]) if len(order) >= 2 else (None, None)
    diff = ci = None
    if leader is not None and runner is not None:
        diff = leader.events / leader.sent - runner.events / runner.sent
        ci = newcombe_interval(leader.events, leader.sent, runner.events, runner.sent)
    m = len(arms) - 1
    alpha = ALPHA / m
    decision, winner, p_value = "keep_testing", None, None
    comparisons: list[Comparison] = []
    if needed is not None and all(a.sent >= needed for a in arms) and leader is not None:
        comparisons = [compare_pair(leader, a) for a in arms if a is not leader]
        p_value = min(1.0, max(c.p_value for c in comparisons) * m)
        if p_value < ALPHA and diff is not None and diff > 0:
            decision, winner = "winner", leader.name
        else:
            decision = "no_difference"
    tests_used = sorted({c.test for c in comparisons})
    result: dict[str, Any] = {
        "decision": decision,
        "winner": winner,
        "p_value": None if p_value is None else _sig(p_value),
        "needed_per_arm": needed,
        "test": None if not tests_used else "+".join(tests_used),
        "alpha": _sig(alpha),
        "min_detectable_lift": test.min_detectable_lift,
        "pooled_rate": _sig(pooled),
        "rates": {a.name: None if a.rate is None else _sig(a.rate) for a in arms},
        "leader": None if leader is None else leader.name,
        "runner_up": None if runner is None else runner.name,
        "difference_pp": None if diff is None else round(100 * diff, 2),
        "ci_95_pp": None if ci is None else [round(100 * ci[0], 2), round(100 * ci[1], 2)],
        "ci_method": "newcombe",
        "sends_short": {a.name: 0 if needed is None else max(0, needed - a.sent) for a in arms},
        "comparisons": [c.to_json(m) for c in comparisons],
    }
    if needed is None:
        result["sends_short"] = {a.name: None for a in arms}
    result["message"] = _message(test, result, total_sent, total_events, pooled)
    return result


def decide_all(tests: list[ABTest]) -> dict[str, Any]:
    return {"results": [decide(t) for t in tests]}


# --- wording -------------------------------------------------------------------------------


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _pp(x: float, signed: bool = False) -> str:
    text = f"{abs(x):.1f}"
    if not signed:
        return text
    return ("−" if x < 0 and text != "0.0" else "+") + text


def _lead(result: dict[str, Any]) -> str:
    diff, ci = result["difference_pp"], result["ci_95_pp"]
    leader, runner = result["leader"], result["runner_up"]
    interval = f"(95% CI {_pp(ci[0], True)} to {_pp(ci[1], True)})"
    if diff == 0:
        return f"{leader} and {runner} are level {interval}"
    return f"{leader} leads {runner} by {_pp(diff)} pp {interval}"


def _message(
    test: ABTest, result: dict[str, Any], total_sent: int, total_events: int, pooled: float
) -> str:
    needed = result["needed_per_arm"]
    lift = f"{test.min_detectable_lift * 100:g}%"
    if total_sent == 0:
        return "No sends yet in any variant — keep testing"
    if total_events == 0:
        return (
            f"No replies yet in any variant (0 of {total_sent:,} sends), so there is "
            "nothing to compare and no sample size to plan on — keep testing"
        )
    if needed is None:
        return (
            f"A {lift} lift over the pooled rate of {pooled * 100:.1f}% would pass 100%, so "
            "it cannot be planned for; set a smaller min_detectable_lift — keep testing"
        )
    lead = _lead(result) if result["leader"] is not None else "Some variants have no sends yet"
    fewest = min(a.sent for a in test.arms)
    decision = result["decision"]
    if decision == "keep_testing":
        return f"{lead}, {fewest:,} of the {needed:,} sends needed per variant — keep testing"
    k = len(test.arms)
    p_text = _p_text(result["p_value"])
    if k > 2:
        p_text += (
            f" (Bonferroni-adjusted: the best against each of the {k - 1} others, "
            f"alpha {result['alpha']:.3g} each)"
        )
    where = f"with {fewest:,} sends or more per variant (planned {needed:,})"
    if decision == "winner":
        return f"{lead}; {p_text}, {where} — {result['winner']} is the winner"
    return (
        f"{lead}; {p_text}, {where} — no difference: no variant is ahead by the {lift} "
        "lift this test was sized to find"
    )


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
