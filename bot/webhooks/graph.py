"""`POST /webhooks/graph` (and `/webhooks/graph/lifecycle`): Microsoft Graph change and lifecycle
notifications for the subscriptions `connectors.graph_subscriptions` creates.

As Graph documents it (EXTERNAL_APIS.md section 5, concepts/change-notifications-delivery-webhooks):

- **Validation handshake**: when a subscription is created, Graph POSTs
  `?validationToken=<opaque>`; we answer 200 `text/plain` with the token as decoded from the
  query string, at once and before anything else (Graph gives 10 s).
- **Change notifications** `{"value": [...]}` may batch several items. Each item's
  `subscriptionId` must be one we stored — `mailbox_states.subscription_id` (inbox; the row's
  `connection_id` gives the mailbox) or `calendar_sync_states.channel_id` with provider
  `microsoft` (calendar) — and its `clientState` must equal the stored secret (kept sealed,
  `storage.crypto`; compared revealed, constant-time).
  An item that fails is dropped and logged (subscription id only); the others go on. Inbox
  items submit `email_received` (`{provider: microsoft, connection_id, message_id}`, key
  `email_received:microsoft:{connection_id}:{message_id}`); calendar items submit
  `calendar_changed` (`{provider: microsoft, sync_state_id, resource_state, event_id}`). No
  Graph call happens inside the request: the flows fetch.
- **Answer**: 202 for every well-formed delivery, even when items were dropped — Graph's
  guidance is to acknowledge at once to stop retries, and a forged or stale item should not be
  retried for 4 hours. 400 for a body that is not a notification collection, 413 when too big,
  503 when an event could not be handed over (Graph then retries; keys make that safe).
- **Lifecycle** (`lifecycleEvent`, to the lifecycleNotificationUrl; the main URL accepts them
  too): `reauthorizationRequired` marks the subscription due (expiry set to now) so the next
  `renew_graph_subscriptions` pass renews it; `subscriptionRemoved` forgets the subscription
  id so that pass re-creates it; `missed` submits a calendar resync (`calendar_changed` with
  `resource_state: missed`) for calendars, and for inboxes marks the mailbox as never polled
  (`last_polled_at = NULL`) for the polling fallback to run a delta pass. Nothing of this calls
  Graph inside the request either.

Addresses, subjects and bodies are never logged (notifications carry ids only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from bot.webhooks import BodyTooLarge, WebhookDeps, as_dict, json_error, read_limited, secret_equals
from orchestrator.events import Event, EventSource, EventType, JobRef
from skills.json_input import JSONInputError, read_json
from storage.crypto import settings_cipher
from storage.models import CalendarSyncState, Connection, MailboxState, User

log = logging.getLogger(__name__)

PATH = "/webhooks/graph"
LIFECYCLE_PATH = "/webhooks/graph/lifecycle"
PROVIDER = "microsoft"
MAX_BODY = 1024 * 1024
MAX_ITEMS = 1000


@dataclass(frozen=True)
class Target:
    """Who a subscription belongs to."""

    kind: str  # "mail" | "calendar"
    secret: str | None
    org_id: int
    user_id: int
    connection_id: int | None = None
    sync_state_id: int | None = None


async def _targets(deps: WebhookDeps, ids: set[str]) -> dict[str, Target]:
    out: dict[str, Target] = {}
    if not ids:
        return out
    cipher = settings_cipher(deps.settings)  # stored secrets are sealed; compare revealed
    async with deps.db.session() as s:
        rows = (
            await s.exec(
                select(MailboxState, Connection)
                .join(Connection, col(Connection.id) == MailboxState.connection_id)
                .where(col(MailboxState.subscription_id).in_(ids), Connection.provider == PROVIDER)
            )
        ).all()
        for box, conn in rows:
            if box.subscription_id and conn.user_id is not None:
                out[box.subscription_id] = Target("mail", cipher.reveal(box.client_state), conn.org_id,
                                                  conn.user_id, connection_id=conn.id)  # fmt: skip
        cals = (
            await s.exec(
                select(CalendarSyncState, User)
                .join(User, col(User.id) == CalendarSyncState.user_id)
                .where(
                    col(CalendarSyncState.channel_id).in_(ids),
                    CalendarSyncState.provider == PROVIDER,
                )
            )
        ).all()
        for cal, user in cals:
            if cal.channel_id and user.id is not None:
                out[cal.channel_id] = Target("calendar", cipher.reveal(cal.channel_token), user.org_id, user.id,
                                             sync_state_id=cal.id)  # fmt: skip
    return out


def _resource_id(item: dict[str, Any]) -> str:
    data = as_dict(item.get("resourceData"))
    rid = data.get("id")
    if isinstance(rid, str) and rid:
        return rid
    resource = str(item.get("resource") or "")
    return resource.rstrip("/").rsplit("/", 1)[-1].removeprefix("Messages('").rstrip("')")


def _change_event(item: dict[str, Any], sub_id: str, t: Target) -> Event | None:
    rid = _resource_id(item)
    if not rid:
        return None
    change = str(item.get("changeType") or "")
    if t.kind == "mail":
        if change and change != "created":
            return None  # only new mail starts work; updates (read flags...) do not
        return Event(
            type=EventType.EMAIL_RECEIVED, source=EventSource.WEBHOOK_EMAIL, org_id=t.org_id,
            user_id=t.user_id,
            payload={"provider": PROVIDER, "connection_id": t.connection_id, "message_id": rid},
            idempotency_key=f"email_received:microsoft:{t.connection_id}:{rid}",
        )  # fmt: skip
    etag = str(as_dict(item.get("resourceData")).get("@odata.etag") or "")
    return Event(
        type=EventType.CALENDAR_CHANGED, source=EventSource.WEBHOOK_CALENDAR, org_id=t.org_id,
        user_id=t.user_id,
        payload={"provider": PROVIDER, "sync_state_id": t.sync_state_id,
                 "resource_state": change or "updated", "event_id": rid},
        idempotency_key=f"calendar_changed:microsoft:{sub_id}:{rid}:{change}:{etag[-24:]}",
    )  # fmt: skip


async def _lifecycle(deps: WebhookDeps, item: dict[str, Any], sub_id: str, t: Target,
                     now: datetime) -> Event | None:  # fmt: skip
    kind = str(item.get("lifecycleEvent") or "")
    log.info("graph lifecycle notification", extra={"subscription_id": sub_id[:64],
                                                    "lifecycle": kind, "kind": t.kind})  # fmt: skip
    if kind == "missed" and t.kind == "calendar":
        return Event(
            type=EventType.CALENDAR_CHANGED, source=EventSource.WEBHOOK_CALENDAR, org_id=t.org_id,
            user_id=t.user_id,
            payload={"provider": PROVIDER, "sync_state_id": t.sync_state_id,
                     "resource_state": "missed"},
            idempotency_key=f"calendar_changed:microsoft:{sub_id}:missed:{now:%Y%m%d%H%M}",
        )  # fmt: skip
    async with deps.db.transaction() as s:
        if t.kind == "mail":
            box = await s.get(MailboxState, t.connection_id)
            if box is None or box.subscription_id != sub_id:
                return None
            if kind == "reauthorizationRequired":
                box.subscription_expires_at = now
            elif kind == "subscriptionRemoved":
                box.subscription_id = None
                box.subscription_expires_at = None
            elif kind == "missed":
                box.last_polled_at = None
            s.add(box)
        else:
            cal = await s.get(CalendarSyncState, t.sync_state_id)
            if cal is None or cal.channel_id != sub_id:
                return None
            if kind == "reauthorizationRequired":
                cal.expires_at = now
            elif kind == "subscriptionRemoved":
                cal.channel_id = None
                cal.expires_at = None
            s.add(cal)
    return None


def register_routes(app: web.Application, deps: WebhookDeps) -> None:
    clock = getattr(deps, "clock", None)

    def now() -> datetime:
        value = clock() if callable(clock) else datetime.now(UTC)
        return value if isinstance(value, datetime) else datetime.now(UTC)

    async def notifications(request: web.Request) -> web.Response:
        token = request.query.get("validationToken")
        if token is not None:  # subscription handshake: echo, plain text, at once
            return web.Response(status=200, text=token, content_type="text/plain")
        try:
            body = await read_limited(request, MAX_BODY)
        except BodyTooLarge:
            return json_error(413, "body too large")
        try:
            doc = read_json(body)
        except JSONInputError as exc:
            log.warning("graph notification rejected", extra={"reason": exc.reason})
            return json_error(400, exc.reason)
        items = as_dict(doc).get("value")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            return json_error(400, "expected a notification collection")
        items = [i for i in items if isinstance(i, dict)]
        ids = {str(i.get("subscriptionId") or "") for i in items} - {""}
        targets = await _targets(deps, ids)
        events: list[Event] = []
        rejected = 0
        at = now()
        for item in items:
            sub_id = str(item.get("subscriptionId") or "")
            target = targets.get(sub_id)
            if target is None or not secret_equals(item.get("clientState"), target.secret):
                rejected += 1
                log.warning("graph notification rejected", extra={
                    "subscription_id": sub_id[:64],
                    "reason": "unknown subscription" if target is None else "bad clientState"})  # fmt: skip
                continue
            if item.get("lifecycleEvent"):
                event = await _lifecycle(deps, item, sub_id, target, at)
            else:
                event = _change_event(item, sub_id, target)
            if event is not None:
                events.append(event)
        submitted = 0
        for event in events:
            try:
                result = await deps.submit(event)
            except Exception as exc:  # Graph retries on 5xx; keys make the retry harmless
                log.error("graph notification not handed over", extra={
                    "error": type(exc).__name__, "event_type": event.type})  # fmt: skip
                return json_error(503, "try again")
            submitted += isinstance(result, JobRef)
        log.info("graph notifications accepted", extra={
            "items": len(items), "events": len(events), "new_jobs": submitted,
            "rejected": rejected})  # fmt: skip
        return web.Response(status=202)

    app.router.add_post(PATH, notifications)
    app.router.add_post(LIFECYCLE_PATH, notifications)
