"""Approval buttons and their modals: every click becomes `Orchestrator.resume`.

The button value (and the edit and feedback modals' private_metadata) carries the pending action
id, parsed once by `bot/authz.ParseValues` into a `PendingRef`; only its owner may
answer it (`bot/authz.py`); the orchestrator reloads the row, checks the owner, expiry and state,
and tells us why when nothing changed (shown as an ephemeral).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.approval_modals import (
    BODY,
    REASON,
    REASON_MAX,
    SUBJECT,
    edit_draft_modal,
    feedback_modal,
    feedback_thanks_modal,
)
from blocks.ids import ApprovalAction, Callback, ProposalAction
from blocks.proposals import edit_modal as proposal_edit_modal
from blocks.proposals import parse_edit as parse_proposal_edit
from bot.authz import acked_actor, check, permitted
from bot.deps import Deps
from bot.middleware import actor_of
from bot.replies import tell
from bot.values import PendingRef, ProposalRef
from flows.email_send.handoff import undo_window
from orchestrator.events import Decision
from storage.models import Feedback, SlackPendingAction, User
from storage.proposals import get_proposal, revoke_proposal_links
from storage.rows import saved_id
from storage.users import user_by_slack_id

log = logging.getLogger(__name__)
PROPOSAL_REVIEW = "proposal_review"  # orchestrator.sequence.ApprovalKind.PROPOSAL_REVIEW

Body = dict[str, Any]

_DECISIONS = {
    ApprovalAction.APPROVE: Decision.APPROVE,
    ApprovalAction.SKIP: Decision.SKIP,
    ApprovalAction.CANCEL: Decision.CANCEL,
}


async def _resume(
    deps: Deps,
    client: AsyncWebClient,
    body: Body,
    value: PendingRef,
    decision: Decision,
    modifications: dict[str, Any] | None = None,
) -> None:
    if deps.orchestrator is None:
        await tell(client, body, "Approvals are not available yet on this install.")
        return
    async with deps.db.session() as s:
        actor = await user_by_slack_id(s, slack_user_id=body["user"]["id"])
    if (refusal := await check(deps.db, actor, value)) is not None:
        await tell(client, body, refusal)
        return
    result = await deps.orchestrator.resume(
        value.pending_id, decision, body["user"]["id"], modifications
    )
    if not result.ok:
        await tell(client, body, result.message)


async def _own_pending(
    deps: Deps, pending_id: str, actor: User | None
) -> SlackPendingAction | None:
    async with deps.db.session() as s:
        row = await s.get(SlackPendingAction, pending_id)
    if row is None or actor is None or row.owner_user_id != actor.id:
        return None
    return row


async def handle_decision(ack: AsyncAck, body: Body, action: dict[str, Any], client: AsyncWebClient,
                          value: PendingRef, deps: Deps) -> None:  # fmt: skip
    """Approve, Skip or Cancel: the orchestrator resumes the gate with that decision."""
    await ack()
    await _resume(deps, client, body, value, _DECISIONS[ApprovalAction(action["action_id"])])


async def handle_edit(ack: AsyncAck, body: Body, client: AsyncWebClient, context: dict[str, Any],
                      value: PendingRef, deps: Deps) -> None:  # fmt: skip
    await ack()
    row = await _own_pending(deps, value.pending_id, await actor_of(context))
    if row is None:
        await tell(client, body, "Only the person this draft belongs to can edit it.")
        return
    draft = row.payload.get("draft") or {}
    if row.kind == PROPOSAL_REVIEW:  # the card holds line items; the sections are stored
        async with deps.db.session() as s:
            stored = await get_proposal(s, int(row.payload["proposal_id"]))
        modal = proposal_edit_modal(row.id, stored.draft)
        await client.views_open(trigger_id=body["trigger_id"], view=modal)
        return
    undo = await undo_window(deps.db, deps.settings, row.owner_user_id)
    await client.views_open(
        trigger_id=body["trigger_id"],
        view=edit_draft_modal(
            row.id, draft.get("subject", ""), draft.get("body", ""), undo_seconds=undo
        ),
    )


async def handle_edit_submit(ack: AsyncAck, body: Body, view: dict[str, Any], client: AsyncWebClient,
                             value: PendingRef, deps: Deps) -> None:  # fmt: skip
    values = view["state"]["values"]
    subject = (values[SUBJECT][SUBJECT].get("value") or "").strip()
    text = (values[BODY][BODY].get("value") or "").strip()
    if not subject or not text:
        await ack(
            response_action="errors",
            errors={SUBJECT if not subject else BODY: "This can't be empty."},
        )
        return
    await ack()
    await _resume(
        deps, client, body, value, Decision.EDIT, {"draft": {"subject": subject, "body": text}}
    )


async def handle_proposal_edit_submit(ack: AsyncAck, body: Body, view: dict[str, Any],
                                      client: AsyncWebClient, value: PendingRef, deps: Deps) -> None:  # fmt: skip
    """The proposal's edit modal: edits are checked here, applied by the sequence."""
    edits, errors = parse_proposal_edit(view["state"]["values"])
    if edits is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await _resume(deps, client, body, value, Decision.EDIT, {"edits": edits.to_json()})


async def handle_copy_link(ack: AsyncAck, body: Body, client: AsyncWebClient, value: PendingRef,
                           deps: Deps) -> None:  # fmt: skip
    """Copy link: approve the proposal with the link as the only delivery."""
    await ack()
    # (only an edit carries a payload through the gate: the choice of delivery is one)
    await _resume(deps, client, body, value, Decision.EDIT, {"delivery": "link"})


async def handle_revoke(ack: AsyncAck, body: Body, client: AsyncWebClient, context: dict[str, Any],
                        value: ProposalRef, deps: Deps) -> None:  # fmt: skip
    """Revoke link: the proposal's buyer links answer 410 from now on."""
    if await acked_actor(ack, body, client, context, value, deps) is None:
        return
    async with deps.db.transaction() as s:
        n = await revoke_proposal_links(s, value.proposal_id, now=deps.clock())
    await tell(client, body, "Revoked: the proposal's link no longer opens." if n else
               "That link was already revoked.")  # fmt: skip


async def handle_link_click(ack: AsyncAck) -> None:
    """Review draft opens the proposal page in the browser; Slack still sends the click."""
    await ack()


async def handle_feedback(ack: AsyncAck, body: Body, client: AsyncWebClient, context: dict[str, Any],
                          value: PendingRef, deps: Deps) -> None:  # fmt: skip
    await ack()
    if await permitted(deps, client, body, context, value) is not None:
        await client.views_open(
            trigger_id=body["trigger_id"], view=feedback_modal(value.pending_id)
        )


async def handle_feedback_submit(ack: AsyncAck, body: Body, view: dict[str, Any], client: AsyncWebClient,
                                 context: dict[str, Any], value: PendingRef, deps: Deps) -> None:  # fmt: skip
    """Feedback on one of the user's own drafts; the modal's metadata is checked like a button's."""
    field = ((view.get("state") or {}).get("values") or {}).get(REASON, {}).get(REASON) or {}
    reason = str(field.get("value") or "").strip()
    if not reason:  # blanks only: Slack's own required check lets spaces through
        await ack(response_action="errors", errors={REASON: "Say what was wrong, or press Cancel."})
        return
    await ack(response_action="update", view=feedback_thanks_modal().to_dict())
    if (actor := await permitted(deps, client, body, context, value)) is None:
        return
    async with deps.db.transaction() as s:
        row = await s.get(SlackPendingAction, value.pending_id)
        if row is None:  # permitted() saw it; gone since
            return
        s.add(
            Feedback(
                org_id=actor.org_id,
                user_id=saved_id(actor),
                job_id=row.job_id,
                pending_action_id=row.id,
                subject=row.kind,
                reason=reason[:REASON_MAX],
            )
        )
    log.info("feedback recorded", extra={"user_id": actor.id})


def register(app: AsyncApp) -> None:
    for action_id in _DECISIONS:
        app.action(action_id)(handle_decision)
    app.action(ApprovalAction.EDIT)(handle_edit)
    app.view(Callback.EDIT_DRAFT)(handle_edit_submit)
    app.view(Callback.PROPOSAL_EDIT)(handle_proposal_edit_submit)
    app.action(ProposalAction.COPY_LINK)(handle_copy_link)
    app.action(ProposalAction.REVOKE)(handle_revoke)
    app.action(ProposalAction.REVIEW)(handle_link_click)
    app.action(ApprovalAction.FEEDBACK)(handle_feedback)
    app.view(Callback.FEEDBACK)(handle_feedback_submit)
