"""Through the sandbox (issue 11 item 2.2): over the hourly cap a recorded call's approval is
held, App Home lists it with its buttons, and what the rep's click produces is never held."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, select

from app import Runtime
from blocks.ids import ApprovalAction
from storage.models import SlackNotificationSent, SlackPendingAction, User, UserPreferences
from tests.e2e.conftest import ALEX
from tests.e2e.test_meeting_ended import SAMPLE, app, buttons, gate_messages, post_webhook

__all__ = ["app"]  # the fixture: a running app with a recorder key and no quiet hours


async def at_cap(runtime: Runtime, cap: int = 1) -> None:
    """Alex's cap is `cap` and `cap` messages went out a minute ago."""
    now = runtime.deps.clock()
    async with runtime.deps.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        assert alex.id is not None
        prefs = (
            await s.exec(select(UserPreferences).where(UserPreferences.user_id == alex.id))
        ).one()
        prefs.max_notifications_per_hour = cap
        s.add(prefs)
        for i in range(cap):
            s.add(SlackNotificationSent(org_id=alex.org_id, user_id=alex.id, kind="morning_brief",
                                        dedupe_key=f"e2e:cap:{i}", status="delivered", sent_at=now))  # fmt: skip


async def held_gate(runtime: Runtime) -> bool:
    async with runtime.deps.db.session() as s:
        rows = (await s.exec(select(SlackPendingAction).where(
            SlackPendingAction.status == "pending", col(SlackPendingAction.message_ts).is_(None)))).all()  # fmt: skip
    return bool(rows)


async def until(check: Callable[[], Awaitable[Any]], within_s: float) -> None:
    """Wait for a condition the database shows (the app's own workers run the job)."""
    for _ in range(int(within_s / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


def held_section(view: dict | None) -> bool:
    return view is not None and "Held back for you" in json.dumps(view)


async def test_held_approval_is_on_home_with_its_buttons_and_the_click_s_answers_go(
    app: Runtime,
) -> None:
    sb = app.sandbox
    await at_cap(app)
    status, body = await post_webhook(app, SAMPLE)
    assert status == 200, body

    await until(lambda: held_gate(app), 20)  # the job deferred its first approval
    await sb.app_home_opened(ALEX)
    view = await sb.wait_for(lambda: sb.home_view(ALEX) if held_section(sb.home_view(ALEX)) else None,
                             timeout=15)  # fmt: skip
    assert not gate_messages(sb, ALEX)  # nothing was posted: it is held, and reachable here
    [send] = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("followup:")]
    assert "Meeting recap" in json.dumps(view)  # the batched recap is listed too, with Open
    await sb.slash_command(ALEX, "/60", "status")  # says what is held and where to act on it
    await sb.wait_for(lambda: any("Held back" in (e.get("text") or "") for e in sb.ephemerals(ALEX)),
                      timeout=15)  # fmt: skip

    await sb.click(ALEX, view, ApprovalAction.APPROVE, block_id=send["block_id"],
                   value=buttons({"blocks": [send]})[ApprovalAction.APPROVE]["value"])  # fmt: skip
    # what the click produces answers it: the confirmation and the next cards, over the cap
    await sb.wait_for(
        lambda: any("Follow-up approved" in json.dumps(m) for m in sb.dm_messages(ALEX)), timeout=20
    )
    await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=20)
