"""The nightly Instantly reply reconcile (`instantly:reconcile`, 02:30 UTC): finds what webhooks missed.

Per org with an active Instantly connection (the lowest-id one, as the webhook picks), one
`emails_since(watermark)` pass over the Unibox's received emails (at most `MAX_PAGES` pages,
each one of the 20 `GET /emails` calls a minute, paced by the client's bucket). Every received
email with no `instantly_replies` row becomes the same `instantly_reply` event the webhook would
submit (`bot.webhooks.instantly.reply_event`, same idempotency key), carrying the email's text so
no second fetch is needed; a reply the webhook already brought therefore makes no second job.
The watermark (newest email seen) is kept in the connection's `meta.reply_watermark`
(`{"last_id", "timestamp"}`), so no table is needed; an org whose pass fails keeps its old
watermark and is tried again the next night. UTC rather than each org's timezone: the pass
only catches up, its hour does not matter to a rep. No address or text is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from bot.webhooks.instantly import PROVIDER, reply_event
from connectors.instantly_connection import client_for
from connectors.instantly_models import Email, EmailWatermark
from orchestrator.crons import CronSpec
from orchestrator.events import Event
from storage.crypto import settings_cipher
from storage.instantly_models import InstantlyReply
from storage.models import Connection

log = logging.getLogger(__name__)

MAX_PAGES = 5  # 5 pages of 100: a night's replies; more waits for the next night
META_KEY = "reply_watermark"


def watermark_of(meta: dict[str, Any] | None) -> EmailWatermark | None:
    raw = (meta or {}).get(META_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return EmailWatermark(last_id=str(raw["last_id"]),
                              timestamp=datetime.fromisoformat(str(raw["timestamp"])))  # fmt: skip
    except (KeyError, ValueError):
        return None


def watermark_doc(mark: EmailWatermark) -> dict[str, str]:
    return {"last_id": mark.last_id, "timestamp": mark.timestamp.isoformat()}


async def reconcile_connections(db: Any) -> list[Connection]:
    """One active Instantly connection per org (the lowest id)."""
    async with db.session() as s:
        rows = list((await s.exec(select(Connection).where(
            Connection.provider == PROVIDER, Connection.status == "active"
        ).order_by(col(Connection.id)))).all())  # fmt: skip
    first: dict[int, Connection] = {}
    for c in rows:
        first.setdefault(c.org_id, c)
    return list(first.values())


def webhook_like(email: Email) -> dict[str, Any]:
    """The payload a `reply_received` webhook would have carried for this email."""
    stamp = email.timestamp_created.isoformat() if email.timestamp_created else ""
    return {"event_type": "reply_received", "campaign_id": email.campaign_id or "",
            "lead_email": email.lead or email.from_address_email, "email_account": email.eaccount,
            "email_id": email.id, "reply_subject": email.subject,
            "reply_text": email.body_text or email.content_preview, "timestamp": stamp}  # fmt: skip


async def known_ids(db: Any, org_id: int, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    async with db.session() as s:
        found = (await s.exec(select(InstantlyReply.instantly_email_id).where(
            InstantlyReply.org_id == org_id,
            col(InstantlyReply.instantly_email_id).in_(ids)))).all()  # fmt: skip
    return set(found)


async def reconcile_org(deps: Any, conn: Connection) -> list[Event]:
    """The missed replies of one org as events; advances its watermark."""
    assert conn.id is not None
    if conn.user_id is None:  # no one to run the job for (the webhook would not know either)
        return []
    async with deps.db.session() as s:
        client = await client_for(s, cipher=settings_cipher(deps.settings), user_id=conn.user_id,
                                  settings=deps.settings)  # fmt: skip
    if client is None:
        return []
    emails, mark = await client.emails_since(watermark_of(conn.meta), email_type="received",
                                             max_pages=MAX_PAGES)  # fmt: skip
    received = [e for e in emails if e.id and e.received]
    known = await known_ids(deps.db, conn.org_id, [e.id for e in received])
    events = [reply_event(conn.org_id, conn.user_id, webhook_like(e))
              for e in received if e.id not in known]  # fmt: skip
    if mark is not None:
        async with deps.db.transaction() as s:
            row = await s.get(Connection, conn.id)
            if row is not None:
                row.meta = {**(row.meta or {}), META_KEY: watermark_doc(mark)}
                s.add(row)
    log.info("instantly reconcile", extra={"org_id": conn.org_id, "seen": len(received),
                                           "missed": len(events)})  # fmt: skip
    return events


async def reconcile(deps: Any) -> list[Event]:
    events: list[Event] = []
    for conn in await reconcile_connections(deps.db):
        try:
            events.extend(await reconcile_org(deps, conn))
        except Exception as exc:  # one org failing must not stop the others
            log.warning("instantly reconcile failed",
                        extra={"org_id": conn.org_id, "error": type(exc).__name__})  # fmt: skip
    return events


def cron_specs(deps: Any) -> list[CronSpec]:
    async def nightly(fire: datetime) -> list[Event]:
        return await reconcile(deps)

    return [CronSpec("instantly:reconcile", CronTrigger(hour=2, minute=30, timezone="UTC"),
                     nightly)]  # fmt: skip
