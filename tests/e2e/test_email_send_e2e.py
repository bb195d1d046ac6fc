"""Issue 5 end to end in the sandbox: the rep approves the post-meeting follow-up, can cancel it
within the undo window, and otherwise it is sent once (fake Gmail on loopback) with its
Message-ID and thread recorded, logged on the deal and audited in `sixty jobs show`. Also: the
demo mailbox a rep gets from Connect when no Google app is configured."""

from __future__ import annotations

import asyncio
import contextlib
import email
import io
import json
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.policy import compat32
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction, EmailAction, HomeAction
from config import load_settings
from connectors.google_oauth import GMAIL_READONLY, GMAIL_SEND
from connectors.mailbox import cipher_for
from storage.connections import save_connection
from storage.engine import Database
from storage.models import Activity, Connection, EmailSend, SequenceJob, User
from tests.e2e.conftest import ALEX, e2e_runtime
from tests.e2e.test_meeting_ended import (
    KEY,
    SAMPLE,
    buttons,
    gate_messages,
    no_quiet_hours,
    post_webhook,
)
from tests.fakes.google_server import FakeGoogle

ALEX_EMAIL = "alex@sixty-demo.example"
JAMIE = "U0SXJAMIE1"
PROSPECT = "sarah.chen@acme.example"


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    fake = await FakeGoogle().start()
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, seeded_template: Path, google: FakeGoogle, undo_s: float
) -> AsyncIterator[Runtime]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'sixty.db'}", port=0, sandbox_port=0,
                             data_dir=tmp_path, meetingbaas_api_key=KEY, log_format="text", workers=2,
                             google_api_base=google.url, email_undo_seconds=undo_s)  # fmt: skip
    await no_quiet_hours(settings.database_url)
    await connect_alex_to(settings, google)
    runtime = e2e_runtime(settings)
    await runtime.start()
    assert runtime.engine is not None
    runtime.engine.poll_s = 0.1  # a deferred job is picked up soon after its window closes
    try:
        yield runtime
    finally:
        await runtime.stop()


async def connect_alex_to(settings: object, google: FakeGoogle) -> None:
    """Alex's Google connection, as after consent, pointing at the fake."""
    db = Database(settings.database_url)  # type: ignore[attr-defined]
    scopes = {GMAIL_READONLY, GMAIL_SEND}
    async with db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        assert alex.id is not None
        await save_connection(s, cipher=cipher_for(settings), org_id=alex.org_id, user_id=alex.id,  # type: ignore[arg-type]
                              provider="google", scopes=sorted(scopes), account_email=ALEX_EMAIL,
                              tokens={"access_token": google.issue_token(ALEX_EMAIL, scopes),
                                      "refresh_token": google.issue_refresh_token(ALEX_EMAIL, scopes)},
                              expires_at=datetime(2099, 1, 1, tzinfo=UTC))  # fmt: skip
    await db.dispose()


def undo_messages(sb, user: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if EmailAction.CANCEL_SEND in buttons(m)]


def dm_with(sb, user: str, needle: str) -> list[dict]:
    return [m for m in sb.dm_messages(user) if needle in json.dumps(m)]


async def approve_follow_up(app: Runtime) -> None:
    sb = app.sandbox
    status, body = await post_webhook(app, SAMPLE)
    assert status == 200, body
    await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=30)
    gate = next(m for m in gate_messages(sb, ALEX) if PROSPECT in json.dumps(m))
    await sb.click(
        ALEX, gate, ApprovalAction.APPROVE, value=buttons(gate)[ApprovalAction.APPROVE]["value"]
    )


async def the_send(app: Runtime) -> EmailSend:
    async with app.db.session() as s:  # type: ignore[union-attr]
        return (await s.exec(select(EmailSend))).one()


async def test_approve_then_cancel_within_the_window(tmp_path: Path, seeded_template: Path,
                                                    google: FakeGoogle) -> None:  # fmt: skip
    async with running(tmp_path, seeded_template, google, undo_s=30) as app:
        sb = app.sandbox
        await approve_follow_up(app)
        await sb.wait_for(lambda: undo_messages(sb, ALEX), timeout=30)
        undo = undo_messages(sb, ALEX)[0]
        assert "Sending in 30 seconds" in json.dumps(undo) and PROSPECT in json.dumps(undo)
        await sb.click(
            ALEX,
            undo,
            EmailAction.CANCEL_SEND,
            value=buttons(undo)[EmailAction.CANCEL_SEND]["value"],
        )
        await sb.wait_for(lambda: dm_with(sb, ALEX, "not sent"), timeout=10)
        row = await the_send(app)
        assert row.status == "cancelled"
        # the window closes (moved into the past here): the job ends and nothing leaves
        for _ in range(100):
            # again each time: a job still running from the click parks itself anew
            async with app.db.engine.begin() as conn:  # type: ignore[union-attr]
                await conn.execute(text("UPDATE sequence_jobs SET run_after = '2000-01-01 00:00:00.000000' "
                                        "WHERE sequence_type = 'email_send' AND status = 'pending'"))  # fmt: skip
            app.engine.wake_local()  # type: ignore[union-attr]
            async with app.db.session() as s:  # type: ignore[union-attr]
                job = (
                    await s.exec(
                        select(SequenceJob).where(SequenceJob.sequence_type == "email_send")
                    )
                ).one()
            if job.status == "completed":
                break
            await asyncio.sleep(0.1)
        assert job.status == "completed"
        assert not google.mailbox(ALEX_EMAIL).sent
        assert "gmail.messages.send" not in google.routes_called()

        # demo mode: without GOOGLE_CLIENT_ID, Connect in App Home gives a clearly labelled demo mailbox
        await sb.app_home_opened(JAMIE)
        await sb.wait_for(lambda: sb.home_view(JAMIE), timeout=10)
        await sb.click(JAMIE, sb.home_view(JAMIE), HomeAction.CONNECT, value="google")
        await sb.wait_for(
            lambda: any("demo mailbox" in json.dumps(e) for e in sb.ephemerals(JAMIE)), timeout=10
        )
        await sb.wait_for(lambda: "demo mailbox" in json.dumps(sb.home_view(JAMIE)), timeout=10)
        async with app.db.session() as s:  # type: ignore[union-attr]
            conn_row = (await s.exec(select(Connection).join(User, User.id == Connection.user_id)  # type: ignore[arg-type]
                                     .where(User.slack_user_id == JAMIE))).one()  # fmt: skip
        assert conn_row.meta.get("demo") is True


async def test_approve_and_it_is_sent_once_when_the_window_closes(tmp_path: Path, seeded_template: Path,
                                                                  google: FakeGoogle,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    async with running(tmp_path, seeded_template, google, undo_s=1.0) as app:
        sb = app.sandbox
        await approve_follow_up(app)
        await sb.wait_for(lambda: undo_messages(sb, ALEX), timeout=30)
        assert not google.mailbox(ALEX_EMAIL).sent  # not before the window closes
        await sb.wait_for(lambda: dm_with(sb, ALEX, ":white_check_mark: *Sent*"), timeout=30)
        [sent] = google.mailbox(ALEX_EMAIL).sent
        msg = email.message_from_bytes(sent.raw, policy=compat32)
        row = await the_send(app)
        assert row.status == "sent" and msg["Message-ID"] == row.message_id_header
        assert row.provider_message_id == sent.id and row.provider_thread_id == sent.thread_id
        assert PROSPECT in msg["To"] and ALEX_EMAIL in msg["From"] and msg["In-Reply-To"] is None
        assert msg["Subject"] == row.subject
        async with app.db.session() as s:  # type: ignore[union-attr]
            logged = (await s.exec(select(Activity).where(Activity.kind == "email_sent",
                                                          Activity.source == "sixty"))).one()  # fmt: skip
            job = (
                await s.exec(select(SequenceJob).where(SequenceJob.sequence_type == "email_send"))
            ).one()
        assert logged.deal_id == row.deal_id is not None and logged.provenance["send_id"] == row.id
        # a resolved undo message has no Cancel button left
        assert not undo_messages(sb, ALEX)

        # the audit trail in `sixty jobs show`
        from cli.main import main

        monkeypatch.setenv("DATABASE_URL", app.settings.database_url)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert await asyncio.to_thread(main, ["jobs", "show", str(job.id)]) == 0
        shown = json.loads(out.getvalue())
        states = [e["state"] for e in shown["email_sends"][0]["events"]]
        assert states == ["drafted", "approved", "scheduled", "sending", "sent"]
        assert PROSPECT not in out.getvalue()  # no addresses in the audit output
