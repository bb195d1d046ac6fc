"""Slack listeners for briefs and the pipeline: brief buttons, batch review, mute; and the
sandbox panel's "Morning brief now".

Every handler acks first, then checks that the clicking user may act on every id the button
carries (`bot/authz.py`; the value arrives parsed by `bot/values.py`). A click marks its message
read (an unread brief is updated rather than sent twice). "Check calendar" submits `calendar_find_times`
with `{contact_id, deal_id}`; "Draft re-engagement" / "Handle all" submit
`stale_deal_revival` per deal (each draft then waits for approval as an `email_send` gate).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlmodel import col

from blocks.email_received import reply_draft_text
from blocks.ids import ProactiveAction, ProactiveSettingsAction, matcher
from blocks.pipeline import batch_review_blocks, rows_from_value
from blocks.proactive_settings import checked, features_modal, number, org_modal
from blocks.text import SECTION_TEXT_MAX, clip
from bot.authz import REFUSALS, check, permitted, tell
from bot.commands_proactive import pipeline_blocks, submit_prep
from bot.deps import Deps
from bot.middleware import actor_of
from bot.values import ActionValue, BriefItem, DealRef, DealsRef, EventRef, MuteKind
from flows.briefs_common import mark_read
from flows.morning_brief.steps import local_date
from flows.pipeline_scan.steps import rows_of
from orchestrator.events import Event, EventSource, EventType, JobRef
from services.home import month_spend
from skills.briefs import REP_FEATURES, OrgSettingsChange, validate_org_settings
from storage import pipeline
from storage.access import Ref
from storage.models import CalendarEvent, EmailMessage, EmailThread, Org, User
from storage.reply_drafts import reply_draft_status
from storage.rows import saved_id
from storage.users import org_settings, preferences, update_preferences, user_by_slack_id

log = logging.getLogger(__name__)


def _channel_ts(body: dict[str, Any]) -> tuple[str | None, str | None]:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return channel, ts


async def _tell(
    client: AsyncWebClient,
    body: dict[str, Any],
    user: User,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    channel, _ = _channel_ts(body)
    if channel is None:
        channel = (await client.conversations_open(users=user.slack_user_id))["channel"]["id"]
    await client.chat_postEphemeral(
        channel=channel, user=user.slack_user_id, text=text, blocks=blocks
    )


async def stale_rows(deps: Deps, user: User) -> list[Any]:
    async with deps.db.session() as s:
        days = (await org_settings(s, org_id=user.org_id)).stale_threshold_days
    async with deps.db.engine.connect() as conn:
        found = await pipeline.scan(
            conn, org_id=user.org_id, now=deps.clock(), stale_days=days, owner_id=user.id
        )
    return [r for r in rows_of(found) if "stale" in r.reasons]


async def submit_revival(deps: Deps, user: User, deal_id: int, origin: str) -> Any:
    return await deps.submit(
        Event(
            type=EventType.STALE_DEAL_REVIVAL,
            source=EventSource.SLACK_BUTTON_APPROVE,
            org_id=user.org_id,
            user_id=user.id,
            payload={"deal_id": deal_id, "origin": origin},
            idempotency_key=f"stale_deal_revival:{deal_id}:{local_date(user, deps.clock()).isoformat()}",
        )
    )


def register(app: AsyncApp, deps: Deps) -> None:
    register_settings(app, deps)
    Handler = Callable[[dict[str, Any], AsyncWebClient, User, Any], Awaitable[None]]

    def on(action: str | re.Pattern[str]) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            @app.action(action)
            async def listener(
                ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                context: dict[str, Any], value: ActionValue | None,
            ) -> None:  # fmt: skip
                await ack()
                user = await permitted(deps, client, body, context, value)
                if user is None:
                    return
                channel, ts = _channel_ts(body)
                if channel and ts:
                    await mark_read(deps.db, channel, ts, deps.clock(), user_id=user.id)
                await fn(body, client, user, value)

            return fn

        return deco

    @on(ProactiveAction.MUTE)
    async def mute(body: dict[str, Any], client: AsyncWebClient, user: User, value: MuteKind) -> None:
        kind = value.kind
        async with deps.db.transaction() as s:
            prefs = await preferences(s, user_id=saved_id(user))
            muted = sorted(set(prefs.muted_kinds or []) | {kind})
            await update_preferences(s, user_id=saved_id(user), changes={"muted_kinds": muted})
        await _tell(
            client,
            body,
            user,
            f"Muted {kind.replace('_', ' ')} messages. `/60 unmute {kind}` brings them back.",
        )

    @on(matcher(ProactiveAction.PREP))  # one button per meeting: proactive-prep:<event id>
    async def prep(body: dict[str, Any], client: AsyncWebClient, user: User, value: EventRef) -> None:
        async with deps.db.session() as s:
            event = await s.get(CalendarEvent, value.event_id)
        if event is None or event.user_id != user.id:
            await _tell(client, body, user, "That meeting is no longer on your calendar.")
            return
        await submit_prep(deps, user, event)
        await _tell(client, body, user, f"Preparing your brief for “{event.title}”…")

    @on(ProactiveAction.CHECK_CALENDAR)
    async def check_calendar(body: dict[str, Any], client: AsyncWebClient, user: User, value: BriefItem) -> None:
        payload = {"contact_id": value.contact_id, "deal_id": value.deal_id}
        res = await deps.submit(
            Event(
                type=EventType.CALENDAR_FIND_TIMES,
                source=EventSource.SLACK_COMMAND,
                org_id=user.org_id,
                user_id=user.id,
                payload=payload,
                idempotency_key=f"calendar_find_times:brief:{value.message_id}:{uuid.uuid4().hex[:8]}",
            )
        )
        await _tell(
            client,
            body,
            user,
            "Looking for times that work…"
            if isinstance(res, JobRef)
            else "I couldn't look for times just now.",
        )

    async def _message(message_id: int, user: User) -> tuple[EmailMessage, EmailThread] | None:
        async with deps.db.session() as s:
            row = (
                await s.execute(
                    select(EmailMessage, EmailThread)
                    .join(EmailThread, col(EmailThread.id) == EmailMessage.thread_id)
                    .where(col(EmailMessage.id) == message_id, col(EmailThread.user_id) == user.id)
                )
            ).first()
        return (row[0], row[1]) if row else None

    @on(ProactiveAction.VIEW_EMAIL)
    async def view_email(body: dict[str, Any], client: AsyncWebClient, user: User, value: BriefItem) -> None:
        found = await _message(value.message_id, user)
        if found is None:
            await _tell(client, body, user, "I can't find that email any more.")
            return
        m, _t = found
        text = (
            f"*{m.subject or '(no subject)'}*\nFrom {m.from_addr}\n\n{(m.body_text or '')[:2500]}"
        )
        await _tell(
            client,
            body,
            user,
            m.subject or "Email",
            [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)}}],
        )

    @on(ProactiveAction.DRAFT_REPLY)
    async def draft_reply(body: dict[str, Any], client: AsyncWebClient, user: User, value: BriefItem) -> None:
        found = await _message(value.message_id, user)
        if found is None:
            await _tell(client, body, user, "I can't find that email any more.")
            return
        async with deps.db.session() as s:
            status = await reply_draft_status(s, user_id=saved_id(user), message_id=found[0].id or 0)
        await _tell(client, body, user, reply_draft_text(found[0].subject, status))

    @on(ProactiveAction.QUALIFY)
    async def qualify(body: dict[str, Any], client: AsyncWebClient, user: User, value: BriefItem) -> None:
        found = await _message(value.message_id, user)
        who = found[0].from_addr if found else "this sender"
        await _tell(
            client,
            body,
            user,
            f"{who} is not in your CRM yet. Qualify first: company size, need, "
            "timeline — then I can draft a reply and look for times.",
        )

    @on(ProactiveAction.EXPAND_PIPELINE)
    async def expand_pipeline(body: dict[str, Any], client: AsyncWebClient, user: User, value: Any) -> None:
        await _tell(
            client, body, user, "Your stale and at-risk deals", await pipeline_blocks(deps, user)
        )

    @on(ProactiveAction.SHOW_INBOX)
    async def show_inbox(body: dict[str, Any], client: AsyncWebClient, user: User, value: Any) -> None:
        since = deps.clock() - timedelta(days=3)
        async with deps.db.session() as s:
            rows = (
                await s.execute(
                    select(
                        col(EmailMessage.subject), col(EmailMessage.category), col(EmailMessage.from_addr)
                    )
                    .join(EmailThread, col(EmailThread.id) == EmailMessage.thread_id)
                    .where(
                        col(EmailThread.user_id) == user.id,
                        col(EmailMessage.direction) == "inbound",
                        col(EmailMessage.received_at) >= since,
                    )
                    .order_by(col(EmailMessage.received_at).desc())
                    .limit(20)
                )
            ).all()
        lines = [
            f"• {r[0] or '(no subject)'} — {r[2]} ({(r[1] or 'unclassified').replace('_', ' ')})"
            for r in rows
        ] or ["Nothing new in the last 3 days."]
        text = "*Inbox, last 3 days*\n" + "\n".join(lines)
        await _tell(
            client,
            body,
            user,
            "Inbox",
            [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_MAX)}}],
        )

    @on(ProactiveAction.REVIEW_STALE)
    async def review_stale(body: dict[str, Any], client: AsyncWebClient, user: User, value: Any) -> None:
        rows = await stale_rows(deps, user)
        channel = (await client.conversations_open(users=user.slack_user_id))["channel"]["id"]
        await client.chat_postMessage(
            channel=channel,
            text=f"{len(rows)} deals have gone quiet",
            blocks=batch_review_blocks(rows),
        )

    async def _rewrite(
        client: AsyncWebClient, body: dict[str, Any], user: User, keep: list[int], note: str
    ) -> None:
        channel, ts = _channel_ts(body)
        if not (channel and ts):
            return
        rows = [r for r in await stale_rows(deps, user) if r.deal_id in keep]
        blocks: list[dict[str, Any]] = (
            batch_review_blocks(rows)
            if rows
            else [{"type": "section", "text": {"type": "mrkdwn", "text": note}}]
        )
        if rows:
            blocks.insert(1, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
        await client.chat_update(channel=channel, ts=ts, text=note, blocks=blocks)

    def _listed(body: dict[str, Any]) -> list[int]:
        return rows_from_value((body.get("message") or {}).get("blocks") or [])

    @on(ProactiveAction.REVIVE)
    async def revive(body: dict[str, Any], client: AsyncWebClient, user: User, value: DealRef) -> None:
        deal_id = value.deal_id
        await submit_revival(deps, user, deal_id, "batch_review")
        await _rewrite(
            client,
            body,
            user,
            [d for d in _listed(body) if d != deal_id],
            "Drafting the re-engagement email; it will wait for your approval.",
        )

    @on(ProactiveAction.SKIP_DEAL)
    async def skip_deal(body: dict[str, Any], client: AsyncWebClient, user: User, value: DealRef) -> None:
        deal_id = value.deal_id
        await _rewrite(client, body, user, [d for d in _listed(body) if d != deal_id], "Skipped.")

    @on(ProactiveAction.HANDLE_ALL)
    async def handle_all(body: dict[str, Any], client: AsyncWebClient, user: User, value: DealsRef) -> None:
        ids = (_listed(body) or value.deal_ids)[:50]
        # The rows listed in the message are ids from the payload too: each one is checked.
        if await check(deps.db, user, DealsRef(deal_ids=ids)) is not None:
            await _tell(client, body, user, REFUSALS[Ref.DEAL])
            return
        for deal_id in ids:
            await submit_revival(deps, user, deal_id, "batch_review")
        await _rewrite(
            client,
            body,
            user,
            [],
            f"Drafting {len(ids)} re-engagement emails; each will wait for your approval.",
        )

    @on(ProactiveAction.DISMISS)
    async def dismiss(body: dict[str, Any], client: AsyncWebClient, user: User, value: Any) -> None:
        await _rewrite(client, body, user, [], "Dismissed. `/60 pipeline` shows these deals again.")


def morning_brief_now_handler(deps: Deps) -> Callable[[str], Awaitable[str]]:
    """Sandbox panel: the selected rep's morning brief now, through the real sequence."""

    async def handler(slack_user_id: str) -> str:
        async with deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=slack_user_id)
        if user is None:
            return "Pick one of the demo reps first."
        day = local_date(user, deps.clock()).isoformat()
        res = await deps.submit(
            Event(
                type=EventType.MORNING_BRIEF,
                source=EventSource.SLACK_COMMAND,
                org_id=user.org_id,
                user_id=user.id,
                payload={"requested": True, "panel": True},
                idempotency_key=f"morning_brief:{user.id}:{day}:panel:{uuid.uuid4().hex[:12]}",
            )
        )
        if not isinstance(res, JobRef):
            return f"The brief was not started ({res.reason})."
        return f"Morning brief started for {user.name.split()[0]}. Watch the DM."

    return handler


# --------------------------------------------------------------------------- feature toggles, org settings


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
    await client.views_open(
        trigger_id=trigger_id,
        view=org_modal(
            org.features or {}, org.ai_budget_usd_month, spend, org.stale_threshold_days
        ),
    )
    return True


async def save_org(deps: Deps, user: User, change: OrgSettingsChange) -> None:
    """Apply the admin's org settings and reschedule the org's pipeline scan at once."""
    async with deps.db.transaction() as s:
        row = await org_settings(s, org_id=user.org_id)
        row.features = {**(row.features or {}), **change.features}
        row.ai_budget_usd_month = change.ai_budget_usd_month
        row.stale_threshold_days = change.stale_threshold_days
        row.updated_at = deps.clock()
        s.add(row)
        org = await s.get(Org, user.org_id)
    planner = getattr(deps, "proactive_planner", None)
    if planner is not None and org is not None:
        await planner.schedule_scan(org, row)
    log.info("org settings saved", extra={"org_id": user.org_id, "user_id": user.id})


def register_settings(app: AsyncApp, deps: Deps) -> None:
    @app.action(ProactiveSettingsAction.OPEN_FEATURES)
    async def on_open_features(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        if (user := await actor_of(context)) is not None:
            await open_features(deps, client, user, body["trigger_id"])

    @app.action(ProactiveSettingsAction.OPEN_ORG)
    async def on_open_org(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        if (user := await actor_of(context)) is not None and not await open_org(
            deps, client, user, body["trigger_id"]
        ):
            await _tell(client, body, user, "Only an admin can change the team's settings.")

    @app.view(ProactiveSettingsAction.FEATURES_MODAL)
    async def on_features(ack: AsyncAck, view: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        user = await actor_of(context)
        if user is None:
            return
        values = view["state"]["values"]
        on = set(checked(values, ProactiveSettingsAction.FEATURES))
        async with deps.db.transaction() as s:
            prefs = await preferences(s, user_id=saved_id(user))
            org = await org_settings(s, org_id=user.org_id)
            shown = [k for k, _ in REP_FEATURES if (org.features or {}).get(k, True)]
            features = {**(prefs.features or {}), **{k: k in on for k in shown}}
            await update_preferences(s, user_id=saved_id(user), changes={"features": features})
        for listener in deps.settings_listeners:
            await listener(saved_id(user))

    @app.view(ProactiveSettingsAction.ORG_MODAL)
    async def on_org(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:  # fmt: skip
        values = view["state"]["values"]
        change, errors = validate_org_settings(
            checked(values, ProactiveSettingsAction.ORG_FEATURES),
            number(values, ProactiveSettingsAction.BUDGET),
            number(values, ProactiveSettingsAction.STALE_DAYS),
        )
        if errors:
            ids = {
                "budget": ProactiveSettingsAction.BUDGET,
                "stale_days": ProactiveSettingsAction.STALE_DAYS,
            }
            await ack(response_action="errors", errors={ids[k]: v for k, v in errors.items()})
            return
        await ack()
        user = await actor_of(context)
        if user is not None and user.role != "admin":
            await tell(client, body, "Only an admin can change the team's settings, so I did nothing.")
            return
        if user is None or change is None:
            return
        await save_org(deps, user, change)
