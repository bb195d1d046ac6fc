"""The feature toggles (a rep's) and org settings (an admin's) modals: open and submit.

`open_features` / `open_org` are also used by `/60 features` and `/60 org`. Saving org settings
goes through `services.settings.apply_org_settings`, which reschedules the org's pipeline scan.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import ProactiveSettingsAction
from blocks.proactive_settings import CAMPAIGN_FIELDS, checked, features_modal, number, org_modal
from bot.deps import Deps
from bot.middleware import actor_of
from bot.replies import tell
from services.home import month_spend
from services.settings import apply_campaign_settings, apply_org_settings
from skills.briefs import REP_FEATURES, validate_org_settings
from skills.campaign_settings import CampaignSettingsChange, validate_campaign_settings
from storage.models import User
from storage.rows import saved_id
from storage.users import org_settings, preferences, update_preferences

log = logging.getLogger(__name__)

Body = dict[str, Any]
Context = dict[str, Any]
ADMINS_ONLY = "Only an admin can change the team's settings."


async def open_features(deps: Deps, client: AsyncWebClient, user: User, trigger_id: str) -> None:
    async with deps.db.session() as s:
        prefs = await preferences(s, user_id=saved_id(user))
        org = await org_settings(s, org_id=user.org_id)
    await client.views_open(
        trigger_id=trigger_id, view=features_modal(prefs.features or {}, org.features or {})
    )


async def open_org(deps: Deps, client: AsyncWebClient, user: User, trigger_id: str) -> bool:
    """The org settings modal; False when the user is not an admin."""
    if user.role != "admin":
        return False
    async with deps.db.session() as s:
        org = await org_settings(s, org_id=user.org_id)
    spend = await month_spend(deps.db, user.org_id, deps.clock())
    await client.views_open(trigger_id=trigger_id,
                            view=org_modal(org.features or {}, org.ai_budget_usd_month, spend, org.stale_threshold_days,
                                          org.campaign_benchmarks or {}, org.campaign_min_lift))  # fmt: skip
    return True


async def handle_open_features(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                               deps: Deps) -> None:  # fmt: skip
    await ack()
    if (user := await actor_of(context)) is not None:
        await open_features(deps, client, user, body["trigger_id"])


async def handle_open_org(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                          deps: Deps) -> None:  # fmt: skip
    await ack()
    if (user := await actor_of(context)) is not None and not await open_org(
        deps, client, user, body["trigger_id"]
    ):
        await tell(client, body, ADMINS_ONLY)


async def handle_features_submit(
    ack: AsyncAck, view: dict[str, Any], context: Context, deps: Deps
) -> None:
    await ack()
    if (user := await actor_of(context)) is None:
        return
    on = set(checked(view["state"]["values"], ProactiveSettingsAction.FEATURES))
    async with deps.db.transaction() as s:
        prefs = await preferences(s, user_id=saved_id(user))
        org = await org_settings(s, org_id=user.org_id)
        shown = [k for k, _ in REP_FEATURES if (org.features or {}).get(k, True)]
        features = {**(prefs.features or {}), **{k: k in on for k in shown}}
        await update_preferences(s, user_id=saved_id(user), changes={"features": features})
    for listener in deps.settings_listeners:
        await listener(saved_id(user))


_FIELD_IDS = {
    "budget": ProactiveSettingsAction.BUDGET,
    "stale_days": ProactiveSettingsAction.STALE_DAYS,
    **{k: field for k, field in CAMPAIGN_FIELDS},
    "min_lift": ProactiveSettingsAction.CAMPAIGN_MIN_LIFT,
}


def _campaign_change(
    values: dict[str, Any],
) -> tuple[CampaignSettingsChange | None, dict[str, str]]:
    """The campaign digest fields when the modal had them (older views did not): validated."""
    if not any(field in values for _, field in CAMPAIGN_FIELDS):
        return None, {}
    return validate_campaign_settings(
        {k: number(values, field) for k, field in CAMPAIGN_FIELDS},
        number(values, ProactiveSettingsAction.CAMPAIGN_MIN_LIFT),
    )


async def handle_org_submit(ack: AsyncAck, body: Body, view: dict[str, Any], client: AsyncWebClient,
                            context: Context, deps: Deps) -> None:  # fmt: skip
    values = view["state"]["values"]
    change, errors = validate_org_settings(
        checked(values, ProactiveSettingsAction.ORG_FEATURES),
        number(values, ProactiveSettingsAction.BUDGET),
        number(values, ProactiveSettingsAction.STALE_DAYS),
    )
    campaign, campaign_errors = _campaign_change(values)
    errors = {**errors, **campaign_errors}
    if errors:
        await ack(response_action="errors", errors={_FIELD_IDS[k]: v for k, v in errors.items()})
        return
    await ack()
    user = await actor_of(context)
    if user is not None and user.role != "admin":
        await tell(client, body, "Only an admin can change the team's settings, so I did nothing.")
        return
    if user is None or change is None:
        return
    await apply_org_settings(
        deps.db, user.org_id, change, deps.clock(), getattr(deps, "proactive_planner", None)
    )
    if campaign is not None:
        await apply_campaign_settings(deps.db, user.org_id, campaign, deps.clock())
    log.info("org settings saved", extra={"org_id": user.org_id, "user_id": user.id})


def register(app: AsyncApp) -> None:
    app.action(ProactiveSettingsAction.OPEN_FEATURES)(handle_open_features)
    app.action(ProactiveSettingsAction.OPEN_ORG)(handle_open_org)
    app.view(ProactiveSettingsAction.FEATURES_MODAL)(handle_features_submit)
    app.view(ProactiveSettingsAction.ORG_MODAL)(handle_org_submit)
