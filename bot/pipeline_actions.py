"""Buttons of the pipeline's batch review: review stale deals, draft a re-engagement for one deal
or all, skip one, dismiss the list.

"Draft re-engagement" / "Handle all" submit `stale_deal_revival` per deal (each draft then waits
for approval as an `email_send` gate); the review message is rewritten to the deals still listed.
Handlers are module-level; each goes through `accept_click` (ack, authz, mark read) first.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.brief_replies import review_after_click
from blocks.ids import ProactiveAction
from blocks.pipeline import DealRow, batch_review_blocks, rows_from_value
from bot.authz import REFUSALS, check
from bot.clicks import accept_click
from bot.deps import Deps
from bot.replies import channel_ts, tell
from bot.values import DealRef, DealsRef, NoValue
from flows.morning_brief.steps import local_date
from flows.pipeline_scan.steps import rows_of
from orchestrator.events import Event, EventSource, EventType
from storage import pipeline
from storage.access import Ref
from storage.models import User
from storage.users import org_settings

Body = dict[str, Any]
Context = dict[str, Any]


async def stale_rows(deps: Deps, user: User) -> list[DealRow]:
    """The user's own deals that have gone quiet past the org's threshold."""
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


def _listed(body: Body) -> list[int]:
    """The deal ids the clicked review message lists."""
    return rows_from_value((body.get("message") or {}).get("blocks") or [])


async def _rewrite(
    deps: Deps, client: AsyncWebClient, body: Body, user: User, keep: list[int], note: str
) -> None:
    channel, ts = channel_ts(body)
    if not (channel and ts):
        return
    rows = [r for r in await stale_rows(deps, user) if r.deal_id in keep]
    await client.chat_update(
        channel=channel, ts=ts, text=note, blocks=review_after_click(rows, note)
    )


async def handle_review_stale(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                              value: NoValue, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    rows = await stale_rows(deps, user)
    channel = (await client.conversations_open(users=user.slack_user_id))["channel"]["id"]
    await client.chat_postMessage(channel=channel, text=f"{len(rows)} deals have gone quiet",
                                  blocks=batch_review_blocks(rows))  # fmt: skip


async def handle_revive(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                        value: DealRef, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    await submit_revival(deps, user, value.deal_id, "batch_review")
    await _rewrite(deps, client, body, user, [d for d in _listed(body) if d != value.deal_id],
                   "Drafting the re-engagement email; it will wait for your approval.")  # fmt: skip


async def handle_skip_deal(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                           value: DealRef, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    await _rewrite(
        deps, client, body, user, [d for d in _listed(body) if d != value.deal_id], "Skipped."
    )


async def handle_all(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                     value: DealsRef, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    ids = (_listed(body) or value.deal_ids)[:50]
    # The rows listed in the message are ids from the payload too: each one is checked.
    if await check(deps.db, user, DealsRef(deal_ids=ids)) is not None:
        await tell(client, body, REFUSALS[Ref.DEAL])
        return
    for deal_id in ids:
        await submit_revival(deps, user, deal_id, "batch_review")
    await _rewrite(deps, client, body, user, [],
                   f"Drafting {len(ids)} re-engagement emails; each will wait for your approval.")  # fmt: skip


async def handle_dismiss(ack: AsyncAck, body: Body, client: AsyncWebClient, context: Context,
                         value: DealsRef, deps: Deps) -> None:  # fmt: skip
    if (user := await accept_click(ack, body, client, context, value, deps)) is None:
        return
    await _rewrite(
        deps, client, body, user, [], "Dismissed. `/60 pipeline` shows these deals again."
    )


def register(app: AsyncApp) -> None:
    app.action(ProactiveAction.REVIEW_STALE)(handle_review_stale)
    app.action(ProactiveAction.REVIVE)(handle_revive)
    app.action(ProactiveAction.SKIP_DEAL)(handle_skip_deal)
    app.action(ProactiveAction.HANDLE_ALL)(handle_all)
    app.action(ProactiveAction.DISMISS)(handle_dismiss)
