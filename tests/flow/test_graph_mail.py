"""Graph mail through the loopback fake: sendMail with a send marker and the exactly-once lookup,
replies, reading messages, and the typed errors (401 refresh, 403 scope, 429, 5xx)."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.graph import (
    MARKER_HEADER,
    GraphAuthError,
    GraphClient,
    GraphInsufficientScope,
    GraphNotFound,
    GraphRateLimited,
    GraphUnavailable,
    OutgoingMail,
    Recipient,
    _with_query,
)
from tests.fakes.graph_server import FakeGraph

REP = "rep@contoso.test"
PROSPECT = "dana@prospect.test"
ALL = {"Mail.Read", "Mail.Send", "Calendars.ReadWrite", "User.Read"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    graph = await FakeGraph().start()
    yield graph
    await graph.stop()


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[GraphClient]:
    async with GraphClient(fake.issue_token(REP, ALL), base_url=fake.graph_base) as c:
        yield c


def mail(marker: str | None = "<m1@sixty.test>") -> OutgoingMail:
    return OutgoingMail(subject="Follow-up", body="<p>Thanks for today</p>",
                        to=[Recipient(PROSPECT, "Dana")], cc=["ops@prospect.test"],
                        marker=marker)  # fmt: skip


async def test_send_mail_records_recipients_body_and_marker(
    fake: FakeGraph, client: GraphClient
) -> None:
    await client.send_mail(mail())
    [sent] = fake.sent
    assert sent.to == [PROSPECT] and sent.cc == ["ops@prospect.test"]
    assert sent.message["body"] == {"contentType": "HTML", "content": "<p>Thanks for today</p>"}
    assert sent.marker == "<m1@sixty.test>" and sent.headers[MARKER_HEADER] == "<m1@sixty.test>"
    assert sent.save_to_sent
    assert fake.requests[-1].json()["saveToSentItems"] is True


async def test_find_sent_is_the_exactly_once_lookup(fake: FakeGraph, client: GraphClient) -> None:
    marker = "<a'quote@sixty.test>"  # OData quoting of ' in the filter
    assert await client.find_sent(marker) is None  # intent recorded, crash before sending
    await client.send_mail(mail(marker))
    # crash after the 202 but before we stored anything: recovery finds it instead of resending
    found = await client.find_sent(marker)
    assert found == fake.sent[0].id
    assert await client.find_sent("<other@sixty.test>") is None
    assert len(fake.sent) == 1
    raw = fake.requests[-1].raw_path  # OData needs %20 for spaces; a literal + is not a space
    assert "%20eq%20" in raw and "+" not in raw


async def test_reply_threads_in_the_conversation(fake: FakeGraph, client: GraphClient) -> None:
    inbound = fake.deliver(REP, sender=PROSPECT, subject="Pricing?", body="Can you send it?")
    await client.reply(inbound, comment="Attached.", marker="<r1@sixty.test>")
    [sent] = fake.sent
    assert sent.kind == "reply" and sent.reply_to_id == inbound and sent.to == [PROSPECT]
    original = await client.get_message(inbound)
    replied = await client.get_message(str(await client.find_sent("<r1@sixty.test>")))
    assert replied.conversation_id == original.conversation_id
    assert replied.subject == "RE: Pricing?"
    with pytest.raises(ValueError):
        await client.reply(inbound, comment="x", message={"body": {"content": "y"}})
    with pytest.raises(GraphNotFound):
        await client.reply("AAMkNope", comment="x")


async def test_get_message_and_mime(fake: FakeGraph, client: GraphClient) -> None:
    mid = fake.deliver(REP, sender=PROSPECT, subject="Intro", body="Hello there")
    msg = await client.get_message(mid)
    assert (msg.from_address, msg.to, msg.subject, msg.body) == (
        PROSPECT, (REP,), "Intro", "Hello there")  # fmt: skip
    assert msg.internet_message_id and msg.conversation_id and not msg.body_is_html
    assert msg.received_at is not None and msg.received_at.tzinfo is not None
    parsed = email.message_from_bytes(await client.get_message_mime(mid))
    assert parsed["Message-ID"] == msg.internet_message_id and parsed["From"] == PROSPECT
    items, link = await client.messages_delta(None)
    assert [i["id"] for i in items] == [mid] and link
    fake.deliver(REP, sender=PROSPECT, subject="Again", body="...")
    again, _ = await client.messages_delta(link)
    assert len(again) == 1 and again[0]["id"] != mid


async def test_401_refreshes_once_through_the_callback(fake: FakeGraph) -> None:
    calls: list[str] = []

    async def refresh() -> str:
        calls.append("refresh")
        return fake.issue_token(REP, ALL)

    async with GraphClient(fake.issue_token(REP, ALL), base_url=fake.graph_base,
                           refresh=refresh) as c:  # fmt: skip
        fake.expire_access_tokens()
        assert (await c.me())["mail"] == REP
        assert calls == ["refresh"]
        fake.fail_next("me", 401, times=2)  # still 401 after the refresh: reconnect
        with pytest.raises(GraphAuthError):
            await c.me()
    async with GraphClient("not-a-token", base_url=fake.graph_base) as c:
        with pytest.raises(GraphAuthError):
            await c.me()


async def test_missing_send_permission_is_a_typed_scope_error(fake: FakeGraph) -> None:
    token = fake.issue_token(REP, {"Mail.Read", "User.Read"})
    async with GraphClient(token, base_url=fake.graph_base) as c:
        with pytest.raises(GraphInsufficientScope) as info:
            await c.send_mail(mail())
    assert info.value.status == 403 and info.value.code == "ErrorAccessDenied"
    assert fake.sent == []


async def test_429_waits_for_retry_after_or_hands_it_back(fake: FakeGraph) -> None:
    async with GraphClient(fake.issue_token(REP, ALL), base_url=fake.graph_base,
                           max_retry_wait_s=1.0) as c:  # fmt: skip
        fake.fail_next("mail.send", 429, retry_after="0")
        await c.send_mail(mail())  # throttled means not applied: safe to repeat
        assert len(fake.sent) == 1
        assert fake.routes_called().count("mail.send") == 2
        fake.fail_next("mail.send", 429, retry_after="120")
        with pytest.raises(GraphRateLimited) as info:
            await c.send_mail(mail("<m2@sixty.test>"))
        assert info.value.retry_after == 120.0
        assert len(fake.sent) == 1


async def test_5xx_is_retried_only_when_safe(fake: FakeGraph, client: GraphClient) -> None:
    fake.fail_next("mail.send", 503)
    with pytest.raises(GraphUnavailable):  # a send that may have gone out is not repeated
        await client.send_mail(mail())
    assert fake.routes_called().count("mail.send") == 1
    fake.fail_next("mail.list", 503)
    assert await client.find_sent("<nothing@sixty.test>") is None  # a GET is retried
    assert fake.routes_called().count("mail.list") == 2


def test_only_x_headers_are_accepted() -> None:
    bad = OutgoingMail(subject="s", body="b", to=[PROSPECT], headers={"Reply-To": "x@y.test"})
    with pytest.raises(ValueError):
        bad.as_graph()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(max_size=60))
def test_query_options_round_trip_without_plus_or_spaces(name: str, value: str) -> None:
    url = str(_with_query("http://127.0.0.1/v1.0/me/messages", {"$filter": value, "x": name}))
    query = url.split("?", 1)[1]
    assert " " not in query and "+" not in query
    assert dict(parse_qsl(query, keep_blank_values=True)) == {"$filter": value, "x": name}
