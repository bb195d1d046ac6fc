"""The Instantly reply path end to end, against the loopback fake Instantly: a webhook delivery
(shared-secret header, de-duplicated) starts one `instantly_reply` job; a positive reply gets a
drafted answer behind the email approval, sent once through `POST /emails/reply` from the
mailbox that received it, with the interest value written back; a meeting request starts
`calendar_find_times`. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlalchemy import literal_column, update
from sqlmodel import col, select

from bot.webhooks import instantly as hook
from config.settings import Settings
from connectors.instantly_connection import save_api_key
from flows.campaign_reply.sequence import instantly_reply
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef, Skipped
from orchestrator.sequence import SequenceRegistry
from orchestrator.store import Sql
from storage.clock import SteppingClock
from storage.crypto import settings_cipher
from storage.engine import Database
from storage.instantly_models import InstantlyReply, InstantlyWebhookDelivery
from storage.models import Connection, EmailSend, SequenceJob, SlackPendingAction, UserPreferences
from tests.fakes.instantly_server import WORKSPACE_ID, FakeInstantly
from tests.support.sequences import RecordingDelivery, seed_org

# a Monday afternoon, ahead of PostgreSQL's now(): a parked job is due only once the test says so
NOW = datetime(2100, 11, 22, 15, 0, tzinfo=UTC)
SECRET = "instantly-hook-secret-123"
SENDER = "sdr.one@outbound.acme.test"
OTHER_SENDER = "sdr.two@outbound.acme.test"
LEAD = "pat.lead@globex.test"


@dataclass
class Deps:
    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    engine: Engine

    async def submit(self, event: Event) -> JobRef | Skipped:
        return await self.engine.submit(event)


@dataclass
class World:
    db: Database
    engine: Engine
    delivery: RecordingDelivery
    fake: FakeInstantly
    url: str
    org: int
    user: int
    campaign: str
    clock: SteppingClock

    async def window_passes(self) -> None:
        """The 30-second undo window closes: the injected clock jumps past it and the parked
        job is due on the claim's clock (PostgreSQL's is the server's)."""
        self.clock.advance(timedelta(seconds=31))
        now = Sql(self.db.engine.dialect.name, injected_clock=self.db.clock is not None).now
        async with self.db.transaction() as s:
            await s.execute(update(SequenceJob).where(col(SequenceJob.status) == "pending")
                            .values(run_after=literal_column(now)))  # fmt: skip
        await self.engine.drain()


async def make_world(db: Database, tmp_path: Path, clock: SteppingClock) -> AsyncIterator[World]:
    fake = await FakeInstantly().start()
    settings = Settings(_env_file=None, instantly_api_base=fake.url,
                        encryption_key=Fernet.generate_key().decode(), data_dir=tmp_path,
                        instantly_webhook_secret=SECRET)  # fmt: skip
    org, [user, _] = await seed_org(db)
    async with db.transaction() as s:
        await save_api_key(s, cipher=settings_cipher(settings), org_id=org, user_id=user,
                           api_key=fake.api_key, workspace_id=WORKSPACE_ID)  # fmt: skip
    fake.add_account(SENDER)
    fake.add_account(OTHER_SENDER)
    campaign = fake.add_campaign("Q4 outbound", accounts=[SENDER, OTHER_SENDER])
    fake.add_lead(LEAD, campaign)
    delivery = RecordingDelivery()
    engine = Engine(db, settings, delivery, SequenceRegistry([instantly_reply]), clock=clock,
                    heartbeat_s=None)  # fmt: skip
    app = web.Application()
    hook.register_routes(app, Deps(db, settings, clock, engine))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield World(
        db, engine, delivery, fake, str(server.make_url(hook.PATH)), org, user, campaign, clock
    )
    await server.close()
    await fake.stop()


@pytest.fixture
async def world(sqlite_url: str, tmp_path: Path) -> AsyncIterator[World]:
    clock = SteppingClock(NOW)
    db = Database(sqlite_url, clock=clock)
    async for w in make_world(db, tmp_path, clock):
        yield w
    await db.dispose()


@pytest.fixture
async def pg_world(pg_url: str, tmp_path: Path) -> AsyncIterator[World]:
    from tests.conftest import truncate_pg

    truncate_pg(pg_url)
    clock = SteppingClock(NOW)
    db = Database(pg_url, clock=clock)
    async for w in make_world(db, tmp_path, clock):
        yield w
    await db.dispose()


async def rows(w: World, model: Any) -> list[Any]:
    async with w.db.session() as s:
        return list((await s.exec(select(model))).all())


async def deliver(w: World, payload: dict[str, Any], secret: str | None = SECRET) -> Any:
    headers = {hook.SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(w.url, json=payload, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


def reply(w: World, text: str, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    email = w.fake.add_email(campaign_id=w.campaign, lead=LEAD, eaccount=OTHER_SENDER,
                             subject="Re: Quick question", text=text, **kw)  # fmt: skip
    return email, w.fake.webhook_payload("reply_received", w.campaign, email=email, step=1)


async def test_a_delivery_without_the_secret_is_refused(world: World) -> None:
    _, payload = reply(world, "Sounds interesting, tell me more.")
    assert (await deliver(world, payload, secret=None))[0] == 401
    assert (await deliver(world, payload, secret="wrong"))[0] == 401
    assert await rows(world, InstantlyWebhookDelivery) == []
    assert await rows(world, SequenceJob) == []


async def test_a_repeated_delivery_is_a_duplicate_and_makes_one_job(world: World) -> None:
    _, payload = reply(world, "Sounds interesting, tell me more.")
    status, first = await deliver(world, payload)
    assert status == 200 and first.get("job_id")
    status, second = await deliver(world, payload)
    assert status == 200 and second["duplicate"] is True
    assert len(await rows(world, InstantlyWebhookDelivery)) == 1
    assert len(await rows(world, SequenceJob)) == 1
    # Instantly's label on the same email later: recorded, but the reply's job already exists
    email_id = payload["email_id"]
    email = next(e for e in world.fake.emails if e["id"] == email_id)
    label = world.fake.webhook_payload("lead_interested", world.campaign, email=email,
                                       timestamp=datetime(2026, 11, 23, 9, 5, tzinfo=UTC))  # fmt: skip
    status, third = await deliver(world, label)
    assert status == 200 and "skipped" in third
    assert len(await rows(world, SequenceJob)) == 1
    await world.engine.drain()  # the job stores the reply with the label that came meanwhile
    [stored] = await rows(world, InstantlyReply)
    assert stored.i_status == 1


async def late_label_updates_the_stored_reply(w: World) -> None:
    email, payload = reply(
        w, "Thanks, but we have decided to go with another vendor. Not interested."
    )
    assert (await deliver(w, payload))[0] == 200
    await w.engine.drain()
    [stored] = await rows(w, InstantlyReply)
    assert stored.i_status is None  # a plain reply_received carries no label
    jobs = len(await rows(w, SequenceJob))
    at = datetime(2100, 11, 22, 15, 10, tzinfo=UTC)
    label = w.fake.webhook_payload("lead_not_interested", w.campaign, email=email, timestamp=at)
    status, body = await deliver(w, label)
    assert status == 200 and body["label_updated"] is True and "job_id" not in body
    [stored] = await rows(w, InstantlyReply)
    assert stored.i_status == -1 and stored.category == "not_interested"
    # a lead-level label (no email id): the lead's latest reply in that campaign
    later = w.fake.webhook_payload("lead_wrong_person", w.campaign, lead_email=LEAD.upper(),
                                   timestamp=at + timedelta(minutes=5))  # fmt: skip
    assert (await deliver(w, later))[1]["label_updated"] is True
    [stored] = await rows(w, InstantlyReply)
    assert stored.i_status == -2
    neutral = w.fake.webhook_payload("lead_neutral", w.campaign, email=email,
                                     timestamp=at + timedelta(minutes=9))  # fmt: skip
    assert (await deliver(w, neutral))[1]["label_updated"] is True
    [stored] = await rows(w, InstantlyReply)
    assert stored.i_status is None  # back to a plain "Lead"
    assert len(await rows(w, SequenceJob)) == jobs  # no second job
    assert await w.engine.drain() == 0
    # a label for a lead with no stored reply starts nothing either (no email id)
    other = w.fake.webhook_payload("lead_interested", w.campaign, lead_email="nobody@else.test",
                                   timestamp=at)  # fmt: skip
    status, body = await deliver(w, other)
    assert status == 200 and "label_updated" not in body and "job_id" not in body


async def test_a_late_label_updates_the_stored_reply_sqlite(world: World) -> None:
    await late_label_updates_the_stored_reply(world)


async def test_a_late_label_updates_the_stored_reply_postgres(pg_world: World) -> None:
    await late_label_updates_the_stored_reply(pg_world)


async def positive_reply_is_drafted_approved_and_sent_once(w: World) -> None:
    text = "This sounds interesting - we'd love to learn more about it."
    email, payload = reply(w, text)
    assert (await deliver(w, payload))[0] == 200
    await w.engine.drain()
    [stored] = await rows(w, InstantlyReply)
    assert stored.category == "interested" and stored.eaccount == OTHER_SENDER
    assert stored.instantly_email_id == email["id"] and stored.routed_at is not None
    [gate] = await rows(w, SlackPendingAction)
    assert gate.kind == "email_send"
    draft = gate.payload["draft"]
    assert draft["to"] == [LEAD] and draft["subject"] == "Re: Quick question" and draft["body"]
    posted = [c for m, c in w.delivery.calls if m == "chat.postMessage"]
    assert any("Campaign reply" in str(c.get("blocks")) for c in posted)
    assert w.fake.replies == [] and w.fake.interest_updates == []
    assert (await w.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    # the undo window: the countdown with Cancel send, nothing sent before it closes
    [held] = await rows(w, EmailSend)
    assert held.status == "scheduled" and held.send_after is not None
    assert held.send_after > w.clock()
    undo = [
        c
        for m, c in w.delivery.calls
        if m == "chat.postMessage" and "Cancel send" in str(c.get("blocks"))
    ]
    assert len(undo) == 1 and "Sending in 30 seconds" in str(undo[0]["blocks"])
    assert "through Instantly" in str(undo[0]["blocks"])
    assert await w.engine.drain() == 0
    assert w.fake.replies == [] and w.fake.interest_updates == []
    await w.window_passes()
    assert len(w.fake.calls_to("/api/v2/emails/reply", "POST")) == 1
    [sent] = w.fake.replies
    assert sent["eaccount"] == OTHER_SENDER and sent["reply_to_uuid"] == email["id"]
    assert sent["body"]["text"] == draft["body"]
    assert w.fake.interest_updates == [
        {"lead_email": LEAD, "interest_value": 1, "campaign_id": w.campaign}
    ]
    [row] = await rows(w, EmailSend)  # counted against the daily limit, audited
    assert (row.provider, row.status, row.to_addrs) == ("instantly", "sent", [LEAD])
    assert row.provider_message_id and row.user_id == w.user
    # a replay of the delivery starts nothing and sends nothing more
    assert (await deliver(w, payload))[1]["duplicate"] is True
    await w.engine.drain()
    assert len(w.fake.replies) == 1 and len(w.fake.interest_updates) == 1


async def test_positive_reply_sqlite(world: World) -> None:
    await positive_reply_is_drafted_approved_and_sent_once(world)


async def test_positive_reply_postgres(pg_world: World) -> None:
    await positive_reply_is_drafted_approved_and_sent_once(pg_world)


async def test_instantly_label_shown_when_it_disagrees(world: World) -> None:
    _, payload = reply(world, "This sounds interesting, we'd love to learn more.")
    payload["event_type"] = "lead_not_interested"
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [gate] = await rows(world, SlackPendingAction)
    assert "Instantly says: not interested" in gate.payload["title"]


async def test_meeting_request_queues_find_times(world: World) -> None:
    _, payload = reply(world, "Could we set up a 30 minute call next Tuesday at 2pm ET?")
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    jobs = await rows(world, SequenceJob)
    [find] = [j for j in jobs if j.event_type == "calendar_find_times"]
    assert find.trigger_payload["email"] == LEAD and find.trigger_payload["source"] == "instantly"
    assert find.parent_job_id == next(j.id for j in jobs if j.event_type == "instantly_reply")
    assert world.fake.replies == []


async def test_a_reply_without_text_is_fetched_from_the_unibox(world: World) -> None:
    _, payload = reply(world, "Not interested, thanks. Please remove me.", i_status=-1)
    for key in ("reply_text", "reply_html", "reply_text_snippet", "reply_subject"):
        payload.pop(key)
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [stored] = await rows(world, InstantlyReply)
    assert stored.body_text.startswith("Not interested") and stored.i_status == -1
    assert world.fake.calls_to("/api/v2/emails")


async def test_not_interested_writes_back_only_once_the_rep_approves(world: World) -> None:
    _, payload = reply(
        world, "Thanks, but we have decided to go with another vendor. Not interested."
    )
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [stored] = await rows(world, InstantlyReply)
    assert stored.category == "not_interested" and stored.routed_at is not None
    [gate] = await rows(world, SlackPendingAction)
    assert gate.kind == "generic" and world.fake.interest_updates == []
    assert (await world.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await world.engine.drain()
    assert world.fake.interest_updates == [
        {"lead_email": LEAD, "interest_value": -1, "campaign_id": world.campaign}
    ]
    assert world.fake.replies == []


async def test_skipping_the_draft_sends_nothing(world: World) -> None:
    _, payload = reply(world, "This sounds interesting, we'd love to learn more about it.")
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [gate] = await rows(world, SlackPendingAction)
    assert (await world.engine.resume(gate.id, Decision.SKIP, "U1")).ok
    await world.engine.drain()
    assert world.fake.replies == [] and world.fake.interest_updates == []


async def test_unknown_workspace_and_bad_bodies(world: World) -> None:
    org2, [user2, _] = await seed_org(world.db)  # a second org with Instantly: no guessing
    async with world.db.transaction() as s:
        s.add(Connection(org_id=org2, user_id=user2, provider="instantly", meta={}))
    _, payload = reply(world, "Sounds interesting.")
    payload["workspace"] = "some-other-workspace"
    status, body = await deliver(world, payload)
    assert status == 200 and body["ignored"] == "unknown workspace"
    assert await rows(world, SequenceJob) == []
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.url, data=b"not json", headers={hook.SECRET_HEADER: SECRET}) as resp,
    ):
        assert resp.status == 400
    big = {"event_type": "reply_received", "reply_text": "x" * (6 * 1024 * 1024)}
    assert (await deliver(world, big))[0] == 413


async def approve_positive_reply(w: World) -> None:
    _, payload = reply(w, "This sounds interesting, we'd love to learn more about it.")
    assert (await deliver(w, payload))[0] == 200
    await w.engine.drain()
    [gate] = await rows(w, SlackPendingAction)
    assert (await w.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    await w.window_passes()


def dms(w: World) -> str:
    return " ".join(str(c.get("text")) for m, c in w.delivery.calls if m == "chat.postMessage")


async def test_the_daily_send_limit_applies(world: World) -> None:
    async with world.db.transaction() as s:
        prefs = await s.get(UserPreferences, world.user)
        assert prefs is not None
        prefs.daily_send_limit = 0
        s.add(prefs)
    await approve_positive_reply(world)
    assert world.fake.replies == [] and world.fake.interest_updates == []
    assert "daily send limit reached" in dms(world)
    assert await rows(world, EmailSend) == []


async def test_a_failed_send_is_not_retried_and_the_rep_is_told(world: World) -> None:
    world.fake.fail_next("/api/v2/emails/reply", 503)
    await approve_positive_reply(world)
    assert len(world.fake.calls_to("/api/v2/emails/reply", "POST")) == 1
    assert world.fake.replies == [] and world.fake.interest_updates == []
    [row] = await rows(world, EmailSend)
    assert row.status == "failed" and "may not have gone out" in dms(world)


async def test_decisions_are_logged_on_the_known_deal(world: World) -> None:
    from storage.models import Activity, Company, Contact, Deal

    async with world.db.transaction() as s:
        company = Company(org_id=world.org, name="Globex", domain="globex.test")
        s.add(company)
        await s.flush()
        contact = Contact(org_id=world.org, company_id=company.id, name="Pat Lead", email=LEAD)
        s.add(contact)
        await s.flush()
        deal = Deal(org_id=world.org, company_id=company.id, primary_contact_id=contact.id,
                    owner_id=world.user, name="Globex pilot", stage="prospecting")  # fmt: skip
        s.add(deal)
        await s.flush()
        deal_id = deal.id
    await approve_positive_reply(world)
    kinds = sorted((a.kind, a.deal_id) for a in await rows(world, Activity))
    assert kinds == [("email_received", deal_id), ("email_sent", deal_id)]
    [gate] = await rows(world, SlackPendingAction)
    assert "Pat" in gate.payload["draft"]["body"]


def test_the_route_is_registered_with_the_other_webhooks() -> None:
    from bot import web as bot_web

    assert hook in bot_web.ROUTE_MODULES and hook.PATH == "/webhooks/instantly"
    assert hook.SECRET_HEADER == "X-Sixty-Webhook-Secret"


async def test_concurrent_repeats_make_one_job_postgres(pg_world: World) -> None:
    import asyncio

    _, payload = reply(pg_world, "Sounds interesting, tell me more.")
    answers = await asyncio.gather(*(deliver(pg_world, payload) for _ in range(4)))
    assert [status for status, _ in answers] == [200] * 4
    assert sum(1 for _, body in answers if body.get("duplicate")) == 3
    assert len(await rows(pg_world, InstantlyWebhookDelivery)) == 1
    assert len(await rows(pg_world, SequenceJob)) == 1


async def cancel_in_the_window_sends_nothing(w: World) -> None:
    from bot.email_actions import cancel_send
    from storage import email_sends as sends
    from storage.models import User

    _, payload = reply(w, "This sounds interesting, we'd love to learn more about it.")
    assert (await deliver(w, payload))[0] == 200
    await w.engine.drain()
    [gate] = await rows(w, SlackPendingAction)
    assert (await w.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await w.engine.drain()
    [held] = await rows(w, EmailSend)
    assert held.status == "scheduled" and held.provider == "instantly"
    async with w.db.session() as s:
        rep = await s.get(User, w.user)
    assert rep is not None
    ok, told = await cancel_send(SimpleNamespace(db=w.db, clock=w.clock), rep, held.id)  # type: ignore[arg-type]
    assert ok and told == "Cancelled — the email was not sent."
    await w.window_passes()
    assert w.fake.replies == [] and w.fake.interest_updates == []
    assert w.fake.calls_to("/api/v2/emails/reply", "POST") == []
    [row] = await rows(w, EmailSend)
    assert row.status == "cancelled"
    async with w.db.session() as s:
        states = [e.state for e in await sends.events_for(s, row.id)]
    assert states == ["drafted", "approved", "scheduled", "cancelled"]
    [job] = [j for j in await rows(w, SequenceJob) if j.sequence_type == "instantly_reply"]
    assert job.status == "completed"
    again, why = await cancel_send(SimpleNamespace(db=w.db, clock=w.clock), rep, row.id)  # type: ignore[arg-type]
    assert not again and "already cancelled" in why


async def test_cancel_in_the_window_sqlite(world: World) -> None:
    await cancel_in_the_window_sends_nothing(world)


async def test_cancel_in_the_window_postgres(pg_world: World) -> None:
    await cancel_in_the_window_sends_nothing(pg_world)


async def test_too_late_to_cancel_once_sent(world: World) -> None:
    from bot.email_actions import cancel_send
    from storage.models import User

    await approve_positive_reply(world)
    [row] = await rows(world, EmailSend)
    async with world.db.session() as s:
        rep = await s.get(User, world.user)
    ok, why = await cancel_send(SimpleNamespace(db=world.db, clock=world.clock), rep, row.id)  # type: ignore[arg-type]
    assert not ok and "already sent" in why and len(world.fake.replies) == 1


async def test_an_answered_question_writes_no_interest(world: World) -> None:
    """needs_response: no Instantly interest value means "asked a question" (see
    flows.campaign_reply.send), so the answer goes out and the lead's label is left alone."""
    _, payload = reply(world, "How does this integrate with HubSpot?")
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [stored] = await rows(world, InstantlyReply)
    assert stored.category == "needs_response"
    [gate] = await rows(world, SlackPendingAction)
    assert (await world.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await world.engine.drain()
    await world.window_passes()
    assert len(world.fake.replies) == 1 and world.fake.interest_updates == []
    assert world.fake.calls_to("/api/v2/leads/update-interest-status", "POST") == []
    assert "marked" not in dms(world).lower()


async def test_a_lead_asking_for_pricing_is_answered_as_interested(world: World) -> None:
    """proposal_request: a lead who asks the campaign for pricing or a proposal is interested;
    the draft answers them as such, and once sent the lead is marked interested in Instantly."""
    _, payload = reply(world, "Yes, this is timely. Can you send pricing for 40 seats?")
    assert (await deliver(world, payload))[0] == 200
    await world.engine.drain()
    [stored] = await rows(world, InstantlyReply)
    assert stored.category == "proposal_request"
    [gate] = await rows(world, SlackPendingAction)
    assert gate.kind == "email_send"
    assert "asks for pricing or a proposal" in gate.payload["title"]
    assert "great to hear you're interested" in gate.payload["draft"]["body"]
    assert (await world.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
    await world.engine.drain()
    await world.window_passes()
    assert len(world.fake.replies) == 1
    assert [u["interest_value"] for u in world.fake.interest_updates] == [1]
