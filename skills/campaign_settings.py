"""Validation of the org's campaign digest settings as an admin types them in App Home.

Benchmarks are typed as percentages (0–100) and stored as fractions in
`OrgSettings.campaign_benchmarks`; the minimum lift is a relative lift above 0 (0.5 is +50%),
stored in `OrgSettings.campaign_min_lift`. The bounce "watch" level must not exceed "act".
"""

from __future__ import annotations

from dataclasses import dataclass

PERCENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("reply_rate", "Reply rate benchmark (%)"),
    ("positive_rate", "Positive reply rate benchmark (%)"),
    ("bounce_watch", "Bounce rate to watch (%)"),
    ("bounce_act", "Bounce rate to act on (%)"),
)


@dataclass(frozen=True)
class CampaignSettingsChange:
    benchmarks: dict[str, float]  # fractions
    min_lift: float


def _number(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip().rstrip("%"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def validate_campaign_settings(
    percents: dict[str, str | None], min_lift: str | None
) -> tuple[CampaignSettingsChange | None, dict[str, str]]:
    """Raw modal values in (percentages keyed as `PERCENT_FIELDS`, the lift); the change, or
    errors keyed by field ("min_lift" for the lift)."""
    errors: dict[str, str] = {}
    fractions: dict[str, float] = {}
    for key, _label in PERCENT_FIELDS:
        value = _number(percents.get(key))
        if value is None:
            errors[key] = "a percentage such as 3.4"
        elif not 0 <= value <= 100:
            errors[key] = "between 0 and 100"
        else:
            fractions[key] = value / 100.0
    lift = _number(min_lift)
    if lift is None or lift <= 0:
        errors["min_lift"] = "a relative lift above 0, e.g. 0.5 for +50%"
    if (
        "bounce_watch" in fractions
        and "bounce_act" in fractions
        and fractions["bounce_watch"] > fractions["bounce_act"]
    ):
        errors["bounce_watch"] = "at most the bounce rate to act on"
    if errors or lift is None:
        return None, errors
    return CampaignSettingsChange(fractions, lift), {}
