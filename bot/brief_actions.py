"""Buttons on briefs: prep a meeting, check the calendar, view an email, draft a reply, qualify
a sender, show the inbox or the pipeline, and mute a kind of message.

Each handler is a module-level function Bolt calls with the parsed value (`bot/values.py`) and
`deps` (`bot/middleware.ProvideDeps`); it first goes through `accept_click` (ack, authz, mark
read). "Check calendar" submits `calendar_find_times` with `{contact_id, deal_id}`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.brief_replies import INBOX_DAYS, email_blocks, inbox_blocks
from blocks.email_received import reply_draft_text
from blocks.ids import ProactiveAction, matcher
from bot.clicks import accept_click
from bot.commands_brief import pipeline_blocks, submit_prep
from bot.deps import Deps
from bot.replies import tell
from bot.values import BriefItem, DealRef, EventRef, MuteKind, NoValue
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.inbox import own_message, recent_inbound
from storage.models import CalendarEvent, EmailMessage, User
from storage.reply_drafts import reply_draft_status
from storage.rows import saved_id
from storage.users import preferences, update_preferences

Body = dict[str, Any]
Context = dict[str, Any]


async def handle_mute(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                      value: MuteKind, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    kind = value.kind
    async with deps.db.transaction() as s:
        prefs = await preferences(s, user_id=saved_id(user))
        muted = sorted(set(prefs.muted_kinds or []) | {kind})
        await update_preferences(s, user_id=saved_id(user), changes={"muted_kinds": muted})
    await tell(client, body,
               f"Muted {kind.replace('_', ' ')} messages. `/60 unmute {kind}` brings them back.")  # fmt: skip


async def handle_prep(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                      value: EventRef, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    async with deps.db.session() as s:
        event = await s.get(CalendarEvent, value.event_id)
    if event is None or event.user_id != user.id:
        await tell(client, body, "That meeting is no longer on your calendar.")
        return
    await submit_prep(deps, user, event)
    await tell(client, body, f"Preparing your brief for “{event.title}”…")


async def handle_draft_proposal(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                                value: DealRef, deps: Deps) -> None:  # fmt: skip
    """The pre-meeting brief's Draft proposal: the proposal job for that deal (its last call)."""
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    res = await deps.submit(Event(type=EventType.PROPOSAL_GENERATION, source=EventSource.SLACK_BUTTON_APPROVE,
                                  org_id=user.org_id, user_id=user.id,
                                  payload={"origin": "command", "deal_id": value.deal_id, "requested": "slack"},
                                  idempotency_key=f"proposal_generation:brief:{value.deal_id}:{uuid.uuid4().hex[:8]}"))  # fmt: skip
    if not isinstance(res, JobRef):
        await tell(client, body, f"I couldn't start the proposal: {res.reason}.")
        return
    await tell(client, body, "Drafting a proposal for this deal; I'll DM you the draft.")


async def handle_check_calendar(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                                value: BriefItem, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    res = await deps.submit(
        Event(
            type=EventType.CALENDAR_FIND_TIMES,
            source=EventSource.SLACK_COMMAND,
            org_id=user.org_id,
            user_id=user.id,
            payload={"contact_id": value.contact_id, "deal_id": value.deal_id},
            idempotency_key=f"calendar_find_times:brief:{value.message_id}:{uuid.uuid4().hex[:8]}",
        )
    )
    await tell(client, body, "Looking for times that work…" if isinstance(res, JobRef)
                    else "I couldn't look for times just now.")  # fmt: skip


async def _message(deps: Deps, client: AsyncWebClient, body: Body, user: User,
                   message_id: int, *, quiet: bool = False) -> EmailMessage | None:  # fmt: skip
    """The rep's own email `message_id`, or None (after telling them it is gone, unless quiet)."""
    async with deps.db.session() as s:
        found = await own_message(s, user_id=saved_id(user), message_id=message_id)
    if not found and not quiet:
        await tell(client, body, "I can't find that email any more.")
    return found[0] if found else None


async def handle_view_email(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                            value: BriefItem, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    if (m := await _message(deps, client, body, user, value.message_id)) is None:
        return
    await tell(
        client, body, m.subject or "Email", email_blocks(m.subject, m.from_addr, m.body_text)
    )


async def handle_draft_reply(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                             value: BriefItem, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    if (m := await _message(deps, client, body, user, value.message_id)) is None:
        return
    async with deps.db.session() as s:
        status = await reply_draft_status(s, user_id=saved_id(user), message_id=m.id or 0)
    await tell(client, body, reply_draft_text(m.subject, status))


async def handle_qualify(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                         value: BriefItem, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    m = await _message(deps, client, body, user, value.message_id, quiet=True)
    who = m.from_addr if m else "this sender"
    await tell(client, body, f"{who} is not in your CRM yet. Qualify first: company size, need, "
                    "timeline — then I can draft a reply and look for times.")  # fmt: skip


async def handle_expand_pipeline(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                                 value: NoValue, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    await tell(client, body, "Your stale and at-risk deals", await pipeline_blocks(deps, user))


async def handle_show_inbox(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                            value: NoValue, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    async with deps.db.session() as s:
        items = await recent_inbound(
            s, user_id=saved_id(user), since=deps.clock() - timedelta(days=INBOX_DAYS)
        )
    await tell(client, body, "Inbox", inbox_blocks(items))


def register(app: AsyncApp) -> None:
    app.action(ProactiveAction.MUTE)(handle_mute)
    app.action(matcher(ProactiveAction.PREP))(
        handle_prep
    )  # one button per meeting: proactive-prep:<event id>
    app.action(ProactiveAction.CHECK_CALENDAR)(handle_check_calendar)
    app.action(ProactiveAction.DRAFT_PROPOSAL)(handle_draft_proposal)
    app.action(ProactiveAction.VIEW_EMAIL)(handle_view_email)
    app.action(ProactiveAction.DRAFT_REPLY)(handle_draft_reply)
    app.action(ProactiveAction.QUALIFY)(handle_qualify)
    app.action(ProactiveAction.EXPAND_PIPELINE)(handle_expand_pipeline)
    app.action(ProactiveAction.SHOW_INBOX)(handle_show_inbox)
