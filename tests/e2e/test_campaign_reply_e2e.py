"""Sixty issue 15 end to end in the sandbox: an Instantly campaign reply arrives as a real HTTP
webhook delivery (shared-secret header) at the running app; a positive reply is drafted into the
rep's DM, the rep clicks Send, the undo message (Cancel send) comes and nothing leaves until its
30 seconds pass on the runtime's clock; then the answer leaves once through the fake Instantly's
`POST /api/v2/emails/reply` from the mailbox that received it and the interest is written back;
a meeting ask then ends in the time picker. Cancel send inside the window: nothing leaves. A
wrong secret is refused (401)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction, EmailAction
from bot.webhooks import instantly as hook
from config import load_settings
from connectors.instantly_connection import save_api_key
from storage.clock import SteppingClock
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.instantly_models import InstantlyWebhookDelivery
from storage.models import EmailSend, SequenceJob, User
from tests.e2e.conftest import ALEX, e2e_runtime, no_quiet_hours
from tests.e2e.test_meeting_ended import buttons
from tests.e2e.test_scheduling_e2e import pickers
from tests.fakes.instantly_server import WORKSPACE_ID, FakeInstantly

SECRET = "instantly-e2e-secret-456"
ALEX_EMAIL = "alex@sixty-demo.example"
LEAD = "sarah.chen@acme.example"  # a demo contact, so the picker knows her time zone


@pytest.fixture
async def fake() -> AsyncIterator[FakeInstantly]:
    instantly = await FakeInstantly().start()
    yield instantly
    await instantly.stop()


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path, fake: FakeInstantly) -> AsyncIterator[Runtime]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'sixty.db'}", port=0,
                             sandbox_port=0, data_dir=tmp_path, log_format="text", workers=2,
                             instantly_api_base=fake.url,
                             instantly_webhook_secret=SECRET)  # fmt: skip
    await no_quiet_hours(settings.database_url)
    db = Database(settings.database_url)
    async with db.transaction() as s:  # Alex connects the demo org's Instantly with a key
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        assert alex.id is not None
        await save_api_key(s, cipher=settings_cipher(settings), org_id=alex.org_id,
                           user_id=alex.id, api_key=fake.api_key,
                           workspace_id=WORKSPACE_ID)  # fmt: skip
    await db.dispose()
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def deliver(app: Runtime, payload: dict[str, Any], secret: str = SECRET) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            app.urls["web"] + hook.PATH, json=payload, headers={hook.SECRET_HEADER: secret}
        ) as r,  # fmt: skip
    ):
        return r.status, await r.json()


def draft_cards(sb: Any, user: str) -> list[dict]:
    return [m for m in sb.dm_messages(user)
            if ApprovalAction.APPROVE in buttons(m) and "Campaign reply" in json.dumps(m)]  # fmt: skip


def undo_messages(sb: Any, user: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if EmailAction.CANCEL_SEND in buttons(m)]


def dm_with(sb: Any, user: str, needle: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if needle in json.dumps(m)]


async def test_positive_reply_sent_once_then_a_meeting_ask_gets_the_picker(
    app: Runtime, fake: FakeInstantly
) -> None:
    sb = app.sandbox
    fake.add_account(ALEX_EMAIL, "Alex")
    campaign = fake.add_campaign("Q1 outbound", accounts=[ALEX_EMAIL])
    fake.add_lead(LEAD, campaign)
    positive = fake.add_email(campaign_id=campaign, lead=LEAD, eaccount=ALEX_EMAIL,
                              text="This sounds interesting - we'd love to learn more about it.")  # fmt: skip
    status, body = await deliver(app, fake.webhook_payload("reply_received", campaign,
                                                           email=positive, step=1))  # fmt: skip
    assert status == 200 and body.get("job_id"), body

    await sb.wait_for(lambda: draft_cards(sb, ALEX), timeout=30)
    card = draft_cards(sb, ALEX)[0]
    assert LEAD in json.dumps(card) and f"Sent from {ALEX_EMAIL}" in json.dumps(card)
    assert fake.replies == [] and fake.interest_updates == []  # nothing leaves before Send
    send = buttons(card)[ApprovalAction.APPROVE]
    await sb.click(ALEX, card, ApprovalAction.APPROVE, value=send["value"])

    await sb.wait_for(lambda: dm_with(sb, ALEX, "Approved by <@" + ALEX), timeout=30)
    await sb.wait_for(lambda: undo_messages(sb, ALEX), timeout=30)
    undo = undo_messages(sb, ALEX)[0]
    assert "Sending in 30 seconds" in json.dumps(undo) and "through Instantly" in json.dumps(undo)
    await app.engine.settled()  # type: ignore[union-attr]
    assert fake.replies == [] and fake.interest_updates == []  # nothing before the window closes
    assert isinstance(app.clock, SteppingClock)
    app.clock.advance(timedelta(seconds=31))
    app.engine.wake_local()  # type: ignore[union-attr]
    await sb.wait_for(lambda: dm_with(sb, ALEX, "*Sent* at"), timeout=30)
    for _ in range(300):  # the fake is not the sandbox (its calls wake no `wait_for`): poll it
        if fake.interest_updates:
            break
        await asyncio.sleep(0.1)
    assert len(fake.calls_to("/api/v2/emails/reply", "POST")) == 1
    [sent] = fake.replies
    assert sent["eaccount"] == ALEX_EMAIL and sent["reply_to_uuid"] == positive["id"]
    assert sent["subject"] == "Re: Quick question" and sent["body"]["text"]
    assert fake.interest_updates == [
        {"lead_email": LEAD, "interest_value": 1, "campaign_id": campaign}
    ]
    assert len(fake.calls_to("/api/v2/leads/update-interest-status", "POST")) == 1
    async with app.db.session() as s:  # type: ignore[union-attr]
        [row] = (await s.exec(select(EmailSend))).all()
    assert (row.provider, row.status, row.to_addrs) == ("instantly", "sent", [LEAD])

    # the lead asks for a meeting in a second reply: the time picker arrives in the DM
    ask = fake.add_email(campaign_id=campaign, lead=LEAD, eaccount=ALEX_EMAIL,
                         text="Could we find 30 minutes next week?")  # fmt: skip
    status, body = await deliver(app, fake.webhook_payload("reply_received", campaign,
                                                           email=ask, step=1))  # fmt: skip
    assert status == 200 and body.get("job_id"), body
    await sb.wait_for(lambda: pickers(sb, ALEX), timeout=30)
    assert "Sarah Chen" in json.dumps(pickers(sb, ALEX)[0])
    async with app.db.session() as s:  # type: ignore[union-attr]
        find = (await s.exec(select(SequenceJob).where(
            SequenceJob.sequence_type == "calendar_find_times"))).one()  # fmt: skip
    assert find.trigger_payload["source"] == "instantly" and find.trigger_payload["email"] == LEAD
    # nothing more was sent, and the send went out once
    assert len(fake.replies) == 1 and len(fake.interest_updates) == 1


async def test_cancel_send_inside_the_window_sends_nothing(
    app: Runtime, fake: FakeInstantly
) -> None:
    sb = app.sandbox
    fake.add_account(ALEX_EMAIL, "Alex")
    campaign = fake.add_campaign("Q1 outbound", accounts=[ALEX_EMAIL])
    fake.add_lead(LEAD, campaign)
    positive = fake.add_email(campaign_id=campaign, lead=LEAD, eaccount=ALEX_EMAIL,
                              text="This sounds interesting - we'd love to learn more about it.")  # fmt: skip
    status, _ = await deliver(app, fake.webhook_payload("reply_received", campaign,
                                                        email=positive, step=1))  # fmt: skip
    assert status == 200
    await sb.wait_for(lambda: draft_cards(sb, ALEX), timeout=30)
    card = draft_cards(sb, ALEX)[0]
    await sb.click(ALEX, card, ApprovalAction.APPROVE,
                   value=buttons(card)[ApprovalAction.APPROVE]["value"])  # fmt: skip
    await sb.wait_for(lambda: undo_messages(sb, ALEX), timeout=30)
    undo = undo_messages(sb, ALEX)[0]
    await sb.click(ALEX, undo, EmailAction.CANCEL_SEND,
                   value=buttons(undo)[EmailAction.CANCEL_SEND]["value"])  # fmt: skip
    await sb.wait_for(lambda: dm_with(sb, ALEX, "not sent"), timeout=10)
    assert isinstance(app.clock, SteppingClock)
    app.clock.advance(timedelta(seconds=31))  # the window closes: the job ends, nothing leaves
    app.engine.wake_local()  # type: ignore[union-attr]
    for _ in range(300):
        async with app.db.session() as s:  # type: ignore[union-attr]
            job = (await s.exec(select(SequenceJob).where(
                SequenceJob.sequence_type == "instantly_reply"))).one()  # fmt: skip
        if job.status == "completed":
            break
        await asyncio.sleep(0.1)
    assert job.status == "completed"
    assert fake.replies == [] and fake.interest_updates == []
    assert fake.calls_to("/api/v2/emails/reply", "POST") == []
    async with app.db.session() as s:  # type: ignore[union-attr]
        [row] = (await s.exec(select(EmailSend))).all()
    assert row.status == "cancelled"


async def test_a_wrong_secret_is_refused(app: Runtime, fake: FakeInstantly) -> None:
    campaign = fake.add_campaign("Q1 outbound", accounts=[ALEX_EMAIL])
    email = fake.add_email(campaign_id=campaign, lead=LEAD, eaccount=ALEX_EMAIL)
    payload = fake.webhook_payload("reply_received", campaign, email=email)
    status, _ = await deliver(app, payload, secret="not-the-secret")
    assert status == 401
    async with app.db.session() as s:  # type: ignore[union-attr]
        assert (await s.exec(select(InstantlyWebhookDelivery))).all() == []
        assert (await s.exec(select(SequenceJob).where(
            SequenceJob.sequence_type == "instantly_reply"))).all() == []  # fmt: skip
