"""Shared by benchmarks: emit one JSON line per figure."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(bench: str, metric: str, value: float, unit: str, **extra: Any) -> None:
    row: dict[str, Any] = {"bench": bench, "metric": metric, "value": round(value, 4), "unit": unit}
    row.update(extra)
    print(json.dumps(row), flush=True)
    sys.stdout.flush()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]
