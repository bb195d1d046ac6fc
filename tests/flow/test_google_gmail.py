"""Gmail connector over loopback: google-api-python-client with the shipped discovery document,
only the root URL pointed at the fake. Raw MIME is read back from what the fake received."""

from __future__ import annotations

import asyncio
import base64
import email
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.policy import compat32

import pytest
from google.oauth2.credentials import Credentials

from connectors.gmail import GmailClient, HistoryExpired
from connectors.google_api import (
    GoogleAuthError,
    GoogleNotFound,
    GoogleRateLimited,
    GoogleUnavailable,
)
from skills.email_compose import (
    Mailbox,
    OutgoingEmail,
    Signature,
    ThreadRef,
    base64url_raw,
    compose,
    make_msgid,
)
from tests.fakes.google_server import GMAIL_READ, GMAIL_SEND, FakeGoogle

REP = "ana@acme.test"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    fake = await FakeGoogle().start()
    yield fake
    await fake.stop()


def client(fake: FakeGoogle, creds: Credentials | None = None, **kw: object) -> GmailClient:
    creds = creds or fake.credentials(REP, {GMAIL_READ, GMAIL_SEND})
    return GmailClient(creds, endpoint=fake.gmail_endpoint, **kw)  # type: ignore[arg-type]


def inbound(subject: str, mid: str, refs: str = "") -> bytes:
    lines = ["From: Dana <dana@prospect.test>", f"To: {REP}", f"Subject: {subject}",
             f"Message-ID: {mid}", "Date: Tue, 10 Mar 2026 10:00:00 +0000"]  # fmt: skip
    if refs:
        lines.append(f"References: {refs}")
    return ("\r\n".join(lines) + "\r\n\r\nCan we talk pricing?\r\n").encode()


async def test_reply_is_sent_in_thread_with_threading_headers(google: FakeGoogle) -> None:
    gmail = client(google)
    parent_id = google.deliver(
        REP, inbound("Pricing", "<p1@prospect.test>", "<root@prospect.test>")
    )
    thread = google.mailbox(REP).messages[parent_id].thread_id
    google.mailbox(REP).send_as = [{"sendAsEmail": REP, "displayName": "Ana", "isDefault": True,
                                    "isPrimary": True, "signature": "<div>Ana<br>Acme</div>"}]  # fmt: skip
    signature = await gmail.send_as_signature()
    assert signature == "<div>Ana<br>Acme</div>"
    draft = OutgoingEmail(
        sender=Mailbox(REP, "Ana Rep"), to=(Mailbox("dana@prospect.test", "Dana Smith"),),
        subject="Pricing", body_text="Hi Dana,\n\nHere it is.", message_id=make_msgid("acme.test"),
        date=NOW, signature=Signature(html=signature),
        reply_to=ThreadRef("<p1@prospect.test>", ("<root@prospect.test>",), "Pricing"),
    )  # fmt: skip
    composed = compose(draft)
    sent_id, sent_thread = await gmail.send(base64url_raw(composed), thread)
    assert sent_thread == thread
    stored = google.mailbox(REP).messages[sent_id]
    assert stored.raw == composed.raw and stored.label_ids == ["SENT"]
    msg = email.message_from_bytes(stored.raw, policy=compat32)
    assert msg["In-Reply-To"] == "<p1@prospect.test>"
    assert msg["References"].split() == ["<root@prospect.test>", "<p1@prospect.test>"]
    assert msg["Subject"] == "Re: Pricing"
    sent = google.requests[-1]
    assert sent.route == "gmail.messages.send" and sent.json()["threadId"] == thread
    assert sent.headers["Authorization"].startswith("Bearer ya29.")
    # exactly-once recovery: the Message-ID finds it in Sent; an unsent one finds nothing
    assert await gmail.find_sent_by_message_id(composed.message_id) == sent_id
    assert await gmail.find_sent_by_message_id(composed.message_id.strip("<>")) == sent_id
    assert await gmail.find_sent_by_message_id(make_msgid("acme.test")) is None
    listed = google.requests[-1]
    assert listed.query["labelIds"] == "SENT" and listed.query["q"].startswith("rfc822msgid:")
    assert listed.query["includeSpamTrash"] == "true"  # a trashed sent mail still counts


async def test_history_pages_raw_fetch_and_expiry(google: FakeGoogle) -> None:
    gmail = client(google)
    start = (await gmail.watch("projects/p/topics/gmail")).history_id
    assert google.mailbox(REP).watch_topic == "projects/p/topics/gmail"
    ids = [google.deliver(REP, inbound(f"n{i}", f"<m{i}@prospect.test>")) for i in range(3)]
    await gmail.send(base64url_raw(inbound("out", "<o@acme.test>")))  # SENT, not INBOX
    page = await gmail.history_since(start)
    assert page.message_ids == tuple(ids)
    assert int(page.history_id) > int(start)
    assert (await gmail.history_since(page.history_id)).message_ids == ()
    assert await gmail.get_message_raw(ids[1]) == inbound("n1", "<m1@prospect.test>")
    with pytest.raises(GoogleNotFound):
        await gmail.get_message_raw("nope")
    google.expire_history(REP)
    with pytest.raises(HistoryExpired):
        await gmail.history_since(start)
    await gmail.stop()
    assert google.mailbox(REP).watch_topic is None


async def test_errors_are_typed(google: FakeGoogle) -> None:
    gmail = client(google)
    raw = base64url_raw(inbound("x", "<x@acme.test>"))
    google.fail_next("gmail.messages.send", 429, retry_after="7")
    with pytest.raises(GoogleRateLimited) as rl:
        await gmail.send(raw)
    assert rl.value.retry_after == 7.0
    google.fail_next(
        "gmail.messages.send", 403, reason="userRateLimitExceeded", domain="usageLimits"
    )
    with pytest.raises(GoogleRateLimited) as rl2:
        await gmail.send(raw)
    assert rl2.value.retry_after is None and rl2.value.status == 403
    google.fail_next("gmail.messages.send", 503)
    with pytest.raises(GoogleUnavailable):
        await gmail.send(raw)
    assert google.mailbox(REP).sent == []  # none of the failures stored a message
    await gmail.send(raw)
    assert len(google.mailbox(REP).sent) == 1


async def test_expired_token_is_refreshed_and_handed_back(google: FakeGoogle) -> None:
    stored: list[str] = []

    async def on_refresh(creds: Credentials) -> None:
        stored.append(creds.token)

    creds = google.credentials(REP, {GMAIL_READ, GMAIL_SEND})
    gmail = client(google, creds, on_refresh=on_refresh)
    google.expire_access_tokens()  # Google says 401; AuthorizedHttp refreshes and retries once
    assert await gmail.send_as_signature() is None
    assert stored == [creds.token] and creds.token.startswith("ya29.")
    assert [r.route for r in google.requests].count("/token") == 1
    google._refresh[creds.refresh_token]["revoked"] = True  # the rep removed access
    google.expire_access_tokens()
    with pytest.raises(GoogleAuthError):
        await gmail.send_as_signature()


async def test_concurrent_calls_each_get_their_own_connection(google: FakeGoogle) -> None:
    gmail = client(google)
    raws = [base64url_raw(inbound(f"c{i}", f"<c{i}@acme.test>")) for i in range(8)]
    results = await asyncio.gather(*(gmail.send(r) for r in raws))
    assert len({mid for mid, _ in results}) == 8
    got = sorted(base64.urlsafe_b64encode(m.raw).decode() for m in google.mailbox(REP).sent)
    assert got == sorted(raws)


async def test_unreachable_google_is_unavailable() -> None:
    fake = await FakeGoogle().start()
    creds = fake.credentials(REP, {GMAIL_READ})
    endpoint = fake.gmail_endpoint
    await fake.stop()
    with pytest.raises(GoogleUnavailable):
        await GmailClient(creds, endpoint=endpoint, timeout_s=2).send_as_signature()
