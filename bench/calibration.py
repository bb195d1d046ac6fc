"""Does a confidence mean what it says? Reliability tables for the language evals.

`reliability(pairs)` bins (confidence, correct) pairs by confidence (0.5–0.6, …, 0.9–1.0) and
reports, per bin, how many there are, their mean confidence and the share that was right: a
calibrated engine has the two close (of the detections scored about 0.8, about 80% right).
`expected_calibration_error` is the count-weighted mean gap. `python -m bench.eval_intents`
and `python -m bench.eval_emails` print both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

EDGES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    mean_confidence: float
    accuracy: float


def reliability(pairs: list[tuple[float, bool]]) -> list[Bin]:
    """Pairs of (confidence, was it right) in bins of 0.1 from 0.5 (lower ones are dropped)."""
    out = []
    for low, high in itertools.pairwise(EDGES):
        inside = [(c, ok) for c, ok in pairs if low <= c < high]
        n = len(inside)
        out.append(
            Bin(
                low,
                min(high, 1.0),
                n,
                sum(c for c, _ in inside) / n if n else 0.0,
                sum(1 for _, ok in inside if ok) / n if n else 0.0,
            )
        )
    return out


def expected_calibration_error(bins: list[Bin]) -> float:
    total = sum(b.n for b in bins)
    return sum(b.n * abs(b.mean_confidence - b.accuracy) for b in bins) / total if total else 0.0


def table(bins: list[Bin]) -> str:
    lines = [f"{'confidence':<12} {'n':>4} {'mean conf':>9} {'right':>6}"]
    for b in bins:
        lines.append(
            f"{b.low:.1f}–{b.high:.1f}     {b.n:4d} {b.mean_confidence:9.3f} {b.accuracy:6.3f}"
        )
    lines.append(f"expected calibration error {expected_calibration_error(bins):.3f}")
    return "\n".join(lines)


def as_json(bins: list[Bin]) -> list[dict[str, float]]:
    return [
        {"low": b.low, "high": round(b.high, 2), "n": b.n,
         "mean_confidence": round(b.mean_confidence, 3), "accuracy": round(b.accuracy, 3)}
        for b in bins
    ]  # fmt: skip
