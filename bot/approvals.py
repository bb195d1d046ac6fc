"""Approval buttons and their modals: every click becomes `Orchestrator.resume`.

The button value carries the pending action id; the orchestrator reloads the row, checks the
owner, expiry and state, and tells us why when nothing changed (shown as an ephemeral).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.approval_modals import (
    BODY,
    REASON,
    SUBJECT,
    edit_draft_modal,
    feedback_modal,
    feedback_thanks_modal,
)
from blocks.ids import ApprovalAction, Callback
from bot.deps import Deps
from bot.middleware import actor_of
from flows.events import Decision
from storage.models import Feedback, SlackPendingAction, User

log = logging.getLogger(__name__)

_DECISIONS = {
    ApprovalAction.APPROVE: Decision.APPROVE,
    ApprovalAction.SKIP: Decision.SKIP,
    ApprovalAction.CANCEL: Decision.CANCEL,
}


async def tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    user = body["user"]["id"]
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        dm = await client.conversations_open(users=user)
        await client.chat_postEphemeral(channel=dm["channel"]["id"], user=user, text=text)


async def _resume(deps: Deps, client: AsyncWebClient, body: dict[str, Any], pending_id: str,
                  decision: Decision, modifications: dict[str, Any] | None = None) -> None:
    if deps.orchestrator is None:
        await tell(client, body, "Approvals are not available yet on this install.")
        return
    result = await deps.orchestrator.resume(pending_id, decision, body["user"]["id"], modifications)
    if not result.ok:
        await tell(client, body, result.message)


async def _own_pending(deps: Deps, pending_id: str, actor: User | None) -> SlackPendingAction | None:
    async with deps.db.session() as s:
        row = await s.get(SlackPendingAction, pending_id)
    if row is None or actor is None or row.owner_user_id != actor.id:
        return None
    return row


def register(app: AsyncApp, deps: Deps) -> None:
    async def on_decision(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                          client: AsyncWebClient) -> None:
        await ack()
        decision = _DECISIONS[ApprovalAction(action["action_id"])]
        await _resume(deps, client, body, action["value"], decision)

    for action_id in _DECISIONS:
        app.action(action_id)(on_decision)

    @app.action(ApprovalAction.EDIT)
    async def on_edit(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                      client: AsyncWebClient, context: dict[str, Any]) -> None:
        await ack()
        row = await _own_pending(deps, action["value"], await actor_of(context))
        if row is None:
            await tell(client, body, "Only the person this draft belongs to can edit it.")
            return
        draft = row.payload.get("draft") or {}
        await client.views_open(trigger_id=body["trigger_id"],
                                view=edit_draft_modal(row.id, draft.get("subject", ""), draft.get("body", "")))

    @app.view(Callback.EDIT_DRAFT)
    async def on_edit_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        values = view["state"]["values"]
        subject = (values[SUBJECT][SUBJECT].get("value") or "").strip()
        text = (values[BODY][BODY].get("value") or "").strip()
        if not subject or not text:
            await ack(response_action="errors",
                      errors={SUBJECT if not subject else BODY: "This can't be empty."})
            return
        await ack()
        await _resume(deps, client, body, view["private_metadata"], Decision.EDIT,
                      {"draft": {"subject": subject, "body": text}})

    @app.action(ApprovalAction.FEEDBACK)
    async def on_feedback(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=feedback_modal(action["value"]))

    @app.view(Callback.FEEDBACK)
    async def on_feedback_submit(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
        reason = (view["state"]["values"][REASON][REASON].get("value") or "").strip()
        if not reason:  # blanks only: Slack's own required check lets spaces through
            await ack(response_action="errors", errors={REASON: "Say what was wrong, or press Cancel."})
            return
        await ack(response_action="update", view=feedback_thanks_modal().to_dict())
        actor = await actor_of(context)
        if actor is None:
            return
        async with deps.db.transaction() as s:
            row = await s.get(SlackPendingAction, view["private_metadata"])
            s.add(Feedback(org_id=actor.org_id, user_id=actor.id, job_id=row.job_id if row else None,
                           pending_action_id=view["private_metadata"],
                           subject=row.kind if row else "suggestion", reason=reason))
        log.info("feedback recorded", extra={"user_id": actor.id})
