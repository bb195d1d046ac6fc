"""The same send flow against Outlook (fake Microsoft Graph on loopback): the recorded
Message-ID travels as the send marker, a reply goes through `/messages/{id}/reply`, and a
recovery finds the sent copy by marker instead of sending again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.mailbox import GraphMailbox, cipher_for
from orchestrator.engine import Engine
from storage.connections import load_connection, save_connection
from storage.engine import Database
from storage.models import EmailMessage, EmailSend, EmailThread
from tests.fakes.google_server import FakeGoogle
from tests.fakes.graph_server import FakeGraph
from tests.flow.test_email_send import (
    BUYER,
    World,
    approve_follow_up,
    draft,
    follow_up_registry,
    make_world,
)
from tests.support.sequences import RecordingDelivery

OUTLOOK = "rep1@contoso.test"
TOKEN_EXPIRES = datetime(2099, 1, 1, tzinfo=UTC)  # fixed; Graph calls do not read it


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start()
    yield fake
    await fake.stop()


async def outlook_world(sqlite_db: Database, tmp_path: Path, graph: FakeGraph) -> World:
    google = FakeGoogle()  # not started: nothing Google is called
    google.url = "http://127.0.0.1:9"
    w = await make_world(sqlite_db, tmp_path, google, connect=False)
    w.settings = w.settings.model_copy(update={"graph_api_base": graph.graph_base})
    scopes = {"Mail.Read", "Mail.Send"}
    async with sqlite_db.transaction() as s:
        await save_connection(s, cipher=cipher_for(w.settings), org_id=w.org_id, user_id=w.user_id,
                              provider="microsoft", scopes=sorted(scopes), account_email=OUTLOOK,
                              tokens={"access_token": graph.issue_token(OUTLOOK, scopes)},
                              expires_at=TOKEN_EXPIRES)  # fmt: skip
    w.engine = Engine(
        sqlite_db, w.settings, RecordingDelivery(), follow_up_registry(), heartbeat_s=None
    )
    return w


async def test_outlook_send_and_reply_carry_the_marker(
    sqlite_db: Database, tmp_path: Path, graph: FakeGraph
) -> None:
    w = await outlook_world(sqlite_db, tmp_path, graph)
    await approve_follow_up(w, draft([BUYER], "Pilot next steps"), key="new")
    [mail] = graph.sent
    async with sqlite_db.session() as s:
        row = (await s.exec(select(EmailSend))).one()
    assert row.status == "sent" and row.provider == "microsoft"
    assert mail.kind == "sendMail" and mail.to == [BUYER] and mail.marker == row.message_id_header
    assert (
        row.provider_message_id and row.provider_message_id != row.message_id_header
    )  # Graph's id

    parent = graph.deliver(OUTLOOK, sender=BUYER, subject="Pilot scope", body="Thoughts?")
    async with sqlite_db.transaction() as s:
        thread = EmailThread(org_id=w.org_id, user_id=w.user_id, provider="microsoft", external_thread_id="conv-1",
                             subject="Pilot scope", participants=[BUYER, OUTLOOK])  # fmt: skip
        s.add(thread)
        await s.flush()
        s.add(EmailMessage(org_id=w.org_id, thread_id=thread.id, provider_message_id=parent,  # type: ignore[arg-type]
                           message_id_header=f"<{parent.lower()}@mail.contoso.test>", direction="inbound",
                           from_addr=BUYER, to_addrs=[OUTLOOK], subject="Pilot scope"))  # fmt: skip
        thread_id = thread.id
    await approve_follow_up(
        w, draft([BUYER], "Pilot scope"), key="reply", email_thread_id=thread_id
    )
    assert len(graph.sent) == 2
    reply = graph.sent[-1]
    assert reply.kind == "reply" and reply.reply_to_id == parent and reply.marker

    # recovery after a crash past the provider call: the marker finds it, nothing is re-sent
    async with sqlite_db.session() as s:
        conn = await load_connection(
            s, cipher=cipher_for(w.settings), user_id=w.user_id, provider="microsoft"
        )
    assert conn is not None
    found = await GraphMailbox(sqlite_db, w.settings, conn).find_sent(reply.marker or "")
    assert found is not None and len(graph.sent) == 2
    assert (
        await GraphMailbox(sqlite_db, w.settings, conn).find_sent("<never-sent@example.com>")
        is None
    )
