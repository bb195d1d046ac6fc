"""Buttons on post-meeting messages: show the full draft, skip one task of a batch, undo CRM changes.

Each acks, then checks the clicking user owns what the (typed) value names (`bot/authz.py`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.approval import ApprovalView, approval_message, fallback_text
from blocks.ids import PostMeetingAction
from blocks.text import plural
from bot.authz import acked_actor
from bot.deps import Deps
from bot.replies import tell
from bot.values import JobRef, PendingRef, TaskRef
from orchestrator.events import Decision
from storage import crm
from storage.models import SequenceJob
from storage.pending import owned_pending, replace_payload

log = logging.getLogger(__name__)


async def _rerender(client: AsyncWebClient, row: Any, payload: dict[str, Any]) -> None:
    view = ApprovalView.from_payload(row.id, row.kind, payload)
    if row.channel and row.message_ts:
        await client.chat_update(
            channel=row.channel,
            ts=row.message_ts,
            text=fallback_text(view),
            blocks=approval_message(view),
        )


async def handle_expand(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                        context: dict[str, Any], value: PendingRef, deps: Deps) -> None:  # fmt: skip
    if (actor := await acked_actor(ack, body, client, context, value, deps)) is None:
        return
    async with deps.db.session() as s:
        row = await owned_pending(s, pending_id=value.pending_id, user_id=actor.id)
    if row is None:
        await tell(client, body, "This draft is no longer waiting for you.")
        return
    await _rerender(client, row, {**row.payload, "expanded": True})


async def handle_skip_task(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                           context: dict[str, Any], value: TaskRef, deps: Deps) -> None:  # fmt: skip
    if (actor := await acked_actor(ack, body, client, context, value, deps)) is None:
        return
    pending_id, n = value.pending_id, str(value.n)
    async with deps.db.transaction() as s:
        row = await owned_pending(s, pending_id=pending_id, user_id=actor.id)
        if row is None:
            await tell(client, body, "These tasks are no longer waiting for you.")
            return
        tasks = [t for t in row.payload.get("tasks") or [] if str(t.get("n")) != n]
        payload = {
            **row.payload,
            "tasks": tasks,
            "title": f"{plural(len(tasks), 'task')} from your call",
        }
        if not await replace_payload(s, row=row, payload=payload):
            await tell(
                client, body, "Someone changed this list at the same time; please try again."
            )
            return
    if not tasks and deps.orchestrator is not None:
        await deps.orchestrator.resume(pending_id, Decision.SKIP, body["user"]["id"])
        return
    await _rerender(client, row, payload)


async def handle_rollback(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                          context: dict[str, Any], value: JobRef, deps: Deps) -> None:  # fmt: skip
    if (actor := await acked_actor(ack, body, client, context, value, deps)) is None:
        return
    job_id = value.job_id
    async with deps.db.transaction() as s:
        job = await s.get(SequenceJob, job_id)
        if job is None or job.user_id != actor.id:
            await tell(
                client, body, "Only the rep whose meeting this was can undo its CRM changes."
            )
            return
        undone = [r.field for r in await crm.applied_changes(s, job_id=job_id)
                  if await crm.roll_back(s, change_id=r.id or 0)]  # fmt: skip
    log.info("crm changes rolled back", extra={"job_id": job_id, "count": len(undone)})
    text = (
        f"Undid {plural(len(undone), 'CRM change')}: {', '.join(f.replace('_', ' ') for f in undone)}."
        if undone
        else "There were no CRM changes left to undo."
    )
    await tell(client, body, text)


def register(app: AsyncApp) -> None:
    app.action(PostMeetingAction.EXPAND_DRAFT)(handle_expand)
    app.action(PostMeetingAction.SKIP_TASK)(handle_skip_task)
    app.action(PostMeetingAction.ROLLBACK)(handle_rollback)
