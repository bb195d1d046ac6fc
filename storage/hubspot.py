"""Repository for the HubSpot sync tables (`storage.hubspot_models`): the org's CRM connection
(tokens sealed with `TokenCipher.seal`, revealed only into a `HubSpotCredentials` in memory),
the Sixty <-> HubSpot id links, and the inbound events seen. The caller owns the session:
nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.crypto import TokenCipher
from storage.hubspot_models import DEFAULT_SETTINGS, CrmConnection, CrmInboundEvent, CrmLink

ACTIVE, DISCONNECTED, ERROR = "active", "disconnected", "error"
OAUTH, SERVICE_KEY = "oauth", "service_key"
OBJECT_TYPES = ("company", "contact", "deal", "note", "task", "meeting")


@dataclass(frozen=True)
class HubSpotCredentials:
    """The revealed tokens of a connection (keep in memory only)."""

    auth_kind: str
    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None


async def get_connection(session: AsyncSession, org_id: int) -> CrmConnection | None:
    stmt = select(CrmConnection).where(CrmConnection.org_id == org_id)
    return (await session.exec(stmt)).first()


async def active_connections(session: AsyncSession) -> list[CrmConnection]:
    stmt = select(CrmConnection).where(CrmConnection.status == ACTIVE)
    return list((await session.exec(stmt)).all())


async def connection_by_portal(session: AsyncSession, portal_id: str) -> CrmConnection | None:
    """The active connection of a HubSpot portal (webhook events name the portal, not the org)."""
    stmt = select(CrmConnection).where(
        CrmConnection.portal_id == str(portal_id), CrmConnection.status == ACTIVE
    )
    return (await session.exec(stmt)).first()


async def save_connection(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    org_id: int,
    portal_id: str,
    auth_kind: str,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    scopes: Iterable[str],
    connected_by: int | None,
    now: datetime,
) -> CrmConnection:
    """Create or replace the org's connection (a reconnect keeps the row, its settings and its
    links; the import progress starts over only if the portal changed)."""
    row = await get_connection(session, org_id)
    if row is None:
        row = CrmConnection(org_id=org_id, portal_id=str(portal_id), auth_kind=auth_kind)
    elif row.portal_id != str(portal_id):
        row.import_status, row.import_progress, row.journal_offset = "not_started", {}, None
    row.portal_id, row.auth_kind = str(portal_id), auth_kind
    row.access_token_sealed = cipher.seal(access_token)
    row.refresh_token_sealed = cipher.seal(refresh_token) if refresh_token else None
    row.access_expires_at = expires_at
    row.scopes = sorted(set(scopes))
    row.connected_by, row.connected_at, row.updated_at = connected_by, now, now
    row.status, row.status_detail = ACTIVE, None
    session.add(row)
    await session.flush()
    return row


def credentials(row: CrmConnection, cipher: TokenCipher) -> HubSpotCredentials:
    return HubSpotCredentials(
        auth_kind=row.auth_kind,
        access_token=cipher.reveal(row.access_token_sealed),
        refresh_token=cipher.reveal(row.refresh_token_sealed),
        expires_at=row.access_expires_at,
    )


async def store_refreshed_token(
    session: AsyncSession,
    row: CrmConnection,
    *,
    cipher: TokenCipher,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime,
    now: datetime,
) -> None:
    row.access_token_sealed = cipher.seal(access_token)
    if refresh_token:
        row.refresh_token_sealed = cipher.seal(refresh_token)
    row.access_expires_at, row.updated_at = expires_at, now
    session.add(row)
    await session.flush()


async def set_status(
    session: AsyncSession, row: CrmConnection, status: str, *, now: datetime, detail: str | None
) -> None:
    row.status, row.status_detail, row.updated_at = status, detail, now
    session.add(row)
    await session.flush()


async def disconnect(session: AsyncSession, org_id: int, *, now: datetime) -> bool:
    """Stop syncing: the tokens are dropped, the row (settings, links, imported records) stays.
    False if the org had no active connection."""
    row = await get_connection(session, org_id)
    if row is None or row.status == DISCONNECTED:
        return False
    row.access_token_sealed = row.refresh_token_sealed = None
    row.access_expires_at = None
    row.status, row.status_detail, row.updated_at = DISCONNECTED, None, now
    session.add(row)
    await session.flush()
    return True


def sync_settings(row: CrmConnection | None) -> dict[str, Any]:
    """The org's sync settings with the defaults filled in."""
    merged = {**DEFAULT_SETTINGS, "field_map": {}}
    if row is not None:
        merged.update(row.settings or {})
    return merged


async def update_settings(
    session: AsyncSession, row: CrmConnection, changes: dict[str, Any], *, now: datetime
) -> None:
    row.settings = {**sync_settings(row), **changes}
    row.updated_at = now
    session.add(row)
    await session.flush()


async def record_import_progress(
    session: AsyncSession,
    row: CrmConnection,
    *,
    status: str,
    progress: dict[str, Any],
    now: datetime,
) -> None:
    """`status`: running | done | failed; `progress`: {"phase", "done": {...}, ...}."""
    if status == "running" and row.import_status != "running":
        row.import_started_at, row.import_finished_at = now, None
    if status in ("done", "failed"):
        row.import_finished_at = now
    if status == "done":
        row.last_sync_at = now
    row.import_status, row.import_progress, row.updated_at = status, dict(progress), now
    session.add(row)
    await session.flush()


async def set_journal_offset(
    session: AsyncSession, row: CrmConnection, offset: str | None, *, now: datetime
) -> None:
    row.journal_offset, row.last_sync_at, row.updated_at = offset, now, now
    session.add(row)
    await session.flush()


async def mark_synced(session: AsyncSession, row: CrmConnection, *, now: datetime) -> None:
    row.last_sync_at = row.updated_at = now
    session.add(row)
    await session.flush()


# --------------------------------------------------------------------------- links


async def link(
    session: AsyncSession, org_id: int, object_type: str, sixty_id: int, external_id: str
) -> None:
    """Link a Sixty row to a HubSpot record; re-linking the same pair is a no-op, and a row
    linked to another record (or a record to another row) is re-pointed."""
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown CRM object type {object_type!r}")
    external_id = str(external_id)
    await session.execute(
        delete(CrmLink).where(
            col(CrmLink.org_id) == org_id,
            col(CrmLink.object_type) == object_type,
            (col(CrmLink.sixty_id) == sixty_id) | (col(CrmLink.external_id) == external_id),
        )
    )
    session.add(CrmLink(org_id=org_id, object_type=object_type, sixty_id=sixty_id,
                        external_id=external_id))  # fmt: skip
    await session.flush()


async def unlink(session: AsyncSession, org_id: int, object_type: str, sixty_id: int) -> bool:
    result = await session.execute(
        delete(CrmLink).where(
            col(CrmLink.org_id) == org_id,
            col(CrmLink.object_type) == object_type,
            col(CrmLink.sixty_id) == sixty_id,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def sixty_id_for(
    session: AsyncSession, org_id: int, object_type: str, external_id: str
) -> int | None:
    stmt = select(CrmLink.sixty_id).where(
        CrmLink.org_id == org_id,
        CrmLink.object_type == object_type,
        CrmLink.external_id == str(external_id),
    )
    return (await session.exec(stmt)).first()


async def external_id_for(
    session: AsyncSession, org_id: int, object_type: str, sixty_id: int
) -> str | None:
    stmt = select(CrmLink.external_id).where(
        CrmLink.org_id == org_id, CrmLink.object_type == object_type, CrmLink.sixty_id == sixty_id
    )
    return (await session.exec(stmt)).first()


async def links_of(session: AsyncSession, org_id: int, object_type: str) -> dict[str, int]:
    """external id -> Sixty id, for every link of one type (imports look up in bulk)."""
    stmt = select(CrmLink.external_id, CrmLink.sixty_id).where(
        CrmLink.org_id == org_id, CrmLink.object_type == object_type
    )
    return {ext: sid for ext, sid in (await session.exec(stmt)).all()}


# --------------------------------------------------------------------------- inbound events


async def mark_event_seen(
    session: AsyncSession, org_id: int, event_id: str, *, now: datetime
) -> bool:
    """True the first time `(org, event_id)` is seen; False for a retry or a replay. Uses a
    savepoint so a duplicate does not spoil the caller's transaction."""
    existing = await session.exec(
        select(CrmInboundEvent.id).where(
            CrmInboundEvent.org_id == org_id, CrmInboundEvent.event_id == str(event_id)
        )
    )
    if existing.first() is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(CrmInboundEvent(org_id=org_id, event_id=str(event_id), received_at=now))
    except IntegrityError:
        return False
    return True


async def mark_event_processed(
    session: AsyncSession, org_id: int, event_id: str, *, now: datetime
) -> None:
    stmt = select(CrmInboundEvent).where(
        CrmInboundEvent.org_id == org_id, CrmInboundEvent.event_id == str(event_id)
    )
    row = (await session.exec(stmt)).first()
    if row is not None:
        row.processed_at = now
        session.add(row)
        await session.flush()
