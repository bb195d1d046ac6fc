"""The `calendar_changed` steps: renew the rep's Google push channel, then sync their calendar.

The payload names the calendar: `{provider, sync_state_id}` from a push webhook (Google or
Graph), or `{provider, user_id, renew?}` from the sync cron.
"""

from __future__ import annotations

from typing import Any

from flows.calendar_sync.sync import ensure_channel, sync_calendar
from orchestrator.context import StepContext
from storage import calendar as calendars


async def _target(ctx: StepContext) -> tuple[int | None, str]:
    """(user id, provider) named by the payload: a sync state id, or a user id."""
    provider = str(ctx.payload.get("provider") or "google")
    if ctx.payload.get("sync_state_id"):
        async with ctx.db.session() as s:
            state = await calendars.sync_state_by_id(s, state_id=int(ctx.payload["sync_state_id"]))
        return (state.user_id, state.provider) if state is not None else (None, provider)
    return int(ctx.payload.get("user_id") or ctx.user_id or 0) or None, provider


async def renew_channel(ctx: StepContext) -> dict[str, Any]:
    """Open or renew the Google push channel (Graph subscriptions are the email crons' job)."""
    user_id, provider = await _target(ctx)
    if user_id is None or provider != "google":
        return {"channel": "unchanged"}
    return await ensure_channel(ctx.db, ctx.settings, user_id, ctx.now())


async def sync(ctx: StepContext) -> dict[str, Any]:
    """Sync the named calendar on the engine's clock, then re-plan the rep's pre-meeting briefs."""
    user_id, provider = await _target(ctx)
    if user_id is None:
        return {"synced": False, "reason": "unknown sync state"}
    result = await sync_calendar(
        ctx.db, ctx.settings, user_id, provider_name=provider, clock=ctx.now
    )
    # A meeting booked, moved or cancelled re-plans the rep's pre-meeting briefs now.
    from flows.pre_meeting_brief.crons import calendar_changed

    await calendar_changed(user_id)
    return result
