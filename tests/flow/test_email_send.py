"""Sending as the rep behind the safety rails, through the orchestrator and the fake Gmail:
approval always required, the undo window and Cancel send, the daily limit (rep's day),
recipients limited to the thread / deal contacts unless confirmed, do-not-email honoured,
threading headers and threadId, the audit trail, CRM activity and commitments, and the copy
fallback with one ask for send permission."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from bot.deps import Deps
from bot.email_actions import cancel_send
from config.settings import Settings
from connectors.google_oauth import GMAIL_READONLY, GMAIL_SEND
from connectors.mailbox import cipher_for
from flows.email_send import hand_off
from flows.email_send.sequence import email_send
from orchestrator.context import StepContext
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import ApprovalKind, SequenceDef, SequenceRegistry, sequence
from orchestrator.workflow import Workflow
from storage import email_sends as sends
from storage.connections import save_connection
from storage.engine import Database
from storage.models import (
    Activity,
    Commitment,
    Connection,
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailThread,
    SequenceJob,
    SlackPendingAction,
    User,
    UserPreferences,
)
from tests.fakes.google_server import FakeGoogle
from tests.support.sequences import RecordingDelivery, seed_org

REP = "rep1@example.com"
BUYER = "dana@prospect.test"
OTHER = "stranger@elsewhere.test"
TOKEN_EXPIRES = datetime(2099, 1, 1, tzinfo=UTC)  # a fixed expiry no test outlives (google-auth
# checks a token's expiry on the wall clock, so an expiry past in real time would make it refresh)


@dataclass
class World:
    db: Database
    settings: Settings
    fake: FakeGoogle
    delivery: RecordingDelivery
    engine: Engine
    org_id: int
    user_id: int
    deal_id: int


async def draft_step(ctx: StepContext) -> dict[str, Any]:
    return {"title": "Follow-up", "draft": ctx.payload["draft"]}


async def deliver_step(ctx: StepContext) -> dict[str, Any]:
    assert ctx.approval is not None
    return await hand_off(ctx, ctx.approval.payload["draft"], deal_id=ctx.payload.get("deal_id"),
                          email_thread_id=ctx.payload.get("email_thread_id"))  # fmt: skip


async def ungated_step(ctx: StepContext) -> dict[str, Any]:
    return await hand_off(ctx, ctx.payload["draft"], deal_id=ctx.payload.get("deal_id"))


@sequence("follow_up_test", version=1)
async def follow_up_test(wf: Workflow) -> None:
    """A parent like meeting_ended: a drafted email behind an email_send approval gate."""
    drafted = await wf.step(draft_step, name="draft")
    decision = await wf.approval(ApprovalKind.EMAIL_SEND, drafted, name="deliver")
    if decision.approved:
        await wf.step(deliver_step, name="deliver", approval=decision)


@sequence("no_gate_test", version=1)
async def no_gate_test(wf: Workflow) -> None:
    await wf.step(ungated_step, name="send")


def follow_up_registry(send: SequenceDef = email_send) -> SequenceRegistry:
    """The test parents and the `email_send` sequence (`send`: the product's by default)."""
    return SequenceRegistry([follow_up_test, no_gate_test, send])


async def make_world(db: Database, tmp_path: Path, fake: FakeGoogle, *, undo_s: float = 0.0,
                     scopes: set[str] | None = None, connect: bool = True,
                     registry: SequenceRegistry | None = None) -> World:  # fmt: skip
    settings = Settings(database_url=db.url, data_dir=tmp_path, google_api_base=fake.url,
                        google_client_id=FakeGoogle.CLIENT_ID, google_client_secret=FakeGoogle.CLIENT_SECRET,
                        email_undo_seconds=undo_s)  # fmt: skip
    org_id, users = await seed_org(db, users=1)
    user_id = users[0]
    async with db.transaction() as s:
        contact = Contact(org_id=org_id, name="Dana Smith", email=BUYER)
        s.add(contact)
        await s.flush()
        deal = Deal(
            org_id=org_id,
            name="Prospect Co — Pilot",
            owner_id=user_id,
            primary_contact_id=contact.id,
        )
        s.add(deal)
        await s.flush()
        assert deal.id is not None and contact.id is not None
        s.add(DealContact(deal_id=deal.id, contact_id=contact.id))
        s.add(Commitment(org_id=org_id, user_id=user_id, deal_id=deal.id, owner="rep", kind="send_content",
                         description="Send the case study"))  # fmt: skip
        if connect:
            granted = scopes if scopes is not None else {GMAIL_READONLY, GMAIL_SEND}
            await save_connection(s, cipher=cipher_for(settings), org_id=org_id, user_id=user_id,
                                  provider="google", scopes=sorted(granted), account_email=REP,
                                  tokens={"access_token": fake.issue_token(REP, granted),
                                          "refresh_token": fake.issue_refresh_token(REP, granted),
                                          "expires_at": TOKEN_EXPIRES.isoformat()},
                                  expires_at=TOKEN_EXPIRES)  # fmt: skip
    delivery = RecordingDelivery()
    engine = Engine(db, settings, delivery, registry or follow_up_registry(), heartbeat_s=None)
    return World(db, settings, fake, delivery, engine, org_id, user_id, deal.id)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGoogle]:
    g = await FakeGoogle().start()
    yield g
    await g.stop()


def draft(
    to: list[str], subject: str = "Great talking today", cc: list[str] | None = None
) -> dict[str, Any]:
    return {
        "to": to,
        "cc": cc or [],
        "subject": subject,
        "body": "Hi Dana,\n\nAs promised, the case study.\n\nRep",
    }


async def approve_follow_up(w: World, d: dict[str, Any], key: str = "1", **payload: Any) -> int:
    ref = await w.engine.submit(Event("follow_up_test", "test", w.org_id, w.user_id,
                                      {"draft": d, "deal_id": w.deal_id, **payload}, idempotency_key=f"fu:{key}"))  # fmt: skip
    assert isinstance(ref, JobRef)
    await w.engine.drain()
    pa = await pending(w, ref.job_id)
    assert (await w.engine.resume(pa.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    return ref.job_id


async def job_errors(w: World) -> list[tuple[str, str, str | None, Any]]:
    async with w.db.session() as s:
        jobs = (await s.exec(select(SequenceJob))).all()
    return [
        (
            j.sequence_type,
            j.status,
            j.error,
            [x for x in (j.context or {}).get("log", []) if x.get("error")],
        )
        for j in jobs
    ]


async def pending(w: World, job_id: int) -> SlackPendingAction:
    async with w.db.session() as s:
        return (await s.exec(select(SlackPendingAction).where(SlackPendingAction.job_id == job_id,
                                                              SlackPendingAction.status == "pending"))).one()  # fmt: skip


async def all_sends(w: World) -> list[EmailSend]:
    async with w.db.session() as s:
        return list((await s.exec(select(EmailSend).order_by(EmailSend.id))).all())  # type: ignore[arg-type]


async def states(w: World, send_id: int) -> list[str]:
    async with w.db.session() as s:
        return [e.state for e in await sends.events_for(s, send_id)]


def posted(w: World, needle: str) -> list[dict[str, Any]]:
    return [
        c
        for m, c in w.delivery.calls
        if m in ("chat.postMessage", "chat.update") and needle in str(c)
    ]


async def test_approved_follow_up_is_sent_once_threaded_audited_and_logged(
        db: Database, tmp_path: Path, fake: FakeGoogle) -> None:  # fmt: skip
    w = await make_world(db, tmp_path, fake)
    parent = (
        b"From: Dana Smith <dana@prospect.test>\r\nTo: rep1@example.com\r\nSubject: Pilot scope\r\n"
        b"Message-ID: <p1@prospect.test>\r\nReferences: <root@prospect.test>\r\n\r\nThoughts?\r\n"
    )
    gmail_id = fake.deliver(REP, parent)
    gthread = fake.mailbox(REP).messages[gmail_id].thread_id
    fake.mailbox(REP).send_as = [{"sendAsEmail": REP, "displayName": "Rep 1", "isDefault": True,
                                  "signature": "<div>Rep 1<br>Acme</div>"}]  # fmt: skip
    async with db.transaction() as s:
        thread = EmailThread(org_id=w.org_id, user_id=w.user_id, provider="google", external_thread_id=gthread,
                             subject="Pilot scope", deal_id=w.deal_id, participants=[BUYER, REP])  # fmt: skip
        s.add(thread)
        await s.flush()
        s.add(EmailMessage(org_id=w.org_id, thread_id=thread.id, provider_message_id=gmail_id,  # type: ignore[arg-type]
                           message_id_header="<p1@prospect.test>", references="<root@prospect.test>",
                           direction="inbound", from_addr=BUYER, to_addrs=[REP], subject="Pilot scope"))  # fmt: skip
        thread_id = thread.id
    job_id = await approve_follow_up(w, draft([BUYER], "Pilot scope"), email_thread_id=thread_id)

    sent = fake.mailbox(REP).sent
    assert len(sent) == 1, await job_errors(w)
    msg = email.message_from_bytes(sent[0].raw, policy=compat32)
    assert msg["Subject"] == "Re: Pilot scope"
    assert msg["In-Reply-To"] == "<p1@prospect.test>"
    assert msg["References"].split() == ["<root@prospect.test>", "<p1@prospect.test>"]
    assert sent[0].thread_id == gthread
    assert "Dana Smith" in msg["To"] and BUYER in msg["To"]
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in msg.walk()
        if not p.is_multipart()
    }
    assert (
        "case study" in parts["text/plain"] and "Acme" in parts["text/plain"]
    )  # Gmail send-as signature
    assert 'class="gmail_signature"' in parts["text/html"]

    [row] = await all_sends(w)
    assert (
        row.status == "sent" and row.job_id == job_id and row.message_id_header == msg["Message-ID"]
    )
    assert row.provider_message_id == sent[0].id and row.provider_thread_id == gthread
    assert await states(w, row.id) == ["drafted", "approved", "scheduled", "sending", "sent"]  # type: ignore[arg-type]
    async with db.session() as s:
        ev = await sends.events_for(s, row.id)  # type: ignore[arg-type]
        activity = (await s.exec(select(Activity).where(Activity.kind == "email_sent"))).one()
        commitment = (await s.exec(select(Commitment))).one()
        children = (
            await s.exec(select(SequenceJob).where(SequenceJob.parent_job_id == job_id))
        ).all()
    assert ev[1].actor == "U1" and ev[-1].detail["provider_message_id"] == sent[0].id
    assert activity.deal_id == w.deal_id and activity.provenance["send_id"] == row.id
    assert commitment.status == "done" and commitment.closed_by == "email_sent"
    async with db.session() as s:
        mine = (
            await s.exec(select(EmailMessage).where(EmailMessage.direction == "outbound"))
        ).one()
    assert mine.thread_id == thread_id and mine.message_id_header == row.message_id_header
    assert [c.status for c in children] == ["completed"]
    assert posted(w, "Cancel send") and posted(w, "Sent")


async def test_cancel_within_the_window_sends_nothing(
    db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    w = await make_world(db, tmp_path, fake, undo_s=30)
    await approve_follow_up(w, draft([BUYER]))
    [row] = await all_sends(w)
    assert row.status == "scheduled" and row.send_after is not None
    async with db.session() as s:
        child = (
            await s.exec(select(SequenceJob).where(SequenceJob.sequence_type == "email_send"))
        ).one()
    assert child.status == "pending"  # deferred until the window closes: nothing due now
    assert await w.engine.drain() == 0 and not fake.mailbox(REP).sent
    undo = posted(w, "Cancel send")[0]
    assert "Sending in 30 seconds" in str(undo["blocks"])

    deps = Deps(settings=w.settings, db=db)
    async with db.session() as s:
        rep = await s.get(User, w.user_id)
        assert rep is not None
        intruder = User(
            id=999, org_id=w.org_id, slack_user_id="U9", email="x@example.com", name="X"
        )
    assert not (await cancel_send(deps, intruder, row.id))[0]  # type: ignore[arg-type]
    ok, _ = await cancel_send(deps, rep, row.id)  # type: ignore[arg-type]
    assert ok
    again, why = await cancel_send(deps, rep, row.id)  # type: ignore[arg-type]
    assert not again and "already cancelled" in why

    await make_due(db, child.id)  # type: ignore[arg-type]
    await w.engine.drain()
    assert not fake.mailbox(REP).sent
    assert await states(w, row.id) == ["drafted", "approved", "scheduled", "cancelled"]  # type: ignore[arg-type]
    async with db.session() as s:
        done = await s.get(SequenceJob, child.id)
        ev = await sends.events_for(s, row.id)  # type: ignore[arg-type]
    assert done is not None and done.status == "completed" and ev[-1].actor == "U1"


async def make_due(db: Database, job_id: int) -> None:
    """Let the undo window pass without waiting 30 s: move the job's run_after into the past."""
    past = "2000-01-01 00:00:00.000000"
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE sequence_jobs SET run_after = :p WHERE id = :id"),
                           {"p": datetime(2000, 1, 1, tzinfo=UTC) if db.url.startswith("postg") else past,
                            "id": job_id})  # fmt: skip


async def test_too_late_to_cancel_once_sent(db: Database, tmp_path: Path, fake: FakeGoogle) -> None:
    w = await make_world(db, tmp_path, fake)
    await approve_follow_up(w, draft([BUYER]))
    [row] = await all_sends(w)
    async with db.session() as s:
        rep = await s.get(User, w.user_id)
    ok, why = await cancel_send(Deps(settings=w.settings, db=db), rep, row.id)  # type: ignore[arg-type]
    assert not ok and "already sent" in why and len(fake.mailbox(REP).sent) == 1


async def test_daily_limit_in_the_reps_day(db: Database, tmp_path: Path, fake: FakeGoogle) -> None:
    w = await make_world(db, tmp_path, fake)
    async with db.transaction() as s:
        prefs = await s.get(UserPreferences, w.user_id)
        assert prefs is not None
        prefs.daily_send_limit = 1
        s.add(prefs)
    await approve_follow_up(w, draft([BUYER], "first"), key="a")
    await approve_follow_up(w, draft([BUYER], "second"), key="b")
    assert len(fake.mailbox(REP).sent) == 1
    first, second = await all_sends(w)
    assert (
        first.status == "sent"
        and second.status == "failed"
        and "daily send limit" in (second.error or "")
    )
    assert (await states(w, second.id))[-1] == "failed"  # type: ignore[arg-type]
    assert posted(w, "Daily send limit reached")

    # the day is the rep's: 22:00 in New York yesterday is not today at 10:00 New York time
    async with db.session() as s:
        now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
        first_row = await s.get(EmailSend, first.id)
        assert first_row is not None
        first_row.sent_at = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 23:00 on the 9th in New York
        s.add(first_row)
        await s.commit()
        assert await sends.sends_today(s, user_id=w.user_id, tz="America/New_York", now=now) == 0
        assert await sends.sends_today(s, user_id=w.user_id, tz="UTC", now=now) == 1


async def test_new_recipient_needs_confirmation_and_do_not_email_is_never_sent_to(
        db: Database, tmp_path: Path, fake: FakeGoogle) -> None:  # fmt: skip
    w = await make_world(db, tmp_path, fake)
    async with db.transaction() as s:
        s.add(
            Contact(
                org_id=w.org_id, name="Opted Out", email="optout@prospect.test", do_not_email=True
            )
        )
    # Skip on the confirmation: only the known recipient gets it; do-not-email dropped silently
    await approve_follow_up(w, draft([BUYER, OTHER], cc=["optout@prospect.test"]), key="skip")
    async with db.session() as s:
        job = (
            await s.exec(select(SequenceJob).where(SequenceJob.sequence_type == "email_send"))
        ).one()
    pa = await pending(w, job.id)  # type: ignore[arg-type]
    assert pa.kind == "email_recipients" and OTHER in str(pa.payload)
    assert not fake.mailbox(REP).sent
    assert (await w.engine.resume(pa.id, Decision.SKIP, "U1")).ok
    await w.engine.drain()
    [one] = fake.mailbox(REP).sent
    msg = email.message_from_bytes(one.raw, policy=compat32)
    assert BUYER in msg["To"] and OTHER not in str(msg) and "optout" not in str(msg)

    # Approve on the confirmation: the new address is included, the audit says who confirmed
    await approve_follow_up(w, draft([BUYER, OTHER], cc=["optout@prospect.test"]), key="ok")
    async with db.session() as s:
        job2 = (
            await s.exec(
                select(SequenceJob)
                .where(SequenceJob.sequence_type == "email_send")
                .order_by(SequenceJob.id.desc())
            )
        ).first()
    pa2 = await pending(w, job2.id)  # type: ignore[union-attr,arg-type]
    assert (await w.engine.resume(pa2.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    assert len(fake.mailbox(REP).sent) == 2
    msg2 = email.message_from_bytes(fake.mailbox(REP).sent[-1].raw, policy=compat32)
    assert OTHER in msg2["To"] and "optout" not in str(msg2)
    last = (await all_sends(w))[-1]
    assert "recipients_confirmed" in await states(w, last.id)  # type: ignore[arg-type]

    # every recipient opted out: nothing is sent, the rep is told
    await approve_follow_up(w, draft(["optout@prospect.test"]), key="dne")
    assert len(fake.mailbox(REP).sent) == 2
    assert (await all_sends(w))[-1].status == "failed"


async def test_without_send_permission_copy_fallback_and_one_ask(
        db: Database, tmp_path: Path, fake: FakeGoogle) -> None:  # fmt: skip
    w = await make_world(db, tmp_path, fake, scopes={GMAIL_READONLY})
    await approve_follow_up(w, draft([BUYER]), key="a")
    await approve_follow_up(w, draft([BUYER]), key="b")
    assert not fake.mailbox(REP).sent and not await all_sends(w)
    asks = posted(w, "needs permission to send from your mailbox")
    assert len(asks) == 1 and "email-grant-send" in str(asks[0]["blocks"])
    copies = posted(w, "Open in mail app")
    assert len(copies) == 2 and "mailto:dana@prospect.test?subject=" in str(copies[0]["blocks"])


async def test_approval_is_always_required(db: Database, tmp_path: Path, fake: FakeGoogle) -> None:
    w = await make_world(db, tmp_path, fake)
    ref = await w.engine.submit(Event("no_gate_test", "test", w.org_id, w.user_id,
                                      {"draft": draft([BUYER]), "deal_id": w.deal_id}))  # fmt: skip
    assert isinstance(ref, JobRef)
    await w.engine.drain()
    async with db.session() as s:
        job = await s.get(SequenceJob, ref.job_id)
    assert job is not None and job.status == "failed" and "approval" in (job.error or "")
    assert not await all_sends(w) and not fake.mailbox(REP).sent


@given(
    to=st.lists(st.emails(), min_size=1, max_size=3),
    subject=st.text(max_size=200),
    body=st.text(max_size=5000),
)
@settings(max_examples=60, deadline=None)
def test_mailto_fallback_stays_short_and_keeps_the_start_of_the_body(
    to: list[str], subject: str, body: str
) -> None:
    from urllib.parse import parse_qs, unquote, urlsplit

    from blocks.email_send import MAILTO_MAX, mailto_url

    url = mailto_url(to, [], subject, body)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and unquote(parts.path).split(",") == to
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["subject"] == [subject]
    sent = query.get("body", [""])[0]
    assert body.startswith(sent.removesuffix("…"))
    if len(url) > MAILTO_MAX:  # only an address/subject longer than the budget can overflow
        assert "body=" not in url


@given(
    st.sampled_from(
        ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Chatham"]
    ),
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
)
def test_the_limit_day_is_the_reps_local_day(tz: str, now: datetime) -> None:
    from zoneinfo import ZoneInfo

    start, end = sends.local_day_bounds(tz, now)
    assert start <= now < end
    assert (
        start.astimezone(ZoneInfo(tz)).time().hour == 0
        and 23 * 3600 <= (end - start).total_seconds() <= 25 * 3600
    )


async def test_a_revoked_grant_fails_clearly_and_asks_to_reconnect(
    db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    w = await make_world(db, tmp_path, fake)
    for rt in list(fake._refresh.values()):  # the rep revoked Sixty in their Google account
        rt["revoked"] = True
    fake.expire_access_tokens()
    await approve_follow_up(w, draft([BUYER]))
    [row] = await all_sends(w)
    assert row.status == "failed", await job_errors(w)
    assert (
        row.status == "failed" and "reconnect" in (row.error or "") and not fake.mailbox(REP).sent
    )
    async with db.session() as s:
        conn = (await s.exec(select(Connection))).one()
    assert conn.status == "expired"
    assert posted(w, "Open in mail app")  # the approved draft is not lost: copy / mail client
    assert (await states(w, row.id))[-2:] == ["sending", "failed"]  # type: ignore[arg-type]
