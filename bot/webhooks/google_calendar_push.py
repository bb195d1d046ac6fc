"""`POST /webhooks/google-calendar`: Google Calendar push notifications (events.watch channels).

The notification has no useful body; everything is in headers (developers.google.com/calendar
/api/guides/push): `X-Goog-Channel-ID`, `X-Goog-Channel-Token` (the token we gave events.watch),
`X-Goog-Resource-ID`, `X-Goog-Resource-State` (`sync` right after the channel is made,
`exists` / `not_exists` on changes) and `X-Goog-Message-Number`.

The channel id must name a row of `calendar_sync_states` whose stored `channel_token` (sealed,
`storage.crypto`) reveals the header's value (constant-time) and whose `resource_id`, when stored, matches; otherwise 401. `sync`
is acknowledged and nothing more. A change submits a small `calendar_changed` event
(`{provider, sync_state_id, resource_state}`, key `calendar_changed:google:{channel}:{number}`)
for the sync flow to run events.list with its sync token; the answer is 200 right away.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlmodel import select

from bot.webhooks import WebhookDeps, json_error, secret_equals
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.crypto import settings_cipher
from storage.models import CalendarSyncState, User

log = logging.getLogger(__name__)

PATH = "/webhooks/google-calendar"
STATES = ("sync", "exists", "not_exists")


def register_routes(app: web.Application, deps: WebhookDeps) -> None:
    async def calendar_push(request: web.Request) -> web.Response:
        h = request.headers
        channel_id = h.get("X-Goog-Channel-ID", "")
        state = h.get("X-Goog-Resource-State", "")
        number = h.get("X-Goog-Message-Number", "")
        if not channel_id or state not in STATES:
            log.warning("calendar push malformed", extra={"state": state[:20]})
            return json_error(400, "missing channel id or unknown resource state")
        async with deps.db.session() as session:
            row = (
                await session.exec(
                    select(CalendarSyncState).where(
                        CalendarSyncState.channel_id == channel_id,
                        CalendarSyncState.provider == "google",
                    )
                )
            ).first()
            user = await session.get(User, row.user_id) if row is not None else None
            known = (
                row is not None
                and user is not None
                and secret_equals(
                    h.get("X-Goog-Channel-Token"),
                    settings_cipher(deps.settings).reveal(row.channel_token),
                )
                and (not row.resource_id or row.resource_id == h.get("X-Goog-Resource-ID"))
            )
            ids = (row.id, user.org_id, user.id) if known and row and user else None
        if ids is None:
            log.warning("calendar push rejected", extra={"channel_id": channel_id[:64]})
            return json_error(401, "unknown channel or bad token")
        sync_state_id, org_id, user_id = ids
        if state == "sync":
            log.info("calendar channel confirmed", extra={"sync_state_id": sync_state_id})
            return web.Response(status=200)
        event = Event(
            type=EventType.CALENDAR_CHANGED,
            source=EventSource.WEBHOOK_CALENDAR,
            org_id=org_id,
            user_id=user_id,
            payload={"provider": "google", "sync_state_id": sync_state_id,
                     "resource_state": state},
            idempotency_key=f"calendar_changed:google:{channel_id}:{number or 'na'}",
        )  # fmt: skip
        result = await deps.submit(event)
        log.info("calendar push accepted", extra={
            "sync_state_id": sync_state_id, "state": state,
            **({"job_id": result.job_id} if isinstance(result, JobRef) else {"skipped": result.reason}),
        })  # fmt: skip
        return web.Response(status=200)

    app.router.add_post(PATH, calendar_push)
