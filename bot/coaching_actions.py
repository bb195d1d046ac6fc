"""Coaching buttons and modals: a call's detailed analysis, the rep's coaching preferences
(also from App Home), and the manager's note on a rep's weekly digest.

Thin: the analysis opens to its rep and the rep's manager (`storage.access`), the note gate to
its approver (the orchestrator checks the owner again), preferences are the clicker's own.
Saving preferences tells `Deps.settings_listeners`, which reschedules the weekly digest.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.coaching import (
    DAY_FIELD,
    MODE_FIELD,
    NOTE_FIELD,
    TIME_FIELD,
    CallDetail,
    call_detail_modal,
    note_modal,
    preferences_modal,
)
from blocks.ids import CoachingAction, matcher
from bot.authz import acked_actor, check
from bot.deps import Deps
from bot.middleware import actor_of
from bot.replies import tell
from bot.values import AnalysisRef, PendingRef
from orchestrator.events import Decision
from services.coaching_view import bullets_of, call_detail
from storage.coaching import coaching_settings, save_coaching_settings
from storage.coaching_models import CoachingAnalysis
from storage.models import Meeting, SlackPendingAction, User
from storage.rows import saved_id

log = logging.getLogger(__name__)

Body = dict[str, Any]
Context = dict[str, Any]
NOTE_MAX = 1000


async def handle_view_call(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                           value: AnalysisRef, deps: Deps) -> None:  # fmt: skip
    actor = await acked_actor(ack, body, client, context, value, deps)
    if actor is None:
        return
    async with deps.db.session() as s:
        row = await s.get(CoachingAnalysis, value.analysis_id)
        meeting = await s.get(Meeting, row.meeting_id) if row is not None else None
        rep = await s.get(User, row.user_id) if row is not None else None
    if row is None or rep is None:
        await tell(client, body, "That call's analysis is not available any more.")
        return
    detail: CallDetail = call_detail(row, meeting, rep, bullets_of(row))
    await client.views_open(trigger_id=body["trigger_id"], view=call_detail_modal(detail))


async def open_preferences(deps: Deps, client: AsyncWebClient, user: User, trigger_id: str) -> None:
    async with deps.db.session() as s:
        settings = await coaching_settings(s, user_id=saved_id(user))
    t = settings.digest_time
    await client.views_open(trigger_id=trigger_id, view=preferences_modal(
        settings.mode, settings.digest_day, f"{t.hour:02d}:{t.minute:02d}"))  # fmt: skip


async def handle_open_prefs(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                            deps: Deps) -> None:  # fmt: skip
    await ack()
    if (user := await actor_of(context)) is not None:
        await open_preferences(deps, client, user, body["trigger_id"])


def _selected(values: dict[str, Any], field: str) -> str | None:
    got = (values.get(field) or {}).get(field) or {}
    option = got.get("selected_option") or {}
    return option.get("value") if isinstance(option, dict) else None


async def handle_prefs_submit(ack: AsyncAck, view: dict[str, Any], context: Context,
                              deps: Deps) -> None:  # fmt: skip
    values = view["state"]["values"]
    mode, day = _selected(values, MODE_FIELD), _selected(values, DAY_FIELD)
    raw_time = _selected(values, TIME_FIELD) or ""
    try:
        hours, minutes = raw_time.split(":")
        at = time(int(hours), int(minutes))
    except ValueError:
        await ack(response_action="errors", errors={TIME_FIELD: "Choose a time."})
        return
    if (user := await actor_of(context)) is None:
        await ack()
        return
    try:
        async with deps.db.transaction() as s:
            await save_coaching_settings(s, user_id=saved_id(user), now=deps.clock(), mode=mode,
                                         digest_day=day, digest_time=at)  # fmt: skip
    except ValueError as exc:
        await ack(response_action="errors", errors={MODE_FIELD: str(exc)})
        return
    await ack()
    for listener in deps.settings_listeners:
        await listener(saved_id(user))
    log.info("coaching preferences saved", extra={"user_id": user.id})


async def handle_add_note(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                          value: PendingRef, deps: Deps) -> None:  # fmt: skip
    actor = await acked_actor(ack, body, client, context, value, deps)
    if actor is None:
        return
    async with deps.db.session() as s:
        row = await s.get(SlackPendingAction, value.pending_id)
    if row is None or row.status != "pending":
        await tell(client, body, "That digest has already gone out.")
        return
    rep_name = str((row.payload or {}).get("rep_name") or "your rep")
    await client.views_open(trigger_id=body["trigger_id"], view=note_modal(row.id, rep_name))


async def handle_note_submit(ack: AsyncAck, body: Body, view: dict[str, Any],
                             client: AsyncWebClient, value: PendingRef, deps: Deps) -> None:  # fmt: skip
    got = (view["state"]["values"].get(NOTE_FIELD) or {}).get(NOTE_FIELD) or {}
    note = (got.get("value") or "").strip()
    if not note:
        await ack(response_action="errors", errors={NOTE_FIELD: "Write a note, or close "
                                                    "this and choose Send as is."})  # fmt: skip
        return
    await ack()
    if deps.orchestrator is None:
        await tell(client, body, "Approvals are not available yet on this install.")
        return
    async with deps.db.session() as s:
        from storage.users import user_by_slack_id

        actor = await user_by_slack_id(s, slack_user_id=body["user"]["id"])
    if (refusal := await check(deps.db, actor, value)) is not None:
        await tell(client, body, refusal)
        return
    result = await deps.orchestrator.resume(value.pending_id, Decision.EDIT, body["user"]["id"],
                                            {"note": note[:NOTE_MAX]})  # fmt: skip
    if not result.ok:
        await tell(client, body, result.message)


def register(app: AsyncApp) -> None:
    app.action(matcher(CoachingAction.VIEW_CALL))(handle_view_call)
    app.action(CoachingAction.OPEN_PREFS)(handle_open_prefs)
    app.action(CoachingAction.ADD_NOTE)(handle_add_note)
    app.view(CoachingAction.PREFS_MODAL)(handle_prefs_submit)
    app.view(CoachingAction.NOTE_MODAL)(handle_note_submit)
