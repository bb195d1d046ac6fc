"""Calendar sync into `calendar_events` and Google push channel upkeep.

- `sync_calendar(db, settings, user_id, provider=None)`: incremental sync with the stored sync
  token (`calendar_sync_states`), upserting changed events and deleting cancelled ones; the
  first sync, or an expired token (Google 410 -> `SyncBatch.full`), replaces everything stored
  for that rep and provider. The new token is stored only with the changes, in one
  transaction, so a crash re-reads the same page instead of losing it.
- `ensure_channel(db, settings, user_id, now)`: a Google `events.watch` channel with a fresh
  random token (checked by `bot/webhooks/google_calendar_push.py`), renewed when it expires
  within `RENEW_BEFORE`; the old channel is stopped.

Microsoft Graph runs through the same `sync_calendar` (`GraphCalendar`: calendarView delta,
the delta link kept as the sync token, 410 -> full resync); its change-notification
subscriptions are kept by `connectors/graph_subscriptions.py` (email crons). Rows are read and
written by `storage.calendar`; providers come from `connectors.calendar`. Titles and addresses
are never logged.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connectors.calendar import CalendarProvider, EventChange, google_client, provider_named
from storage import calendar as calendars
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.models import CalendarSyncState, User
from storage.types import utcnow

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(hours=24)
CHANNEL_TTL = timedelta(days=7)
PUSH_PATH = "/webhooks/google-calendar"


def _domain(email: str) -> str:
    return email.lower().split("@")[-1]


def external_flags(changes: list[EventChange], rep_email: str) -> dict[str, bool] | None:
    """Which events have an attendee outside the rep's email domain (None: the rep's address
    is unknown, so what was stored stays)."""
    if not rep_email:
        return None
    mine = _domain(rep_email)
    return {
        c.external_id: any(_domain(a.get("email") or "") != mine for a in c.attendees)
        for c in changes
    }


async def sync_calendar(
    db: Database,
    settings: Any,
    user_id: int,
    provider: CalendarProvider | None = None,
    *,
    provider_name: str = "google",
    clock: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """One incremental sync for the rep; returns counts (no titles or addresses)."""
    async with db.session() as s:
        user = await s.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} not found")
    provider = provider or await provider_named(db, settings, user_id, provider_name, clock=clock)
    if provider is None:
        return {"synced": False, "reason": "no calendar connection"}
    async with db.transaction() as s:
        state = await calendars.sync_state(s, user_id=user_id, provider=provider.name)
        assert state is not None
        token = state.sync_token
    batch = await provider.incremental_sync(token)
    async with db.transaction() as s:
        state = await calendars.sync_state(s, user_id=user_id, provider=provider.name)
        assert state is not None
        if state.sync_token != token:  # another sync stored a newer token meanwhile
            return {"synced": False, "reason": "concurrent sync"}
        counts = await calendars.store_changes(
            s, org_id=user.org_id, user_id=user_id, provider=provider.name,
            changes=batch.changes, full=batch.full,
            external=external_flags(batch.changes, user.email),
        )  # fmt: skip
        if batch.next_token:
            state.sync_token = batch.next_token
        state.updated_at = utcnow()
        s.add(state)
    log.info("calendar synced", extra={"user_id": user_id, "provider": provider.name,
                                       "full": batch.full, **counts})  # fmt: skip
    return {"synced": True, "full": batch.full, "changes": len(batch.changes), **counts}


def needs_renewal(state: CalendarSyncState | None, now: datetime) -> bool:
    """Whether the rep's Google push channel is missing or expires within `RENEW_BEFORE`."""
    return (
        state is None
        or not state.channel_id
        or state.expires_at is None
        or state.expires_at - now < RENEW_BEFORE
    )


async def ensure_channel(
    db: Database, settings: Any, user_id: int, now: datetime, *, force: bool = False
) -> dict[str, Any]:
    """Open (or renew before expiry) the rep's Google push channel."""
    base = getattr(settings, "public_base_url", None)
    if not base:
        return {"channel": "skipped", "reason": "no public URL for push notifications"}
    async with db.session() as s:
        state = await calendars.sync_state(s, user_id=user_id, provider="google", create=False)
    if not force and not needs_renewal(state, now):
        return {"channel": "current"}
    client = await google_client(db, settings, user_id)
    if client is None:
        return {"channel": "skipped", "reason": "no calendar connection"}
    channel_id = uuid.uuid4().hex
    token = secrets.token_urlsafe(32)
    made = await client.watch_events(channel_id, base.rstrip("/") + PUSH_PATH, token,
                                     ttl=CHANNEL_TTL)  # fmt: skip
    old: tuple[str, str] | None = None
    async with db.transaction() as s:
        state = await calendars.sync_state(s, user_id=user_id, provider="google")
        assert state is not None
        if state.channel_id and state.resource_id:
            old = (state.channel_id, state.resource_id)
        state.channel_id, state.channel_token = made.id, settings_cipher(settings).seal(token)
        state.resource_id, state.expires_at = made.resource_id, made.expires_at
        state.updated_at = utcnow()
        s.add(state)
    if old is not None:
        try:
            await client.stop_channel(*old)
        except Exception as exc:  # the old channel expires on its own anyway
            log.info("old calendar channel not stopped", extra={"error": type(exc).__name__})
    log.info("calendar channel opened", extra={"user_id": user_id, "renewed": old is not None})
    return {"channel": "renewed" if old else "opened", "expires_at": str(made.expires_at)}
