"""Graph change-notification subscriptions for connected Microsoft 365 reps: create them, keep
them alive, and remember them where `bot/webhooks/graph.py` looks them up.

- Inbox: `ensure_mail_subscription(db, graph, connection_id, notification_url, ...)` creates a
  `created` subscription on `/me/mailFolders('inbox')/messages` with a fresh random
  `clientState` and stores id, secret (sealed with the `cipher`, `storage.crypto`) and expiry
  in `mailbox_states` (keyed by connection).
- Calendar: `ensure_calendar_subscription(db, graph, user_id, ...)` subscribes to `/me/events`
  (`created,updated,deleted`) and stores it in `calendar_sync_states` (provider `microsoft`:
  `channel_id` = subscription id, `channel_token` = clientState, `resource_id` = resource).
- `renew_graph_subscriptions(db, graph_factory, now)` (for a cron, e.g. hourly): every stored
  Microsoft subscription expiring within `RENEW_WITHIN` (24 h), or marked due by a
  `reauthorizationRequired` lifecycle notification, is PATCHed to `now + LIFETIME` (just under
  Graph's 10,080-minute maximum for Outlook messages and events). One Graph no longer knows
  (404), or one forgotten after `subscriptionRemoved`, is re-created when `notification_url`
  is given; so is a connected mailbox (or calendar, when granted) that has none yet, so the
  cron alone keeps every rep subscribed. A grant that stopped working (401 after refresh)
  marks the connection `expired`.
  `graph_factory(connection_id)` returns a `GraphClient` (or None when the rep has no usable
  connection); it is closed here. Returns how many subscriptions were renewed or re-created.

The secrets and addresses are never logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel import col, or_, select

from connectors.graph import (
    MAX_SUBSCRIPTION_MINUTES,
    GraphAuthError,
    GraphClient,
    GraphError,
    GraphNotFound,
)
from storage.connections import ACTIVE, EXPIRED, set_status
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import CalendarSyncState, Connection, MailboxState
from storage.rows import saved_id

log = logging.getLogger(__name__)

PROVIDER = "microsoft"
WEBHOOK_PATH = "/webhooks/graph"  # bot/webhooks/graph.py serves these
LIFECYCLE_PATH = "/webhooks/graph/lifecycle"
MAIL_RESOURCE = "/me/mailFolders('inbox')/messages"
EVENTS_RESOURCE = "/me/events"
RENEW_WITHIN = timedelta(hours=24)
LIFETIME = timedelta(minutes=MAX_SUBSCRIPTION_MINUTES - 60)  # an hour of slack for clock skew

GraphFactory = Callable[[int], Awaitable[GraphClient | None]]


def new_client_state() -> str:
    return secrets.token_urlsafe(48)  # 64 chars; Graph allows 128


async def ensure_mail_subscription(
    db: Database,
    graph: GraphClient,
    connection_id: int,
    notification_url: str,
    now: datetime,
    *,
    cipher: TokenCipher,
    lifecycle_url: str | None = None,
) -> str:
    """Create the inbox subscription (replacing any stored one) and store it; its id."""
    state = new_client_state()
    sub = await graph.create_subscription(
        resource=MAIL_RESOURCE, notification_url=notification_url, client_state=state,
        expiration=now + LIFETIME, lifecycle_url=lifecycle_url, change_type="created",
    )  # fmt: skip
    async with db.transaction() as s:
        box = await s.get(MailboxState, connection_id) or MailboxState(connection_id=connection_id)
        old = box.subscription_id
        box.subscription_id, box.client_state = sub.id, cipher.seal(state)
        box.subscription_expires_at = sub.expires_at
        s.add(box)
    if old and old != sub.id:
        await _delete_quietly(graph, old)
    return sub.id


async def ensure_calendar_subscription(
    db: Database,
    graph: GraphClient,
    user_id: int,
    notification_url: str,
    now: datetime,
    *,
    cipher: TokenCipher,
    lifecycle_url: str | None = None,
) -> str:
    state = new_client_state()
    sub = await graph.create_subscription(
        resource=EVENTS_RESOURCE, notification_url=notification_url, client_state=state,
        expiration=now + LIFETIME, lifecycle_url=lifecycle_url,
        change_type="created,updated,deleted",
    )  # fmt: skip
    async with db.transaction() as s:
        row = (await s.exec(select(CalendarSyncState).where(
            CalendarSyncState.user_id == user_id, CalendarSyncState.provider == PROVIDER))).first()  # fmt: skip
        if row is None:
            row = CalendarSyncState(user_id=user_id, provider=PROVIDER)
        old = row.channel_id
        row.channel_id, row.channel_token = sub.id, cipher.seal(state)
        row.resource_id, row.expires_at = EVENTS_RESOURCE, sub.expires_at
        row.updated_at = now
        s.add(row)
    if old and old != sub.id:
        await _delete_quietly(graph, old)
    return sub.id


async def _delete_quietly(graph: GraphClient, sub_id: str) -> None:
    try:
        await graph.delete_subscription(sub_id)
    except GraphError as exc:
        log.info("old graph subscription not deleted", extra={"status": exc.status})


async def renew_graph_subscriptions(
    db: Database,
    graph_factory: GraphFactory,
    now: datetime,
    *,
    cipher: TokenCipher,
    notification_url: str | None = None,
    lifecycle_url: str | None = None,
    within: timedelta = RENEW_WITHIN,
) -> int:
    """Renew (or re-create) every Microsoft subscription that needs it; see the module doc."""
    due = now + within
    async with db.session() as s:
        boxes = (
            await s.exec(
                select(MailboxState, Connection)
                .join(Connection, col(Connection.id) == MailboxState.connection_id)
                .where(
                    Connection.provider == PROVIDER,
                    Connection.status == ACTIVE,
                    or_(
                        col(MailboxState.subscription_id).is_(None),
                        col(MailboxState.subscription_expires_at).is_(None),
                        col(MailboxState.subscription_expires_at) <= due,
                    ),
                )
            )
        ).all()
        cals = (
            await s.exec(
                select(CalendarSyncState, Connection)
                .join(Connection, col(Connection.user_id) == CalendarSyncState.user_id)
                .where(
                    CalendarSyncState.provider == PROVIDER,
                    Connection.provider == PROVIDER,
                    Connection.status == ACTIVE,
                    or_(
                        col(CalendarSyncState.channel_id).is_(None),
                        col(CalendarSyncState.expires_at).is_(None),
                        col(CalendarSyncState.expires_at) <= due,
                    ),
                )
            )
        ).all()
        fresh: list[tuple[str, object, Connection]] = []
        if notification_url:  # connected but never subscribed: subscribe now
            conns = (await s.exec(select(Connection).where(
                Connection.provider == PROVIDER, Connection.status == ACTIVE))).all()  # fmt: skip
            have_box = set((await s.exec(select(MailboxState.connection_id))).all())
            have_cal = set((await s.exec(select(CalendarSyncState.user_id).where(
                CalendarSyncState.provider == PROVIDER))).all())  # fmt: skip
            for conn in conns:
                scopes = {x.lower() for x in conn.scopes or ()}
                if conn.id not in have_box and scopes & {"mail.read", "mail.readwrite"}:
                    fresh.append(("mail", MailboxState(connection_id=saved_id(conn)), conn))
                if (conn.user_id is not None and conn.user_id not in have_cal
                        and any(x.startswith("calendars.") for x in scopes)):  # fmt: skip
                    fresh.append(("calendar",
                                  CalendarSyncState(user_id=conn.user_id, provider=PROVIDER), conn))  # fmt: skip
    work: dict[int, list[tuple[str, object]]] = {}
    for kind, row, conn in fresh:
        assert conn.id is not None
        work.setdefault(conn.id, []).append((kind, row))
    for box, conn in boxes:
        assert conn.id is not None
        work.setdefault(conn.id, []).append(("mail", box))
    for cal, conn in cals:
        assert conn.id is not None
        work.setdefault(conn.id, []).append(("calendar", cal))
    done = 0
    for conn_id, jobs in work.items():
        graph = await graph_factory(conn_id)
        if graph is None:
            continue
        try:
            for kind, row in jobs:
                done += await _renew_one(db, graph, conn_id, kind, row, now,
                                         notification_url, lifecycle_url, cipher)  # fmt: skip
        except GraphAuthError:
            log.info("graph grant expired during renewal", extra={"connection_id": conn_id})
            async with db.transaction() as s:
                await set_status(s, connection_id=conn_id, status=EXPIRED)
        except GraphError as exc:  # rate limits, outages: the next pass tries again
            log.info("graph subscription renewal failed", extra={
                "connection_id": conn_id, "status": exc.status, "code": exc.code})  # fmt: skip
        finally:
            await graph.aclose()
    return done


async def _renew_one(db: Database, graph: GraphClient, conn_id: int, kind: str, row: object,
                     now: datetime, notification_url: str | None,
                     lifecycle_url: str | None, cipher: TokenCipher) -> int:  # fmt: skip
    sub_id = row.subscription_id if isinstance(row, MailboxState) else (
        row.channel_id if isinstance(row, CalendarSyncState) else None)  # fmt: skip
    if sub_id:
        try:
            sub = await graph.renew_subscription(sub_id, now + LIFETIME)
        except GraphNotFound:
            log.info("graph subscription gone; re-creating", extra={"connection_id": conn_id})
        else:
            async with db.transaction() as s:
                if isinstance(row, MailboxState):
                    box = await s.get(MailboxState, row.connection_id)
                    if box is not None and box.subscription_id == sub_id:
                        box.subscription_expires_at = sub.expires_at
                        s.add(box)
                elif isinstance(row, CalendarSyncState):
                    cal = await s.get(CalendarSyncState, row.id)
                    if cal is not None and cal.channel_id == sub_id:
                        cal.expires_at = sub.expires_at
                        cal.updated_at = now
                        s.add(cal)
            return 1
    if not notification_url:
        return 0
    if isinstance(row, MailboxState):
        await ensure_mail_subscription(db, graph, conn_id, notification_url, now,
                                       cipher=cipher, lifecycle_url=lifecycle_url)  # fmt: skip
    elif isinstance(row, CalendarSyncState):
        await ensure_calendar_subscription(db, graph, row.user_id, notification_url, now,
                                           cipher=cipher, lifecycle_url=lifecycle_url)  # fmt: skip
    return 1
