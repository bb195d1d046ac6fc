"""Issue 5 end to end: a signed Gmail Pub/Sub push to the running app (sandbox Slack, fake
Google) leads to a reply draft for approval in the rep's DM; a meeting request starts
scheduling (a `calendar_find_times` job in `sixty jobs list`); the sandbox panel sample works."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage as Mime
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import col, select

from app import Runtime
from blocks.ids import ApprovalAction
from bot.webhooks import gmail_push
from config import load_settings
from connectors.google_oauth import GMAIL_READONLY, GMAIL_SEND
from storage import connections
from storage.crypto import TokenCipher
from storage.models import Contact, Deal, EmailSend, MailboxState, SequenceJob, User
from tests.e2e.conftest import ALEX, e2e_runtime, no_quiet_hours
from tests.e2e.test_meeting_ended import buttons, gate_messages
from tests.fakes.google_server import FakeGoogle

PUBLIC = "https://sixty.example"


@dataclass
class Env:
    app: Runtime
    google: FakeGoogle
    rep_email: str
    prospect: tuple[str, str]  # name, address of a contact on one of Alex's deals

    @property
    def push_url(self) -> str:
        return self.app.urls["web"] + gmail_push.PATH


async def connect_alex(app: Runtime, google: FakeGoogle, key: bytes) -> tuple[str, tuple[str, str]]:
    assert app.db is not None
    async with app.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        creds = google.credentials(alex.email, {GMAIL_READONLY, GMAIL_SEND})
        _deal, contact = (
            await s.exec(
                select(Deal, Contact)
                .join(Contact, col(Contact.id) == col(Deal.primary_contact_id))
                .where(Deal.owner_id == alex.id, col(Contact.email).is_not(None))
            )
        ).first()  # type: ignore[misc]
        conn = await connections.save_connection(
            s, cipher=TokenCipher(key), org_id=alex.org_id, user_id=alex.id or 0, provider="google",
            tokens={"access_token": creds.token, "refresh_token": creds.refresh_token},
            scopes=[GMAIL_READONLY, GMAIL_SEND], expires_at=None, account_email=alex.email,
        )  # fmt: skip
        box = google.mailbox(alex.email)
        s.add(MailboxState(connection_id=conn.id, history_id=str(box.oldest_history_id)))
        return alex.email, (contact.name, contact.email or "")


@pytest.fixture
async def env(
    tmp_path: Path, seeded_template: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Env]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    google = await FakeGoogle().start()
    key = Fernet.generate_key()
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sixty.db'}", port=0, sandbox_port=0, data_dir=tmp_path,
        log_format="text", workers=2, public_base_url=PUBLIC, google_api_base=google.url,
        google_client_id=FakeGoogle.CLIENT_ID, google_client_secret=FakeGoogle.CLIENT_SECRET,
        encryption_key=key.decode(), email_undo_seconds=0,
    )  # fmt: skip
    await no_quiet_hours(settings.database_url)
    app = e2e_runtime(settings)
    await app.start()
    try:
        rep, prospect = await connect_alex(app, google, key)
        yield Env(app, google, rep, prospect)
    finally:
        await app.stop()
        await google.stop()


def inbound(e: Env, body: str, subject: str) -> bytes:
    m = Mime()
    m["From"] = f"{e.prospect[0]} <{e.prospect[1]}>"
    m["To"] = e.rep_email
    m["Subject"] = subject
    assert e.app.clock is not None  # every e2e runtime runs on the injected clock
    m["Date"] = format_datetime(e.app.clock())
    m["Message-ID"] = make_msgid(domain="prospect.test")
    m.set_content(body)
    return bytes(m)


async def push(e: Env, history_id: int) -> int:
    resp = await e.google.push_gmail(
        e.push_url, e.rep_email, history_id, audience=PUBLIC + gmail_push.PATH
    )
    return resp.status


async def test_push_to_reply_draft_in_the_reps_dm(env: Env) -> None:
    sb = env.app.sandbox
    env.google.deliver(env.rep_email, inbound(env, "Could you tell me how your Salesforce integration handles custom objects?",
                                              "Integration question"))  # fmt: skip
    assert await push(env, 1_000_000) == 204
    [gate] = await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=15)
    text = json.dumps(gate["blocks"])
    assert env.prospect[1] in text and "Re: Integration question" in text
    assert f"New reply from {env.prospect[0]}" in text
    # a duplicate push of the same notification makes no second draft
    assert await push(env, 1_000_000) == 204
    await env.app.engine.settled()
    assert len(gate_messages(sb, ALEX)) == 1
    assert env.app.db is not None
    async with env.app.db.session() as s:
        assert (await s.exec(select(EmailSend))).all() == []
    # Send: the reply leaves once, to the sender only, in the same Gmail thread
    box = env.google.mailbox(env.rep_email)
    [inbound_msg] = [m for m in box.messages.values() if "INBOX" in m.label_ids]
    value = buttons(gate)[ApprovalAction.APPROVE]["value"]
    await sb.click(ALEX, gate, ApprovalAction.APPROVE, value=value)
    [sent] = await sb.wait_for(lambda: box.sent, timeout=20)
    assert sent.header("To") is not None and env.prospect[1] in str(sent.header("To"))
    assert sent.header("In-Reply-To") == inbound_msg.message_id_header
    assert sent.thread_id == inbound_msg.thread_id
    await env.app.engine.settled()
    assert len(box.sent) == 1


async def test_meeting_request_starts_scheduling(
    env: Env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    env.google.deliver(env.rep_email, inbound(env, "Can we find 30 minutes next Tuesday afternoon to talk?",
                                              "Meeting"))  # fmt: skip
    assert await push(env, 1_000_001) == 204
    assert env.app.db is not None

    async def find_job() -> SequenceJob | None:
        async with env.app.db.session() as s:  # type: ignore[union-attr]
            return (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.event_type == "calendar_find_times")
                )
            ).first()

    for _ in range(100):
        if await find_job() is not None:
            break
        await asyncio.sleep(0.05)
    job = await find_job()
    assert job is not None and job.trigger_payload["duration_minutes"] == 30
    monkeypatch.setenv("DATABASE_URL", env.app.settings.database_url)
    assert await asyncio.to_thread(main, ["jobs", "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(r["id"] == job.id and r["sequence_type"] == "calendar_find_times" for r in listed)


async def test_sandbox_panel_sample(env: Env) -> None:
    from bot.sandbox_panel import email_received_handler

    sb = env.app.sandbox
    assert env.app.deps is not None
    before = len(gate_messages(sb, ALEX))
    said = await email_received_handler(env.app.deps)(ALEX)
    assert "replied" in said
    await sb.wait_for(lambda: len(gate_messages(sb, ALEX)) > before, timeout=15)
