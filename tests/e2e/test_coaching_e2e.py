"""Issue 16 end to end in the sandbox, on the e2e clock: a recorded call (the recorder's webhook)
ends with the micro-feedback DM after the recap, its "View detailed analysis" opens the call's
modal; on Friday at 16:00 in Alex's zone the `coaching_weekly` cron asks Morgan (Alex's manager)
for a note, Morgan adds one in the modal, and Alex's digest arrives with it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app import Runtime
from blocks.coaching import DAY_FIELD, MODE_FIELD, NOTE_FIELD, TIME_FIELD
from blocks.ids import CoachingAction
from storage import coaching
from storage.clock import SteppingClock
from storage.models import Meeting, User
from tests.e2e.conftest import ALEX, MORGAN, started_app
from tests.e2e.test_meeting_ended import KEY, buttons, post_webhook
from tests.flow.post_meeting_world import acme_pilot_call


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template, meetingbaas_api_key=KEY) as runtime:
        yield runtime


def with_action(sb: Any, user: str, prefix: str) -> list[dict[str, Any]]:
    return [m for m in sb.dm_messages(user) if any(a.startswith(prefix) for a in buttons(m))]


async def test_meeting_ended_then_micro_feedback(app: Runtime) -> None:
    sb = app.sandbox
    status, body = await post_webhook(app, acme_pilot_call("coach-bot-1"))
    assert status == 200, body

    def micro() -> dict | None:
        return next((m for m in sb.dm_messages(ALEX) if "Coaching on" in json.dumps(m)), None)

    message = await sb.wait_for(micro, timeout=30)
    text = json.dumps(message)
    assert "how did the team find the two-week trial?" in text and "00:14" in text
    view = next(a for a in buttons(message) if a.startswith(CoachingAction.VIEW_CALL))
    await sb.click(ALEX, message, view, value=buttons(message)[view]["value"])
    modal = await sb.wait_for(
        lambda: next((v for v in sb.open_views(ALEX) if "Call analysis" in json.dumps(v)), None),
        timeout=10,
    )
    shown = json.dumps(modal)
    assert "Your talk ratio" in shown and "Your questions" in shown and "Moments" in shown
    # Adjust coaching preferences: weekly only, Monday 09:00; the digest's cron moves with it
    await sb.click(ALEX, message, CoachingAction.OPEN_PREFS, value="prefs")
    prefs = await sb.wait_for(
        lambda: next((v for v in sb.open_views(ALEX) if MODE_FIELD in json.dumps(v)), None),
        timeout=10,
    )
    await sb.submit_view(ALEX, prefs["id"], {MODE_FIELD: "weekly", DAY_FIELD: "mon",
                                             TIME_FIELD: "09:00"})  # fmt: skip
    async with app.db.session() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        assert alex.id is not None

    async def saved() -> bool:
        async with app.db.session() as s:
            got = await coaching.coaching_settings(s, user_id=alex.id or 0)
        return got.mode == "weekly" and got.digest_day == "mon"

    def next_digest() -> str:
        job = app.deps.proactive_planner.scheduler.get_job(f"coaching_weekly:{alex.id}")
        nxt = job.trigger.get_next_fire_time(None, app.clock()) if job else None
        return nxt.strftime("%a %H:%M") if nxt else ""

    # the save commits first, then the settings listener moves the cron: wait for both
    for _ in range(100):
        if await saved() and next_digest() == "Mon 09:00":
            break
        await asyncio.sleep(0.1)
    assert await saved()
    assert next_digest() == "Mon 09:00"


async def test_weekly_digest_with_the_managers_note(app: Runtime) -> None:
    sb = app.sandbox
    clock = app.clock
    assert isinstance(clock, SteppingClock)
    planner = app.deps.proactive_planner
    await planner.ready.wait()
    async with app.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        assert alex.id is not None and alex.manager_id is not None
        zone = ZoneInfo(alex.timezone or "UTC")
        friday = datetime(2026, 3, 6, 16, 0, tzinfo=zone)  # the default digest day and time
        for day, title in ((0, "Acme discovery"), (2, "Globex intro")):
            at = datetime(2026, 3, 2, 10, 0, tzinfo=zone) + timedelta(days=day)
            meeting = Meeting(org_id=alex.org_id, user_id=alex.id, title=title, started_at=at)
            s.add(meeting)
            await s.flush()
            assert meeting.id is not None
            await coaching.save_analysis(
                s, org_id=alex.org_id, user_id=alex.id, meeting_id=meeting.id, version=1,
                call_type="discovery", started_at=at, duration_s=1800, speaker_confidence=0.9,
                mapping_sure=True, metrics={"talk_ratio_rep": 0.62, "longest_monologue_s": 190},
                questions=[{"kind": "open", "discovery": True}], now=at,
                moments=[{"kind": "change", "utterance": 4, "at": "12:40",
                          "quote": "and the admin side too", "text": "You spoke for 03:10 "
                          "without the prospect coming in from here."}],
            )  # fmt: skip
    job = planner.scheduler.get_job(f"coaching_weekly:{alex.id}")
    assert job is not None
    since = clock()
    clock.advance_to(friday)
    assert f"coaching_weekly:{alex.id}" in await planner.run_due(since)

    gate = await sb.wait_for(
        lambda: next(iter(with_action(sb, MORGAN, CoachingAction.ADD_NOTE)), None), timeout=30
    )
    assert "Alex's weekly coaching digest goes out" in json.dumps(gate)
    assert not any("Weekly coaching" in json.dumps(m) for m in sb.dm_messages(ALEX))
    await sb.click(
        MORGAN, gate, CoachingAction.ADD_NOTE,
        value=buttons(gate)[CoachingAction.ADD_NOTE]["value"],
    )  # fmt: skip
    modal = await sb.wait_for(
        lambda: next((v for v in sb.open_views(MORGAN) if NOTE_FIELD in json.dumps(v)), None),
        timeout=10,
    )
    await sb.submit_view(MORGAN, modal["id"], {NOTE_FIELD: "Good week: try the pause after price."})

    def digest() -> dict | None:
        return next((m for m in sb.dm_messages(ALEX) if "Weekly coaching" in json.dumps(m)), None)

    text = json.dumps(await sb.wait_for(digest, timeout=30))
    assert "A note from Morgan Lee" in text and "Good week: try the pause after price." in text
    assert "2 analysed calls" in text and "Focus this week: long monologues" in text
    assert "Acme discovery, Mon 2 Mar at 12:40" in text
