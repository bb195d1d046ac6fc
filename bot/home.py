"""App Home listeners: publish the tab on open, Refresh, and the settings modal (open + submit)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import home_view
from blocks.ids import Callback, HelpAction, HomeAction
from blocks.settings_modal import SettingsField, settings_modal
from bot.deps import Deps
from bot.middleware import actor_of
from services.home import home_model, preference_form
from services.settings import apply_preferences
from skills.preferences import validate_preferences
from storage.models import User

log = logging.getLogger(__name__)

_FIELD_IDS = {
    "briefing_time": SettingsField.BRIEFING_TIME,
    "timezone": SettingsField.TIMEZONE,
    "timezone_text": SettingsField.TIMEZONE_TEXT,
    "working_days": SettingsField.WORK_DAYS,
    "working_hours_start": SettingsField.WORK_START,
    "working_hours_end": SettingsField.WORK_END,
    "quiet_hours_start": SettingsField.QUIET_START,
    "quiet_hours_end": SettingsField.QUIET_END,
    "max_notifications_per_hour": SettingsField.MAX_PER_HOUR,
    "meeting_buffer_minutes": SettingsField.BUFFER,
    "daily_send_limit": SettingsField.SEND_LIMIT,
    "coaching_frequency": SettingsField.COACHING,
    "campaign_digest_time": SettingsField.CAMPAIGN_TIME,
    "manager_digest_day": SettingsField.MANAGER_DAY,
}
# fields added after modals were already open: left out of the submission when the view had none
_NEWER_FIELDS = frozenset({"campaign_digest_time"})


async def publish_home(deps: Deps, client: AsyncWebClient, user: User) -> None:
    view = home_view(await home_model(deps.db, user, deps.clock()))
    await client.views_publish(user_id=user.slack_user_id, view=view)


async def open_settings(deps: Deps, client: AsyncWebClient, user: User, trigger_id: str) -> None:
    await client.views_open(
        trigger_id=trigger_id, view=settings_modal(await preference_form(deps.db, user))
    )


def read_settings_submission(values: dict[str, Any]) -> dict[str, object]:
    """Modal state values -> logical field names (the shape `validate_preferences` takes)."""
    out: dict[str, object] = {}
    for name, block_id in _FIELD_IDS.items():
        if name in _NEWER_FIELDS and block_id not in values:
            continue
        element = values.get(block_id, {}).get(block_id, {})
        if "selected_options" in element:  # checkboxes: the list of checked values
            out[name] = [str(o.get("value")) for o in element.get("selected_options") or []]
            continue
        out[name] = (
            element.get("selected_time")
            or element.get("value")
            or (element.get("selected_option") or {}).get("value")
        )
    return out


async def handle_home_opened(event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                             deps: Deps) -> None:  # fmt: skip
    if event.get("tab", "home") != "home" or (actor := await actor_of(context)) is None:
        return
    await publish_home(deps, client, actor)


async def handle_refresh(
    ack: AsyncAck, client: AsyncWebClient, context: dict[str, Any], deps: Deps
) -> None:
    await ack()
    if (actor := await actor_of(context)) is not None:
        await publish_home(deps, client, actor)


async def handle_open_settings(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                               context: dict[str, Any], deps: Deps) -> None:  # fmt: skip
    await ack()
    if (actor := await actor_of(context)) is not None:
        await open_settings(deps, client, actor, body["trigger_id"])


async def handle_settings_submit(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient,
                                 context: dict[str, Any], deps: Deps) -> None:  # fmt: skip
    changes, errors = validate_preferences(
        read_settings_submission(view["state"]["values"]), _FIELD_IDS
    )
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    assert changes is not None
    user = await actor_of(context)
    if user is None:
        return
    await apply_preferences(deps.db, user, changes, deps.settings_listeners)
    log.info("settings saved", extra={"user_id": user.id})
    await publish_home(deps, client, await _reload(deps, user))


async def _reload(deps: Deps, user: User) -> User:
    async with deps.db.session() as s:
        fresh = await s.get(User, user.id)
    return fresh or user


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_home_opened)
    app.action(HomeAction.REFRESH)(handle_refresh)
    app.action(HomeAction.OPEN_SETTINGS)(handle_open_settings)
    app.action(HelpAction.OPEN_SETTINGS)(handle_open_settings)
    app.view(Callback.SETTINGS)(handle_settings_submit)
