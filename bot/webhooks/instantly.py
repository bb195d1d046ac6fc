"""`POST /webhooks/instantly`: Instantly webhook deliveries (campaign replies and lead interest).

Instantly signs nothing (NEXT_BUILDS.md B1/B2), so the subscription is created with a custom
header, `X-Sixty-Webhook-Secret: <INSTANTLY_WEBHOOK_SECRET>`, compared in constant time (401
otherwise, and when no secret is configured). The body is bounded (`max_body_bytes`, 413) flat
JSON: `timestamp, event_type, workspace, campaign_id, ...` with optionally `lead_email,
email_account, email_id, reply_text, reply_subject`.

Which org: the one whose Instantly connection (`connections`, provider `instantly`, active)
names the payload's `workspace` in `meta.workspace_id`; when none names it and exactly one org
has an active Instantly connection, that org (a workspace key without a stored workspace id).
Otherwise the delivery is acknowledged (200, `{"ignored": "unknown workspace"}`) so Instantly
stops retrying. The job runs for the user who connected the key.

Instantly retries and sends no delivery id, so each delivery is recorded once in
`instantly_webhook_deliveries` keyed `(org, event_type, email_id or lead_email, timestamp)`; a
repeat answers 200 `{"duplicate": true}` and starts nothing. If the event cannot be handed
over, the record is removed again and the answer is 503 so Instantly's retry is not a duplicate. `reply_received` and the lead
interest events (`lead_interested`, `lead_not_interested`, `lead_meeting_booked`, ... that carry
an `email_id`) submit one `instantly_reply` event keyed by the email id, so a reply and the label
Instantly puts on it make one job. A label that arrives once the reply is stored (by email id,
else the lead's latest reply in the campaign) only updates that row's Instantly value
(`storage.instantly_replies.set_label`, answer `{"label_updated": true}`): no second job; a label
arriving while the reply's job has not stored it yet is picked up by the job from the recorded
delivery (`flows.campaign_reply.fetch`). Other events are recorded and acknowledged. Addresses
and reply text are never logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.webhooks import BodyTooLarge, WebhookDeps, json_error, read_limited, secret_equals
from connectors.instantly_models import EVENT_INTEREST, LABEL_EVENTS
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.instantly_models import InstantlyWebhookDelivery
from storage.instantly_replies import set_label
from storage.models import Connection

log = logging.getLogger(__name__)

PATH = "/webhooks/instantly"
SECRET_HEADER = "X-Sixty-Webhook-Secret"
PROVIDER = "instantly"
# events that start the reply triage (when they name the email): the reply itself and the
# interest labels Instantly (or a person in Instantly) puts on the lead
REPLY_EVENTS = frozenset({"reply_received", *LABEL_EVENTS})
# what the webhook payload may carry into the job (never the whole body: lead-data keys vary)
CARRIED = ("event_type", "campaign_id", "lead_email", "email_account", "email_id",
           "reply_subject", "reply_text", "timestamp", "workspace")  # fmt: skip
MAX_REPLY_TEXT = 20_000


def dedupe_key(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(event type, email id or lead email, timestamp) as sent."""
    ident = str(payload.get("email_id") or payload.get("lead_email") or "")
    return str(payload.get("event_type") or ""), ident[:320], str(payload.get("timestamp") or "")


async def org_for_workspace(deps: WebhookDeps, workspace: str) -> tuple[int, int | None] | None:
    """(org id, user id) of the Instantly connection for `workspace` (see the module doc)."""
    async with deps.db.session() as s:
        rows = list((await s.exec(select(Connection).where(
            Connection.provider == PROVIDER, Connection.status == "active"))).all())  # fmt: skip
    named = [c for c in rows if workspace and (c.meta or {}).get("workspace_id") == workspace]
    if named:
        return named[0].org_id, named[0].user_id
    orgs = {c.org_id for c in rows}
    if len(orgs) == 1:
        conn = min(rows, key=lambda c: c.id or 0)
        return conn.org_id, conn.user_id
    return None


async def record_delivery(deps: WebhookDeps, org_id: int, payload: dict[str, Any]) -> int | None:
    """The delivery's row id the first time it is seen, None for a repeat."""
    event_type, ident, stamp = dedupe_key(payload)
    row = InstantlyWebhookDelivery(org_id=org_id, event_type=event_type, email_or_lead=ident,
                                   event_timestamp=stamp, received_at=deps.clock())  # fmt: skip
    try:
        async with deps.db.transaction() as s:
            s.add(row)
            await s.flush()
    except IntegrityError:
        return None
    return row.id


async def forget_delivery(deps: WebhookDeps, delivery_id: int) -> None:
    """Undo `record_delivery` when the event could not be handed over, so a retry is not a
    duplicate (a reply must never be lost to our own failure)."""
    async with deps.db.transaction() as s:
        row = await s.get(InstantlyWebhookDelivery, delivery_id)
        if row is not None:
            await s.delete(row)


async def late_label(deps: WebhookDeps, org_id: int, payload: dict[str, Any]) -> int | None:
    """A label event for a reply already stored: its Instantly value updated; the row id."""
    event_type = str(payload.get("event_type") or "")
    if event_type not in LABEL_EVENTS:
        return None
    async with deps.db.transaction() as s:
        return await set_label(s, org_id=org_id, email_id=str(payload.get("email_id") or ""),
                               lead_email=str(payload.get("lead_email") or ""),
                               campaign_id=str(payload.get("campaign_id") or "") or None,
                               i_status=EVENT_INTEREST.get(event_type))  # fmt: skip


def reply_event(org_id: int, user_id: int | None, payload: dict[str, Any]) -> Event:
    carried = {k: payload[k] for k in CARRIED if isinstance(payload.get(k), str | int)}
    if isinstance(carried.get("reply_text"), str):
        carried["reply_text"] = carried["reply_text"][:MAX_REPLY_TEXT]
    return Event(
        type=EventType.INSTANTLY_REPLY, source=EventSource.WEBHOOK_INSTANTLY, org_id=org_id,
        user_id=user_id, payload=carried,
        idempotency_key=f"{EventType.INSTANTLY_REPLY}:{org_id}:{payload['email_id']}",
    )  # fmt: skip


def register_routes(app: web.Application, deps: WebhookDeps) -> None:
    async def instantly_webhook(request: web.Request) -> web.Response:
        if not secret_equals(request.headers.get(SECRET_HEADER),
                             deps.settings.instantly_webhook_secret):  # fmt: skip
            log.warning("instantly webhook unauthenticated")
            return json_error(401, "unauthenticated")
        try:
            body = await read_limited(request, deps.settings.max_body_bytes)
        except BodyTooLarge:
            return json_error(413, f"body larger than {deps.settings.max_body_bytes} bytes")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "body is not JSON")
        if not isinstance(payload, dict) or not payload.get("event_type"):
            return json_error(400, "expected an object with event_type")
        event_type = str(payload["event_type"])
        found = await org_for_workspace(deps, str(payload.get("workspace") or ""))
        if found is None:
            log.warning("instantly webhook for an unknown workspace")
            return web.json_response({"ok": True, "ignored": "unknown workspace"})
        org_id, user_id = found
        delivery_id = await record_delivery(deps, org_id, payload)
        if delivery_id is None:
            log.info("instantly webhook duplicate", extra={"event_type": event_type[:40]})
            return web.json_response({"ok": True, "duplicate": True})
        if await late_label(deps, org_id, payload) is not None:
            log.info("instantly label recorded", extra={"event_type": event_type[:40]})
            return web.json_response({"ok": True, "label_updated": True})
        if event_type not in REPLY_EVENTS or not payload.get("email_id"):
            return web.json_response({"ok": True, "event_type": event_type})
        try:
            result = await deps.submit(reply_event(org_id, user_id, payload))
        except Exception:  # not handed over: let Instantly's retry try again
            log.exception("instantly webhook could not submit its event")
            await forget_delivery(deps, delivery_id)
            return json_error(503, "try again")
        job = (
            {"job_id": result.job_id} if isinstance(result, JobRef) else {"skipped": result.reason}
        )
        log.info("instantly webhook accepted", extra={"event_type": event_type, **job})
        return web.json_response({"ok": True, **job})

    app.router.add_post(PATH, instantly_webhook)
