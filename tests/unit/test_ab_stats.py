"""`skills.ab_stats`: the sample-size formula, Fisher's exact, the z-test and the Newcombe
interval against published values and independent computations."""

from __future__ import annotations

import math
import time
from fractions import Fraction
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.ab_stats import (
    Z_ALPHA,
    Z_BETA,
    fisher_exact,
    newcombe_interval,
    sample_size,
    wilson_interval,
    z_test,
)


def test_z_constants_are_the_normal_quantiles() -> None:
    assert Z_ALPHA == pytest.approx(NormalDist().inv_cdf(0.975), abs=1e-6)
    assert Z_BETA == pytest.approx(NormalDist().inv_cdf(0.8), abs=1e-6)


def _n_independent(p1: float, p2: float) -> float:
    """Fleiss' formula written out again with exact quantiles from `statistics`."""
    za, zb = NormalDist().inv_cdf(0.975), NormalDist().inv_cdf(0.8)
    pbar = (p1 + p2) / 2
    num = za * (2 * pbar * (1 - pbar)) ** 0.5 + zb * (p1 * (1 - p1) + p2 * (1 - p2)) ** 0.5
    return num**2 / (p1 - p2) ** 2


def test_sample_size_known_values() -> None:
    # 5% -> 7.5%: 1,470.5 by the formula, so 1,471 sends per arm
    assert sample_size(0.05, 0.075) == 1471
    assert 1470 < _n_independent(0.05, 0.075) <= 1471
    # the NEXT_BUILDS.md B4 table (rounded there)
    for p1, p2, approx in [
        (0.03, 0.045, 2520),
        (0.03, 0.06, 750),
        (0.03, 0.04, 5300),
        (0.02, 0.03, 3830),
        (0.01, 0.02, 2320),
        (0.005, 0.01, 4670),
        (0.40, 0.45, 1530),
    ]:
        assert abs(sample_size(p1, p2) - approx) <= 5, (p1, p2)


@given(st.floats(0.001, 0.9), st.floats(0.05, 3.0))
def test_sample_size_matches_an_independent_computation(p1: float, lift: float) -> None:
    p2 = p1 * (1 + lift)
    if p2 >= 0.999:
        return
    assert sample_size(p1, p2) == math.ceil(_n_independent(p1, p2) - 1e-6) or (
        abs(sample_size(p1, p2) - _n_independent(p1, p2)) < 1.001
    )


def test_sample_size_refuses_nonsense() -> None:
    for p1, p2 in [(0.0, 0.1), (0.1, 0.1), (0.1, 1.0)]:
        with pytest.raises(ValueError):
            sample_size(p1, p2)


def _fisher_exact_fraction(a: int, b: int, c: int, d: int) -> Fraction:
    """Two-sided Fisher p as an exact fraction (small tables only)."""
    r1, c1, n = a + b, a + c, a + b + c + d
    denom = math.comb(n, c1)
    probs = {
        x: Fraction(math.comb(r1, x) * math.comb(n - r1, c1 - x), denom)
        for x in range(max(0, c1 - (n - r1)), min(r1, c1) + 1)
    }
    return sum((p for p in probs.values() if p <= probs[a]), Fraction(0))


def test_fisher_textbook_values() -> None:
    # Fisher's lady tasting tea: 3 of 4 cups right each way -> p = 17/35
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(17 / 35, rel=1e-9)
    # Wikipedia's "Fisher's exact test" example (dieting by sex): p = 0.002759
    assert fisher_exact(1, 9, 11, 3) == pytest.approx(0.0027594561852200836, rel=1e-9)
    assert fisher_exact(8, 2, 1, 5) == pytest.approx(0.034965034965034975, rel=1e-9)
    assert fisher_exact(0, 10, 0, 10) == 1.0


@settings(max_examples=200)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_fisher_matches_exact_fractions(a: int, b: int, c: int, d: int) -> None:
    if a + b + c + d == 0:
        return
    assert fisher_exact(a, b, c, d) == pytest.approx(
        float(_fisher_exact_fraction(a, b, c, d)), rel=1e-6
    )


def test_fisher_is_fast_on_large_margins() -> None:
    p = fisher_exact(3, 999_997, 12, 999_988)
    assert 0.0 < p < 0.05
    start = time.perf_counter()
    p = fisher_exact(50_000, 999_950_000, 50_600, 999_949_400)
    assert time.perf_counter() - start < 0.5
    assert 0.0 < p < 0.1


def test_z_test_against_the_normal_distribution() -> None:
    x1, n1, x2, n2 = 115, 2600, 70, 2600
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)) ** 0.5
    expected = 2 * (1 - NormalDist().cdf(abs(z)))
    assert z_test(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)
    assert z_test(0, 100, 0, 100) == 1.0


def test_newcombe_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, method 10, examples (a) and (b)
    lo, hi = newcombe_interval(56, 70, 48, 80)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)
    lo, hi = newcombe_interval(9, 10, 3, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.1705, 0.8090)


@given(st.integers(1, 500), st.data())
def test_intervals_contain_the_estimate(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(x, n)
    assert 0.0 <= lo <= x / n <= hi <= 1.0
    m = data.draw(st.integers(1, 500))
    y = data.draw(st.integers(0, m))
    lo, hi = newcombe_interval(x, n, y, m)
    assert -1.0 <= lo <= x / n - y / m <= hi <= 1.0
