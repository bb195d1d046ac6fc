"""The org's campaign digest settings: percentages 0–100 stored as fractions, lift above 0."""

from __future__ import annotations

from flows.campaign_check.steps import benchmarks
from skills.campaign_settings import validate_campaign_settings

OK = {"reply_rate": "3.43", "positive_rate": "1", "bounce_watch": "2", "bounce_act": "5%"}


def test_valid_settings_become_fractions() -> None:
    change, errors = validate_campaign_settings(OK, "0.5")
    assert errors == {} and change is not None
    assert change.benchmarks["bounce_act"] == 0.05 and change.min_lift == 0.5


def test_out_of_range_and_bad_values_are_errors() -> None:
    change, errors = validate_campaign_settings({**OK, "reply_rate": "120", "bounce_act": "x"},
                                                "0")  # fmt: skip
    assert change is None
    assert set(errors) == {"reply_rate", "bounce_act", "min_lift"}
    _, errors = validate_campaign_settings({**OK, "bounce_watch": "6"}, "0.5")
    assert set(errors) == {"bounce_watch"}
    _, errors = validate_campaign_settings({**OK, "positive_rate": "-1"}, "nan")
    assert set(errors) == {"positive_rate", "min_lift"}


def test_digest_reads_stored_settings() -> None:
    b = benchmarks({"campaign_benchmarks": {"bounce_act": 0.08, "reply_rate": 7},
                    "campaign_min_lift": 0.3})  # fmt: skip
    assert b.bounce_act == 0.08 and b.reply_rate == 0.0343 and b.min_lift == 0.3
    assert benchmarks({}).min_lift == 0.5
