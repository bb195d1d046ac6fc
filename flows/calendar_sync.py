"""Calendar sync into `calendar_events`, push channel upkeep, and the `calendar_changed` sequence.

- `sync_calendar(db, settings, user_id, provider=None)`: incremental sync with the stored sync
  token (`calendar_sync_states`), upserting changed events and deleting cancelled ones; the
  first sync, or an expired token (Google 410 -> `SyncBatch.full`), replaces everything stored
  for that rep and provider. The new token is stored only with the changes, in one
  transaction, so a crash re-reads the same page instead of losing it.
- `ensure_channel(db, settings, user_id, ...)`: a Google `events.watch` channel with a fresh
  random token (checked by `bot/webhooks/google_calendar_push.py`), renewed when it expires
  within `RENEW_BEFORE`; the old channel is stopped.
- Sequence `calendar_changed` (push notification, or the calendar cron): `ensure_channel`
  when the payload asks (`renew`), then `sync`. Payload: `{provider, sync_state_id}` from the
  webhook, or `{provider, user_id, renew?}` from the cron.

Microsoft Graph runs through the same `sync_calendar` (`GraphCalendar`: calendarView delta,
the delta link kept as the sync token, 410 -> full resync); its change-notification
subscriptions are kept by `connectors/graph_subscriptions.py` (email crons), and
`bot/webhooks/graph.py` submits `calendar_changed` with `{provider: microsoft, sync_state_id}`.
Titles and addresses are never logged.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.calendar import (
    CalendarProvider,
    EventChange,
    GoogleCalendar,
    GraphCalendar,
    google_client,
    graph_client,
)
from orchestrator.sequence import Sequence, SequenceRegistry, Step
from orchestrator.context import StepContext
from storage.clock import Clock
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.models import CalendarEvent, CalendarSyncState, User
from storage.types import utcnow

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(hours=24)
CHANNEL_TTL = timedelta(days=7)
PUSH_PATH = "/webhooks/google-calendar"


async def sync_state(
    session: AsyncSession, user_id: int, provider: str, *, create: bool = True
) -> CalendarSyncState | None:
    row = (
        await session.exec(
            select(CalendarSyncState).where(
                CalendarSyncState.user_id == user_id, CalendarSyncState.provider == provider
            )
        )
    ).first()
    if row is None and create:
        row = CalendarSyncState(user_id=user_id, provider=provider)
        session.add(row)
        await session.flush()
    return row


async def google_provider(db: Database, settings: Any, user_id: int) -> GoogleCalendar | None:
    async with db.session() as s:
        user = await s.get(User, user_id)
    client = await google_client(db, settings, user_id)
    if client is None or user is None:
        return None
    return GoogleCalendar(client, tz=user.timezone)


async def provider_named(
    db: Database, settings: Any, user_id: int, name: str, *, clock: Clock | None = None
) -> CalendarProvider | None:
    """The rep's connected calendar by provider name (google | microsoft), if connected;
    `clock` is the "now" Graph's sync window is centred on (default: the wall clock)."""
    if name == "google":
        return await google_provider(db, settings, user_id)
    if name == "microsoft":
        client = await graph_client(db, settings, user_id)
        return GraphCalendar(client, clock=clock) if client is not None else None
    return None


def _apply(row: CalendarEvent, change: EventChange) -> None:
    row.title = change.title
    row.start_at, row.end_at = change.start, change.end
    row.all_day = change.all_day
    row.status = change.status
    row.show_as = change.show_as
    row.attendees = change.attendees
    row.updated_at = utcnow()


async def store_changes(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    provider: str,
    changes: list[EventChange],
    full: bool,
    rep_email: str = "",
) -> dict[str, int]:
    """Upsert `changes` (cancelled ones deleted); `full` first clears the rep's stored events."""
    counts = {"upserted": 0, "deleted": 0}
    owned = (CalendarEvent.user_id == user_id, CalendarEvent.provider == provider)
    if full:
        res = await session.exec(delete(CalendarEvent).where(*owned))  # type: ignore[call-overload]
        counts["deleted"] += int(res.rowcount or 0)
    ids = [c.external_id for c in changes]
    existing = {
        r.external_id: r
        for r in (
            await session.exec(
                select(CalendarEvent).where(*owned, col(CalendarEvent.external_id).in_(ids))
            )
        ).all()
    }
    me = rep_email.lower()
    for change in changes:
        row = existing.get(change.external_id)
        if change.cancelled:
            if row is not None:
                await session.delete(row)
                counts["deleted"] += 1
            continue
        if row is None:
            row = CalendarEvent(org_id=org_id, user_id=user_id, provider=provider,
                                external_id=change.external_id, start_at=change.start,
                                end_at=change.end)  # fmt: skip
            existing[change.external_id] = row
        _apply(row, change)
        row.is_external = any(
            (a.get("email") or "").lower().split("@")[-1] != me.split("@")[-1]
            for a in change.attendees
        ) if me else row.is_external  # fmt: skip
        session.add(row)
        counts["upserted"] += 1
    await session.flush()
    return counts


async def sync_calendar(
    db: Database,
    settings: Any,
    user_id: int,
    provider: CalendarProvider | None = None,
    *,
    provider_name: str = "google",
    clock: Clock | None = None,
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
        state = await sync_state(s, user_id, provider.name)
        assert state is not None
        token = state.sync_token
    batch = await provider.incremental_sync(token)
    async with db.transaction() as s:
        state = await sync_state(s, user_id, provider.name)
        assert state is not None
        if state.sync_token != token:  # another sync stored a newer token meanwhile
            return {"synced": False, "reason": "concurrent sync"}
        counts = await store_changes(
            s, org_id=user.org_id, user_id=user_id, provider=provider.name,
            changes=batch.changes, full=batch.full, rep_email=user.email,
        )  # fmt: skip
        if batch.next_token:
            state.sync_token = batch.next_token
        state.updated_at = utcnow()
        s.add(state)
    log.info("calendar synced", extra={"user_id": user_id, "provider": provider.name,
                                       "full": batch.full, **counts})  # fmt: skip
    return {"synced": True, "full": batch.full, "changes": len(batch.changes), **counts}


def needs_renewal(state: CalendarSyncState | None, now: datetime) -> bool:
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
        state = await sync_state(s, user_id, "google", create=False)
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
        state = await sync_state(s, user_id, "google")
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


# ---------------------------------------------------------------------------------- sequence


async def _target(ctx: StepContext) -> tuple[int | None, str]:
    """(user id, provider) named by the payload: a sync state id, or a user id."""
    provider = str(ctx.payload.get("provider") or "google")
    if ctx.payload.get("sync_state_id"):
        async with ctx.db.session() as s:
            state = await s.get(CalendarSyncState, int(ctx.payload["sync_state_id"]))
        return (state.user_id, state.provider) if state is not None else (None, provider)
    return int(ctx.payload.get("user_id") or ctx.user_id or 0) or None, provider


async def channel_step(ctx: StepContext) -> dict[str, Any]:
    user_id, provider = await _target(ctx)
    if user_id is None or provider != "google" or not ctx.payload.get("renew"):
        return {"channel": "unchanged"}
    return await ensure_channel(ctx.db, ctx.settings, user_id, ctx.now())


async def sync_step(ctx: StepContext) -> dict[str, Any]:
    user_id, provider = await _target(ctx)
    if user_id is None:
        return {"synced": False, "reason": "unknown sync state"}
    result = await sync_calendar(ctx.db, ctx.settings, user_id, provider_name=provider, clock=ctx.now)
    # A meeting booked, moved or cancelled re-plans the rep's pre-meeting briefs now.
    from flows.pre_meeting_brief.crons import calendar_changed

    await calendar_changed(user_id)
    return result


def sequence() -> Sequence:
    return Sequence(
        type="calendar_changed",
        version=1,
        steps=(
            Step("channel", "calendar.channel", on_failure="continue"),
            Step("sync", "calendar.sync", on_failure="retry", max_retries=3, timeout_s=120),
        ),
    )


def register(registry: SequenceRegistry) -> None:
    registry.skills.register("calendar.channel", channel_step)
    registry.skills.register("calendar.sync", sync_step)
    registry.add(sequence())
