"""Clients for reading a connected rep's inbox, built from the stored connection.

`gmail_client_for(db, settings, connection_id)` -> `GmailClient` (refreshed tokens are written
back, encrypted); `graph_client_for(db, settings, connection_id)` -> `GraphClient` or None when
the Microsoft connection is gone or unusable (the caller closes it). Both raise nothing about
addresses into logs.
"""

from __future__ import annotations

from typing import Any

from connectors.gmail import GmailClient
from connectors.graph import GraphClient
from storage.engine import Database


async def gmail_client_for(db: Database, settings: Any, connection_id: int) -> GmailClient:
    """A GmailClient for the stored Google connection; LookupError when it is gone or inactive."""
    from connectors.google_oauth import GoogleOAuth, expires_at_of
    from connectors.mailbox import cipher_for, google_endpoints
    from storage import connections

    cipher = cipher_for(settings)
    async with db.session() as s:
        conn = await connections.connection_by_id(s, cipher=cipher, connection_id=connection_id)
    if conn is None or conn.status != connections.ACTIVE:
        raise LookupError("mailbox connection is gone or inactive")
    endpoints = google_endpoints(settings)
    oauth = GoogleOAuth(settings.google_client_id or "", settings.google_client_secret or "", "",
                        endpoints=endpoints)  # fmt: skip
    creds = oauth.credentials_from_blob(conn.tokens, conn.scopes)

    async def on_refresh(fresh: Any) -> None:
        async with db.transaction() as s:
            await connections.update_tokens(s, cipher=cipher, connection_id=connection_id,
                                            access_token=fresh.token,
                                            expires_at=expires_at_of(fresh))  # fmt: skip

    return GmailClient(creds, endpoint=endpoints.gmail_api, on_refresh=on_refresh)


async def graph_client_for(db: Database, settings: Any, connection_id: int) -> GraphClient | None:
    """A GraphClient for the stored Microsoft connection; None when there is no usable one."""
    from connectors.graph_adapters import client_for_connection

    try:
        return await client_for_connection(db, settings, connection_id)
    except LookupError:
        return None
