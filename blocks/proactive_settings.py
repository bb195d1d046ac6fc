"""Modals for the rep's feature toggles and the admin's org settings (feature toggles, AI budget
and spend this month, stale-deal threshold, the campaign digest's benchmarks and minimum lift). Opened from `/60 features`, `/60 org` and the Home
tab's buttons (`ProactiveSettingsAction.OPEN_FEATURES` / `OPEN_ORG`)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
)
from slack_sdk.models.views import View

from blocks.ids import ProactiveSettingsAction as P
from skills.briefs import ORG_FEATURES, REP_FEATURES
from skills.campaign_analysis import Benchmarks
from skills.campaign_settings import PERCENT_FIELDS


def _checkboxes(
    action_id: str, choices: tuple[tuple[str, str], ...], on: dict[str, bool]
) -> CheckboxesElement:
    options = [Option(value=k, label=label) for k, label in choices]
    initial = [o for o in options if on.get(str(o.value), True)]
    return CheckboxesElement(action_id=action_id, options=options, initial_options=initial or None)


def features_modal(rep: dict[str, bool], org: dict[str, bool]) -> dict[str, Any]:
    allowed = tuple((k, label) for k, label in REP_FEATURES if org.get(k, True))
    blocks: list[Any] = []
    if allowed:
        blocks.append(
            InputBlock(
                block_id=P.FEATURES,
                label="Send me",
                optional=True,
                element=_checkboxes(P.FEATURES, allowed, rep),
            )
        )
    off = [label for k, label in REP_FEATURES if not org.get(k, True)]
    if off:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Turned off for your team by an admin: " + ", ".join(off)
                    )
                ]
            )
        )
    return View(
        type="modal",
        callback_id=P.FEATURES_MODAL,
        title="Sixty features",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


# the campaign digest's settings: (benchmark key, field id); labels from skills.campaign_settings
CAMPAIGN_FIELDS: tuple[tuple[str, str], ...] = (
    ("reply_rate", P.CAMPAIGN_REPLY_RATE),
    ("positive_rate", P.CAMPAIGN_POSITIVE_RATE),
    ("bounce_watch", P.CAMPAIGN_BOUNCE_WATCH),
    ("bounce_act", P.CAMPAIGN_BOUNCE_ACT),
)


def _campaign_blocks(campaign: dict[str, float], min_lift: float) -> list[Any]:
    defaults = Benchmarks()
    labels = dict(PERCENT_FIELDS)
    out: list[Any] = [
        ContextBlock(elements=[MarkdownTextObject(
            text="*Campaign digest (Instantly)*: the benchmarks each campaign is measured "
                 "against, in %, and the smallest relative lift an A/B test plans for.")]),
    ]  # fmt: skip
    for key, field in CAMPAIGN_FIELDS:
        value = float(campaign.get(key, getattr(defaults, key))) * 100.0
        out.append(InputBlock(block_id=field, label=labels[key], element=NumberInputElement(
            action_id=field, is_decimal_allowed=True, initial_value=f"{value:.4g}",
            min_value="0", max_value="100")))  # fmt: skip
    out.append(InputBlock(block_id=P.CAMPAIGN_MIN_LIFT,
                          label="A/B minimum lift (0.5 is +50%)",
                          element=NumberInputElement(action_id=P.CAMPAIGN_MIN_LIFT,
                                                     is_decimal_allowed=True,
                                                     initial_value=f"{min_lift:.4g}")))  # fmt: skip
    return out


def org_modal(
    features: dict[str, bool],
    budget: float,
    spend: float,
    stale_days: int,
    campaign: dict[str, float] | None = None,
    min_lift: float = 0.5,
) -> dict[str, Any]:
    """The admin's team settings, with the campaign digest's benchmarks and minimum lift."""
    return View(
        type="modal",
        callback_id=P.ORG_MODAL,
        title="Team settings",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=P.ORG_FEATURES,
                label="Features for the team",
                optional=True,
                element=_checkboxes(P.ORG_FEATURES, ORG_FEATURES, features),
            ),
            InputBlock(
                block_id=P.BUDGET,
                label="AI budget per month (USD)",
                element=NumberInputElement(
                    action_id=P.BUDGET, is_decimal_allowed=True, initial_value=f"{budget:g}"
                ),
            ),
            ContextBlock(elements=[MarkdownTextObject(text=f"Spent this month: ${spend:,.2f}")]),
            InputBlock(
                block_id=P.STALE_DAYS,
                label="A deal is stale after (days without activity)",
                element=NumberInputElement(
                    action_id=P.STALE_DAYS, is_decimal_allowed=False, initial_value=str(stale_days)
                ),
            ),
            *_campaign_blocks(campaign or {}, min_lift),
        ],
    ).to_dict()


def checked(values: dict[str, Any], block_id: str) -> list[str]:
    field = (values.get(block_id) or {}).get(block_id) or {}
    return [str(o.get("value")) for o in field.get("selected_options") or []]


def number(values: dict[str, Any], block_id: str) -> str | None:
    field = (values.get(block_id) or {}).get(block_id) or {}
    v = field.get("value")
    return None if v is None else str(v)
