"""Reliability tables: bins, their accuracy and the expected calibration error."""

from __future__ import annotations

import pytest

from bench.calibration import expected_calibration_error, reliability


def test_bins_count_and_score_what_falls_in_them() -> None:
    pairs = [(0.85, True)] * 8 + [(0.85, False)] * 2 + [(0.95, True)] * 5 + [(0.3, False)]
    bins = {round(b.low, 1): b for b in reliability(pairs)}
    assert bins[0.8].n == 10 and bins[0.8].accuracy == pytest.approx(0.8)
    assert bins[0.9].n == 5 and bins[0.9].accuracy == 1.0
    assert bins[1.0 - 0.5].n == 0  # below 0.6: nothing scored there (0.3 is dropped)
    assert sum(b.n for b in bins.values()) == 15


def test_a_calibrated_engine_has_a_small_error_and_an_overconfident_one_a_large_one() -> None:
    calibrated = [(0.8, True)] * 8 + [(0.8, False)] * 2
    overconfident = [(0.95, True)] * 5 + [(0.95, False)] * 5
    assert expected_calibration_error(reliability(calibrated)) == pytest.approx(0.0)
    assert expected_calibration_error(reliability(overconfident)) == pytest.approx(0.45)
    assert expected_calibration_error(reliability([])) == 0.0
