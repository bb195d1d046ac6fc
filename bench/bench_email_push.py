"""Inbound email: time from a Gmail push notification to the reply draft in the rep's DM.

`push_to_draft`: the running app (sandbox Slack in process, offline engine, SQLite, 2 workers)
with the fake Google on loopback. Each sample delivers one `needs_response` email to the
rep's mailbox, POSTs a signed Pub/Sub push to `/webhooks/gmail`, and stops the clock when the
approval message (Send / Edit / Skip) is in the rep's sandbox DM: push verification,
history.list, messages.get, parse, store, classify, draft, gate, chat.postMessage. Samples run
one after another (p50, p99 in ms).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from bench.common import emit, percentile

SAMPLES = 50
PUBLIC = "https://sixty.example"
ALEX = "U0SXALEX01"


async def _seed(url: str) -> None:
    from sqlmodel import select

    from storage.demo import seed_demo
    from storage.engine import Database
    from storage.migrate import upgrade
    from storage.models import UserPreferences

    upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=datetime.now(UTC))
    async with db.transaction() as s:  # no quiet hours or hourly cap: time the path, not policy
        for prefs in (await s.exec(select(UserPreferences))).all():
            prefs.quiet_hours_start = prefs.quiet_hours_end = None
            prefs.max_notifications_per_hour = 10_000
            s.add(prefs)
    await db.dispose()


def _mail(sender: tuple[str, str], rep: str, i: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"{sender[0]} <{sender[1]}>"
    m["To"] = rep
    m["Subject"] = f"Question {i}"
    m["Date"] = format_datetime(datetime.now(UTC))
    m["Message-ID"] = make_msgid(domain="prospect.test")
    m.set_content("Could you tell me how your Salesforce integration handles custom objects?")
    return bytes(m)


async def push_to_draft(tmp: Path, samples: int = SAMPLES) -> list[float]:
    from cryptography.fernet import Fernet
    from sqlmodel import col, select

    from app import Runtime
    from blocks.ids import ApprovalAction
    from bot.webhooks import gmail_push
    from config import load_settings
    from connectors.google_oauth import GMAIL_READONLY
    from storage import connections
    from storage.crypto import TokenCipher
    from storage.models import Contact, Deal, MailboxState, User
    from tests.fakes.google_server import FakeGoogle

    url = f"sqlite:///{tmp / 'push.db'}"
    await _seed(url)
    google = await FakeGoogle().start()
    key = Fernet.generate_key()
    settings = load_settings(
        database_url=url, port=0, sandbox_port=0, data_dir=tmp, log_level="WARNING", workers=2,
        public_base_url=PUBLIC, google_api_base=google.url, google_client_id=FakeGoogle.CLIENT_ID,
        google_client_secret=FakeGoogle.CLIENT_SECRET, encryption_key=key.decode(),
    )  # fmt: skip
    app = Runtime(settings)
    await app.start()
    assert app.db is not None
    sb = app.sandbox
    try:
        async with app.db.transaction() as s:
            alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
            _, contact = (
                await s.exec(
                    select(Deal, Contact)
                    .join(Contact, col(Contact.id) == col(Deal.primary_contact_id))
                    .where(Deal.owner_id == alex.id, col(Contact.email).is_not(None))
                )
            ).first()  # type: ignore[misc]
            creds = google.credentials(alex.email, {GMAIL_READONLY})
            conn = await connections.save_connection(
                s, cipher=TokenCipher(key), org_id=alex.org_id, user_id=alex.id or 0,
                provider="google", tokens={"access_token": creds.token,
                                           "refresh_token": creds.refresh_token},
                scopes=[GMAIL_READONLY], expires_at=None, account_email=alex.email,
            )  # fmt: skip
            box = google.mailbox(alex.email)
            s.add(MailboxState(connection_id=conn.id, history_id=str(box.oldest_history_id)))
            rep, sender = alex.email, (contact.name, contact.email or "")

        def gates() -> int:
            return sum(
                1
                for m in sb.dm_messages(ALEX)
                for b in m.get("blocks") or []
                if b.get("type") == "actions"
                and any(e.get("action_id") == ApprovalAction.APPROVE for e in b.get("elements", []))
            )

        latencies: list[float] = []
        for i in range(samples + 3):  # the first 3 warm up imports and connections
            before = gates()
            google.deliver(rep, _mail(sender, rep, i))
            started = time.perf_counter()
            resp = await google.push_gmail(
                app.urls["web"] + gmail_push.PATH, rep, 10_000_000 + i,
                audience=PUBLIC + gmail_push.PATH,
            )  # fmt: skip
            if resp.status != 204:
                raise RuntimeError(f"push refused: HTTP {resp.status}")
            await sb.wait_for(lambda before=before: gates() > before, timeout=30)
            if i >= 3:
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        await app.stop()
        await google.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        lat = asyncio.run(push_to_draft(Path(d)))
    note = "sandbox + fake Google, offline engine, SQLite, sequential"
    emit("push_to_draft", "p50_ms", percentile(lat, 50), "ms", n=len(lat), note=note)
    emit("push_to_draft", "p99_ms", percentile(lat, 99), "ms", n=len(lat), note=note)


if __name__ == "__main__":
    main()
