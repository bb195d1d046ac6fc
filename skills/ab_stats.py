"""The statistics behind `sixty ab` (DESIGN.md 7; NEXT_BUILDS.md B4), in plain `math`.

Owns: the per-arm sample size for two proportions, the pooled two-proportion z-test, Fisher's
exact test (two-sided), and the Newcombe (hybrid score, Wilson-based) interval for a difference
of two proportions. No numpy or scipy: the app does not depend on them. Pure functions.

- `sample_size(p1, p2)`: the standard formula for two independent proportions, equal arms,
  two-sided alpha 0.05 and power 0.8 (`Z_ALPHA = 1.959964`, `Z_BETA = 0.841621`):
  n = (z_a·√(2·p̄·q̄) + z_b·√(p1·q1 + p2·q2))² / (p1 − p2)², p̄ = (p1 + p2)/2, rounded up.
  3% → 4.5% gives 2,518 (NEXT_BUILDS.md B4: ~2,520); 5% → 7.5% gives 1,471.
- `z_test(x1, n1, x2, n2)`: pooled-variance z, two-sided p = erfc(|z|/√2).
- `fisher_exact(a, b, c, d)`: the 2×2 table [[a, b], [c, d]]; the two-sided p sums the
  hypergeometric probabilities of every table with the same margins that is no more likely than
  the one observed (relative tolerance 1e-7, as scipy does), in log space via `lgamma`; the walk
  goes out from the mode and stops at terms below e^-60 of the observed one, so a table with a
  billion sends costs a few thousand steps, not a billion.
- `newcombe_interval(x1, n1, x2, n2)`: 95% interval for p1 − p2 (Newcombe 1998, method 10), which
  unlike Wald keeps its coverage at the 1–5% rates of cold email and never collapses to a point
  when an arm has no events.
"""

from __future__ import annotations

import math

Z_ALPHA = 1.959964  # two-sided alpha 0.05
Z_BETA = 0.841621  # power 0.8
_REL_TOL = 1e-7
_NEGLIGIBLE = 60.0  # terms below e^-60 of the observed table's cannot move the sum


def sample_size(p1: float, p2: float) -> int:
    """Sends per arm to tell rate `p1` from `p2` (two-sided alpha 0.05, power 0.8), rounded up."""
    if not (0.0 < p1 < 1.0 and 0.0 < p2 < 1.0) or p1 == p2:
        raise ValueError("sample_size needs two different rates strictly between 0 and 1")
    p_bar = (p1 + p2) / 2.0
    root = Z_ALPHA * math.sqrt(2.0 * p_bar * (1.0 - p_bar)) + Z_BETA * math.sqrt(
        p1 * (1.0 - p1) + p2 * (1.0 - p2)
    )
    return math.ceil(root * root / ((p1 - p2) ** 2) - 1e-9)


def z_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when nothing varies)."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return min(1.0, math.erfc(abs(z) / math.sqrt(2.0)))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test for the table [[a, b], [c, d]]."""
    row1, col1, total = a + b, a + c, a + b + c + d
    lo, hi = max(0, col1 - (total - row1)), min(row1, col1)
    log_denominator = _log_choose(total, col1)

    def log_p(x: int) -> float:
        return _log_choose(row1, x) + _log_choose(total - row1, col1 - x) - log_denominator

    observed = log_p(a)
    threshold = observed + math.log1p(_REL_TOL)
    cutoff = observed - _NEGLIGIBLE
    mode = min(hi, max(lo, (row1 + 1) * (col1 + 1) // (total + 2)))
    logs: list[float] = []
    # the distribution is unimodal: walk out from the mode each way, and stop where the terms
    # fall below e^-60 of the observed one (the table itself is always passed on the way)
    for start, stop, step in ((mode, lo - 1, -1), (mode + 1, hi + 1, 1)):
        for x in range(start, stop, step):
            lp = log_p(x)
            if lp < cutoff:
                break
            if lp <= threshold:
                logs.append(lp)
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(lp - top) for lp in logs))


def wilson_interval(x: int, n: int, z: float = Z_ALPHA) -> tuple[float, float]:
    """Wilson score interval for the proportion x/n."""
    p = x / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))  # exact at 0 and n


def newcombe_interval(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """95% Newcombe hybrid-score interval for p1 − p2 (as fractions, not points)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1)
    l2, u2 = wilson_interval(x2, n2)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def smallest_expected_count(x1: int, n1: int, x2: int, n2: int) -> float:
    """The smallest expected cell of the 2×2 table (arms × event/no event) under no difference."""
    events, total = x1 + x2, n1 + n2
    rate = events / total
    return min(n * share for n in (n1, n2) for share in (rate, 1.0 - rate))
