"""Microsoft 365 behind the provider-neutral interfaces the flows use, so Gmail/Google Calendar
and Outlook/Graph are treated alike.

- `microsoft_oauth_for(settings)` -> `MicrosoftOAuth` (None without MICROSOFT_CLIENT_ID), with
  the authority from MICROSOFT_AUTHORITY_BASE when set (MSAL needs https; a private CA is
  trusted through REQUESTS_CA_BUNDLE).
- `client_for_connection(db, settings, connection_id)` -> `GraphClient` for a stored
  Microsoft connection, base URL from GRAPH_API_BASE, refreshing (and storing the rotated
  tokens) on a 401. The caller closes it (`aclose()`). Also reachable as
  `connectors.graph.client_for_connection`.
- The Outlook mailbox and calendar providers themselves are `connectors.mailbox.GraphMailbox`
  and `connectors.calendar.GraphCalendar`.
- Subscriptions with settings: `webhook_urls(settings)` (under PUBLIC_BASE_URL; None without
  one: use the polling fallback), `subscribe_connection(db, settings, connection_id, now)`
  (inbox, plus calendar when granted; call it after a connect), `graph_factory_for(db,
  settings)` and `renew_all(db, settings, now)` — the one call a cron needs.
Nothing here logs addresses, subjects or bodies.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from connectors.graph import (
    GRAPH_BASE,
    GraphClient,
)
from connectors.microsoft_oauth import PROVIDER, MicrosoftOAuth, has_scope
from storage.connections import ACTIVE, StoredConnection, connection_by_id
from storage.engine import Database

log = logging.getLogger(__name__)

SYNC_PAST = timedelta(days=30)
SYNC_AHEAD = timedelta(days=120)


def _cipher(settings: Any) -> Any:
    from storage.crypto import TokenCipher, load_key

    return TokenCipher(load_key(settings.encryption_key, settings.data_dir))


def _redirect(settings: Any) -> str:
    base = (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/oauth/microsoft/callback"


def microsoft_oauth_for(settings: Any) -> MicrosoftOAuth | None:
    if not settings.microsoft_client_id:
        return None
    extra: dict[str, Any] = {}
    if getattr(settings, "microsoft_authority_base", None):
        extra["authority_base"] = settings.microsoft_authority_base
    return MicrosoftOAuth(settings.microsoft_client_id, settings.microsoft_client_secret or "",
                          _redirect(settings), tenant=settings.microsoft_tenant, **extra)  # fmt: skip


def graph_base_for(settings: Any) -> str:
    return str(getattr(settings, "graph_api_base", None) or GRAPH_BASE)


def client_from(db: Database, settings: Any, conn: StoredConnection) -> GraphClient:
    oauth = microsoft_oauth_for(settings)
    refresh = oauth.refresher(db, _cipher(settings), conn) if oauth is not None else None
    return GraphClient(str(conn.tokens.get("access_token") or ""),
                       base_url=graph_base_for(settings), refresh=refresh)  # fmt: skip


async def client_for_connection(db: Database, settings: Any, connection_id: int) -> GraphClient:
    async with db.session() as s:
        conn = await connection_by_id(s, cipher=_cipher(settings), connection_id=connection_id)
    if conn is None or conn.provider != PROVIDER:
        raise LookupError("no Microsoft connection with that id")
    if conn.status != ACTIVE or not conn.tokens.get("access_token"):
        raise LookupError("the Microsoft connection is not usable (reconnect)")
    return client_from(db, settings, conn)


# --------------------------------------------------------------------------- mail


def webhook_urls(settings: Any) -> tuple[str, str] | None:
    """(notificationUrl, lifecycleNotificationUrl) under PUBLIC_BASE_URL, or None."""
    from connectors.graph_subscriptions import LIFECYCLE_PATH, WEBHOOK_PATH

    base = getattr(settings, "public_base_url", None)
    if not base:
        return None
    base = str(base).rstrip("/")
    return base + WEBHOOK_PATH, base + LIFECYCLE_PATH


def graph_factory_for(db: Database, settings: Any) -> Any:
    """`connection_id -> GraphClient | None` for `renew_graph_subscriptions`."""

    async def factory(connection_id: int) -> GraphClient | None:
        try:
            return await client_for_connection(db, settings, connection_id)
        except LookupError:
            return None

    return factory


async def subscribe_connection(
    db: Database, settings: Any, connection_id: int, now: datetime
) -> list[str]:
    """Subscribe to the rep's inbox (and calendar when granted); [] without a public URL."""
    from connectors.graph_subscriptions import (
        ensure_calendar_subscription,
        ensure_mail_subscription,
    )

    urls = webhook_urls(settings)
    if urls is None:
        return []
    async with db.session() as s:
        conn = await connection_by_id(s, cipher=_cipher(settings), connection_id=connection_id)
    if conn is None or conn.provider != PROVIDER or conn.user_id is None:
        raise LookupError("no Microsoft connection with that id")
    made: list[str] = []
    async with client_from(db, settings, conn) as graph:
        if has_scope(conn.scopes, "Mail.Read"):
            made.append(await ensure_mail_subscription(db, graph, connection_id, urls[0], now,
                                                       cipher=_cipher(settings),
                                                       lifecycle_url=urls[1]))  # fmt: skip
        if has_scope(conn.scopes, "Calendars.Read"):
            made.append(await ensure_calendar_subscription(db, graph, conn.user_id, urls[0], now,
                                                           cipher=_cipher(settings),
                                                           lifecycle_url=urls[1]))  # fmt: skip
    return made


async def renew_all(db: Database, settings: Any, now: datetime) -> int:
    """Renew due Microsoft subscriptions (re-creating lost ones when there is a public URL)."""
    from connectors.graph_subscriptions import renew_graph_subscriptions

    urls = webhook_urls(settings)
    return await renew_graph_subscriptions(
        db, graph_factory_for(db, settings), now, cipher=_cipher(settings),
        notification_url=urls[0] if urls else None, lifecycle_url=urls[1] if urls else None,
    )  # fmt: skip
