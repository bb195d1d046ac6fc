"""Issue 6 end to end in the sandbox: `/60 find times for Sarah Chen` DMs a time picker whose
options respect the rep's calendar and both time zones; choosing one and approving creates the
event on the (demo) calendar with Sarah as attendee at the chosen time, and closes the
schedule_meeting commitment."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction, ScheduleAction
from storage import crm
from storage.models import CalendarEvent, Commitment, Contact, SequenceJob, User
from tests.e2e.conftest import ALEX, started_app
from tests.e2e.test_meeting_ended import buttons


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template) as runtime:
        yield runtime


def pickers(sb, user: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if ScheduleAction.SEND_INVITE in buttons(m)]


def radio_options(message: dict) -> list[dict]:
    for block in message.get("blocks") or []:
        for el in block.get("elements", []) if block.get("type") == "actions" else []:
            if el["action_id"] == ScheduleAction.CHOOSE:
                return list(el["options"])
    return []


async def test_find_times_pick_and_approve_books_the_meeting(app: Runtime) -> None:
    sb = app.sandbox
    async with app.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        sarah = (await s.exec(select(Contact).where(Contact.name == "Sarah Chen"))).one()
        await crm.add_commitment(s, org_id=alex.org_id, user_id=alex.id or 0, owner="rep",
                                 kind="schedule_meeting", description="Book the pilot review",
                                 contact_id=sarah.id, due_at=None)  # fmt: skip
        events = (await s.exec(select(CalendarEvent))).all()
    busy = [(e.start_at, e.end_at) for e in events if e.user_id == alex.id]
    assert busy, "the demo seed gives Alex meetings today and tomorrow"
    # Sarah's calendar as the demo knows it: the meetings she attends with any of our reps
    hers = [(e.start_at, e.end_at) for e in events
            if any(a.get("email") == sarah.email for a in e.attendees)]  # fmt: skip

    await sb.slash_command(ALEX, "/60", "find times for sarah chen 45m")
    await sb.wait_for(lambda: any("Looking for 45-minute times" in e.get("text", "")
                                  for e in sb.ephemerals(ALEX)))  # fmt: skip
    await sb.wait_for(lambda: pickers(sb, ALEX), timeout=20)
    picker = pickers(sb, ALEX)[0]
    options = radio_options(picker)
    assert 3 <= len(options) <= 10
    assert all(len(o["text"]["text"]) <= 75 for o in options)

    async with app.db.session() as s:
        job = (await s.exec(select(SequenceJob).where(
            SequenceJob.sequence_type == "calendar_find_times"))).one()  # fmt: skip
    found = job.context["outputs"]["find_times"]
    assert found["prospect_tz"] == "America/Chicago" and found["duration_minutes"] == 45
    assert found["prospect_visible"] is bool(hers)
    ny, chicago = ZoneInfo("America/New_York"), ZoneInfo("America/Chicago")
    for shown, o in zip(options, found["options"], strict=True):
        start, end = datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"])
        assert end - start == timedelta(minutes=45)
        local = start.astimezone(ny)
        assert 9 <= local.hour and end.astimezone(ny).time() <= datetime.min.time().replace(hour=17)
        assert local.weekday() < 5
        for b_start, b_end in busy + hers:  # never over either calendar, nor in the buffer
            assert end + timedelta(minutes=15) <= b_start or start >= b_end + timedelta(minutes=15)
        their = start.astimezone(chicago).strftime("%H:%M")
        assert local.strftime("%H:%M") in shown["text"]["text"] and their in shown["text"]["text"]
        assert ("CST" in shown["text"]["text"]) or ("CDT" in shown["text"]["text"])

    # no choice yet: told to pick one first, nothing submitted
    await sb.click(ALEX, picker, ScheduleAction.SEND_INVITE, value=str(job.id))
    await sb.wait_for(lambda: any("Pick one" in e.get("text", "") for e in sb.ephemerals(ALEX)))

    chosen = 1
    await sb.click(ALEX, picker, ScheduleAction.SEND_INVITE, value=str(job.id),
                   state={ScheduleAction.CHOOSE.value: str(chosen)})  # fmt: skip

    def gate() -> dict | None:
        return next((m for m in sb.dm_messages(ALEX) if ApprovalAction.APPROVE in buttons(m)
                     and "calendar invite" in json.dumps(m).lower()), None)  # fmt: skip

    message = await sb.wait_for(gate, timeout=20)
    assert "Sarah Chen" in json.dumps(message)
    approve = buttons(message)[ApprovalAction.APPROVE]["value"]
    await sb.click(ALEX, message, ApprovalAction.APPROVE, value=approve)

    def booked() -> bool:
        current = next(m for m in sb.dm_messages(ALEX) if m["ts"] == picker["ts"])
        return "Invite sent" in json.dumps(current)

    await sb.wait_for(booked, timeout=20)
    want = found["options"][chosen]
    async with app.db.session() as s:
        rows = (
            await s.exec(
                select(CalendarEvent).where(
                    CalendarEvent.user_id == alex.id, CalendarEvent.title.contains("<>")
                )
            )
        ).all()
        commitment = (await s.exec(select(Commitment).where(
            Commitment.kind == "schedule_meeting"))).one()  # fmt: skip
    assert len(rows) == 1
    event = rows[0]
    assert event.start_at == datetime.fromisoformat(want["start"])
    assert event.end_at == datetime.fromisoformat(want["end"])
    assert [a["email"] for a in event.attendees] == ["sarah.chen@acme.example"]
    assert commitment.status == "done" and commitment.closed_by == "meeting_booked"


async def test_unknown_and_ambiguous_contacts_are_answered_plainly(app: Runtime) -> None:
    sb = app.sandbox
    await sb.slash_command(ALEX, "/60", "find times for Zebedee Quux")
    await sb.wait_for(lambda: any("I don't know" in e.get("text", "") for e in sb.ephemerals(ALEX)))
    async with app.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        s.add(Contact(org_id=alex.org_id, name="Sarah Connor", email="sarah@cyberdyne.example"))
    await sb.slash_command(ALEX, "/60", "find times for Sarah")
    await sb.wait_for(lambda: len(sb.ephemerals(ALEX)) >= 2)
    answer = sb.ephemerals(ALEX)[-1]["text"]
    assert "Which one" in answer and "Sarah Chen" in answer and "Sarah Connor" in answer
    async with app.db.session() as s:
        jobs = (await s.exec(select(SequenceJob).where(
            SequenceJob.sequence_type == "calendar_find_times"))).all()  # fmt: skip
    assert not jobs


async def test_show_more_then_ill_handle_this(app: Runtime) -> None:
    sb = app.sandbox
    await sb.slash_command(ALEX, "/60", "find times for sarah.chen@acme.example")
    await sb.wait_for(lambda: pickers(sb, ALEX), timeout=20)
    picker = pickers(sb, ALEX)[0]
    first = [o["text"]["text"] for o in radio_options(picker)]
    more = buttons(picker)[ScheduleAction.MORE]
    await sb.click(ALEX, picker, ScheduleAction.MORE, value=more["value"])

    def updated() -> dict | None:
        current = next(m for m in sb.dm_messages(ALEX) if m["ts"] == picker["ts"])
        texts = [o["text"]["text"] for o in radio_options(current)]
        return current if texts and texts != first else None

    current = await sb.wait_for(updated, timeout=20)
    assert not set(o["text"]["text"] for o in radio_options(current)) & set(first)
    assert len(pickers(sb, ALEX)) == 1  # the same message, updated in place
    handle = buttons(current)[ScheduleAction.HANDLE]
    await sb.click(ALEX, current, ScheduleAction.HANDLE, value=handle["value"])
    await sb.wait_for(lambda: "leave this one with you" in json.dumps(
        next(m for m in sb.dm_messages(ALEX) if m["ts"] == picker["ts"])), timeout=20)  # fmt: skip


async def test_send_times_by_email_asks_for_approval(app: Runtime) -> None:
    sb = app.sandbox
    await sb.slash_command(ALEX, "/60", "find times for sarah.chen@acme.example")
    await sb.wait_for(lambda: pickers(sb, ALEX), timeout=20)
    picker = pickers(sb, ALEX)[0]
    email = buttons(picker)[ScheduleAction.SEND_EMAIL]
    await sb.click(ALEX, picker, ScheduleAction.SEND_EMAIL, value=email["value"])

    def approval() -> dict | None:
        return next((m for m in sb.dm_messages(ALEX)
                     if ApprovalAction.APPROVE in buttons(m) and "sarah.chen@acme.example"
                     in json.dumps(m)), None)  # fmt: skip

    shown = await sb.wait_for(approval, timeout=20)
    draft = next(b["text"]["text"] for b in shown["blocks"]
                 if b.get("type") == "section" and "Hi Sarah" in b.get("text", {}).get("text", ""))  # fmt: skip
    first = radio_options(picker)[0]["text"]["text"]  # e.g. "Mon 16:30 EST / 15:30 CST"
    day, prospect_time = first.split(" ")[0], first.split(" / ")[1]
    bullets = [line for line in draft.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(radio_options(picker))  # every offered time, in her zone
    assert bullets[0].startswith(f"- {day} ") and bullets[0].endswith(prospect_time)
