"""Outlook behind the provider-neutral interfaces: `GraphMailbox` (send a composed message with
its Message-ID as the send marker, reply in the thread, find it again) and `GraphCalendar`
(busy time, invites created once, delta sync) against the loopback fake Graph."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from config import Settings
from connectors.calendar import NewEvent
from connectors.google_calendar import Attendee
from connectors.graph import GraphClient, graph_mailbox
from connectors.graph_adapters import GraphCalendar, graph_message_from_mime
from skills.email_compose import Mailbox, OutgoingEmail, ThreadRef, compose, make_msgid
from storage.connections import StoredConnection
from tests.fakes.graph_server import FakeGraph

REP = "rep@contoso.test"
PROSPECT = "dana@prospect.test"
SCOPES = ("Calendars.ReadWrite", "Mail.Read", "Mail.Send", "User.Read")
T0 = datetime(2026, 4, 6, 14, 0, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    graph = await FakeGraph().start()
    yield graph
    await graph.stop()


def conn_for(fake: FakeGraph, scopes: tuple[str, ...] = SCOPES) -> StoredConnection:
    token = fake.issue_token(REP, set(scopes))
    return StoredConnection(id=1, org_id=1, user_id=1, provider="microsoft", account_email=REP,
                            scopes=scopes, tokens={"access_token": token}, expires_at=None,
                            status="active", meta={})  # fmt: skip


def composed(reply_to: ThreadRef | None = None) -> object:
    return compose(OutgoingEmail(
        sender=Mailbox(REP, "Rep"), to=(Mailbox(PROSPECT, "Dana"),), cc=(Mailbox("ops@p.test"),),
        subject="Next steps", body_text="Thanks for the call.\n\nBest", message_id=make_msgid("sixty.test"),
        date=T0, reply_to=reply_to))  # fmt: skip


async def test_mailbox_sends_with_the_message_id_as_marker(fake: FakeGraph) -> None:
    settings = Settings(_env_file=None, graph_api_base=fake.graph_base)  # type: ignore[call-arg]
    box = graph_mailbox(None, settings, conn_for(fake))
    assert box.can_send and box.provider == "microsoft" and await box.signature() is None
    message = composed()
    assert await box.find_sent(message.message_id) is None  # type: ignore[attr-defined]
    ref = await box.send(message, None)
    [sent] = fake.sent
    assert sent.kind == "sendMail" and sent.marker == message.message_id  # type: ignore[attr-defined]
    assert sent.to == [PROSPECT] and sent.cc == ["ops@p.test"]
    assert sent.message["subject"] == "Next steps"
    assert "Thanks for the call." in sent.message["body"]["content"]
    assert ref.message_id == sent.id
    again = await box.find_sent(message.message_id)  # type: ignore[attr-defined]
    assert again is not None and again.message_id == sent.id

    inbound = fake.deliver(REP, sender=PROSPECT, subject="Next steps", body="Sounds good")
    reply = composed(ThreadRef("<in@prospect.test>", (), "Next steps"))
    await box.send(reply, inbound)
    assert fake.sent[-1].kind == "reply" and fake.sent[-1].reply_to_id == inbound
    assert fake.sent[-1].marker == reply.message_id  # type: ignore[attr-defined]

    no_send = graph_mailbox(None, settings, conn_for(fake, ("Mail.Read", "User.Read")))
    assert not no_send.can_send


def test_mime_to_graph_keeps_html_and_recipients() -> None:
    message = composed()
    out, mid = graph_message_from_mime(message.raw)  # type: ignore[attr-defined]
    assert mid == message.message_id  # type: ignore[attr-defined]
    assert out["body"]["contentType"] == "HTML"
    assert out["toRecipients"] == [{"emailAddress": {"address": PROSPECT, "name": "Dana"}}]


async def test_calendar_provider_busy_invites_and_sync(fake: FakeGraph) -> None:
    now = T0
    cal = GraphCalendar(GraphClient(fake.issue_token(REP, set(SCOPES)), base_url=fake.graph_base),
                        now=lambda: now)  # fmt: skip
    first = fake.add_event(REP, T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    maybe = fake.add_event(REP, T0 + timedelta(hours=3), T0 + timedelta(hours=4),
                           show_as="tentative")  # fmt: skip
    busy = await cal.busy([REP, PROSPECT], T0, T0 + timedelta(days=1))
    assert list(busy) == [REP]  # the prospect's calendar is not visible
    assert [(b.start, b.tentative) for b in busy[REP]] == [
        (T0 + timedelta(hours=1), False), (T0 + timedelta(hours=3), True)]  # fmt: skip

    fake.dedupe_transactions = False  # even then, a retried booking creates one event
    event = NewEvent(summary="Intro", description="Agenda", start=T0 + timedelta(days=1),
                     end=T0 + timedelta(days=1, minutes=30), tz="Europe/London",
                     attendees=(Attendee(PROSPECT, "Dana"),), transaction_id="book-1")  # fmt: skip
    a = await cal.create_event(event)
    b = await cal.create_event(event)
    assert a.id == b.id and len(fake.events) == 1 and a.provider == "microsoft"
    assert a.video_link and a.video_link.startswith("https://teams.microsoft.com/")

    batch = await cal.incremental_sync(None)
    assert batch.full and batch.next_token
    assert {c.external_id for c in batch.changes} == {first, maybe, a.id}
    assert any(c.show_as == "tentative" and c.status == "tentative" for c in batch.changes)
    fake.remove_event(REP, first)
    batch2 = await cal.incremental_sync(batch.next_token)
    assert not batch2.full and [(c.external_id, c.cancelled) for c in batch2.changes] == [
        (first, True)]  # fmt: skip
    fake.expire_delta_tokens(REP)
    batch3 = await cal.incremental_sync(batch2.next_token)
    assert batch3.full and first not in {c.external_id for c in batch3.changes}
    await cal.client.aclose()
