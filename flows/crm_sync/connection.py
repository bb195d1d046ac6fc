"""A `HubSpotClient` for an org's stored connection: the sealed tokens revealed into memory, an
OAuth access token (30 minutes) refreshed with the refresh token and stored sealed again, a
service key used as is. Also connecting with a service key (verified against the portal
before it is stored) and the sync context (owners mapped to Sixty users by email, the portal's
deal stages) the import and the inbound path share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from connectors.hubspot import DEFAULT_BASE_URL, HubSpotClient, OAuthToken, StaticToken
from connectors.hubspot_models import TokenGrant
from skills.crm_field_map import SyncContext, stage_infos
from storage import hubspot
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.hubspot_models import CrmConnection
from storage.models import User

Clock = Callable[[], float]


class NotConnected(Exception):
    """The org has no active HubSpot connection."""


def api_base(settings: Any) -> str:
    return getattr(settings, "hubspot_api_base", None) or DEFAULT_BASE_URL


def client_for(row: CrmConnection, *, db: Database, settings: Any, cipher: TokenCipher,
               clock: Clock | None = None, **kw: Any) -> HubSpotClient:  # fmt: skip
    """A client for the connection `row` (active). OAuth refreshes are stored sealed."""
    if row.status != hubspot.ACTIVE:
        raise NotConnected("HubSpot is not connected for this workspace")
    creds = hubspot.credentials(row, cipher)
    if not creds.access_token:
        raise NotConnected("the stored HubSpot token cannot be read; reconnect HubSpot")
    org_id = row.org_id
    share = float(hubspot.sync_settings(row)["daily_budget_share"])
    token: Any
    if creds.auth_kind == hubspot.OAUTH:

        async def store(grant: TokenGrant) -> None:
            async with db.transaction() as s:
                fresh = await hubspot.get_connection(s, org_id)
                if fresh is not None and fresh.status == hubspot.ACTIVE:
                    await hubspot.store_refreshed_token(
                        s, fresh, cipher=cipher, access_token=grant.access_token,
                        refresh_token=grant.refresh_token, expires_at=grant.expires_at,
                        now=datetime.fromtimestamp((clock or time.time)(), tz=UTC),
                    )  # fmt: skip

        expires = creds.expires_at or datetime.fromtimestamp((clock or time.time)(), tz=UTC)
        grant = TokenGrant(creds.access_token, creds.refresh_token, expires,
                           int(row.portal_id), tuple(row.scopes))  # fmt: skip
        token = OAuthToken(client_id=settings.hubspot_client_id or "",
                           client_secret=settings.hubspot_client_secret or "", grant=grant,
                           on_refresh=store)  # fmt: skip
    else:
        token = StaticToken(creds.access_token)
    return HubSpotClient(token, portal_id=int(row.portal_id), base_url=api_base(settings),
                         daily_share=share, clock=clock, **kw)  # fmt: skip


async def client_for_org(db: Database, settings: Any, cipher: TokenCipher, org_id: int, *,
                         clock: Clock | None = None, **kw: Any) -> HubSpotClient:  # fmt: skip
    async with db.session() as s:
        row = await hubspot.get_connection(s, org_id)
    if row is None:
        raise NotConnected("HubSpot is not connected for this workspace")
    return client_for(row, db=db, settings=settings, cipher=cipher, clock=clock, **kw)


async def connect_service_key(db: Database, settings: Any, cipher: TokenCipher, *, org_id: int,
                              key: str, connected_by: int | None, now: datetime,
                              clock: Clock | None = None) -> CrmConnection:  # fmt: skip
    """Verify `key` against HubSpot (account details name the portal), then store it sealed.
    Raises the connector's `HubSpotAuthError` when HubSpot refuses the key."""
    client = HubSpotClient(StaticToken(key.strip()), base_url=api_base(settings), clock=clock)
    details = await client.account_details()
    portal = str(details.get("portalId") or "")
    if not portal:
        raise NotConnected("HubSpot did not name the portal for this key")
    async with db.transaction() as s:
        return await hubspot.save_connection(
            s, cipher=cipher, org_id=org_id, portal_id=portal, auth_kind=hubspot.SERVICE_KEY,
            access_token=key.strip(), refresh_token=None, expires_at=None, scopes=(),
            connected_by=connected_by, now=now,
        )  # fmt: skip


async def sync_context(db: Database, client: HubSpotClient, org_id: int) -> SyncContext:
    """HubSpot owners mapped to the org's Sixty users by email (case-insensitive), and every
    deal stage of the portal with the Sixty stage it maps to."""
    owners = await client.owners()
    pipelines = await client.pipelines("deals")
    async with db.session() as s:
        users = (await s.exec(select(User.id, User.email).where(User.org_id == org_id))).all()
    by_email = {(email or "").lower(): uid for uid, email in users if email and uid is not None}
    mapping = {o.id: by_email[o.email] for o in owners if o.email and o.email in by_email}
    return SyncContext(
        owner_to_user=mapping, stages=tuple(stage_infos(pipelines)), owners_seen=len(owners)
    )
