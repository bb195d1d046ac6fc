"""The CRM write ledger: what Sixty wrote to HubSpot (object, id, property, a hash of the
value, when), kept 24 hours, so an inbound change that is only the echo of our own write is
not applied back and triggers nothing (echo suppression).

Every outbound HubSpot write records its properties here (`record_writes`) in the same step
that made the write. `is_our_echo` answers for one inbound change: True when HubSpot says
the change came from our app (`changeSource` INTEGRATION/API with `sourceId` our app id), or
when every changed property matches a ledger row (same object, property and value hash)
written within 24 h before the change. `prune` drops rows older than the window. Values are
only stored hashed (no CRM values at rest here). The caller owns the session: nothing here
commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime, utcnow

WINDOW = timedelta(hours=24)
APP_SOURCES = frozenset({"INTEGRATION", "API"})
MODIFIED_PROPERTIES = frozenset({"hs_lastmodifieddate", "lastmodifieddate"})
# our write is stamped after HubSpot answered; HubSpot stamps the record when it applied it
MODIFIED_SLACK = timedelta(seconds=60)


class CrmWrite(SQLModel, table=True):
    __tablename__ = "crm_write_ledger"
    __table_args__ = (
        Index("ix_crm_write_ledger_object", "org_id", "object_type", "external_id", "property"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    object_type: str  # HubSpot's plural: deals | contacts | companies | notes | tasks | meetings
    external_id: str
    property: str
    value_hash: str
    written_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def value_hash(value: Any) -> str:
    """A stable hash of a property value as HubSpot reports it (None and "" are the same)."""
    text = "" if value is None else str(value).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _type(object_type: str) -> str:
    """`deal` and `deals` name the same ledger type."""
    return object_type if object_type.endswith("s") else f"{object_type}s"


async def record_writes(
    session: AsyncSession,
    *,
    org_id: int,
    object_type: str,
    external_id: str,
    properties: Mapping[str, Any],
    now: datetime,
) -> int:
    """Record the properties Sixty just wrote on one HubSpot record."""
    for name, value in properties.items():
        session.add(CrmWrite(org_id=org_id, object_type=_type(object_type),
                             external_id=str(external_id), property=name,
                             value_hash=value_hash(value), written_at=now))  # fmt: skip
    await session.flush()
    return len(properties)


def from_our_app(change_source: str | None, source_id: str | None, app_id: str | None) -> bool:
    """HubSpot's own attribution says the change came from our app."""
    if not app_id or not source_id:
        return False
    return (change_source or "").upper() in APP_SOURCES and str(source_id) == str(app_id)


async def is_our_echo(
    session: AsyncSession,
    *,
    org_id: int,
    object_type: str,
    external_id: str,
    properties: dict[str, Any],
    occurred_at: datetime | None,
    change_source: str | None = None,
    source_id: str | None = None,
    app_id: str | None = None,
) -> bool:
    """True if the HubSpot change `(object_type, external_id)` at `occurred_at` is one Sixty
    wrote itself: attributed to our app, or matched by the ledger (rows written in the 24 h
    before `occurred_at`). `properties` is either the changed properties (a webhook: each must
    match a row) or the whole re-read record (the inbound path): then every property Sixty
    wrote must still hold our value, and the record must not have been modified after our last
    write (`hs_lastmodifieddate`/`lastmodifieddate` within `MODIFIED_SLACK` of it), so a
    person's later edit of any other field is not mistaken for our echo."""
    if from_our_app(change_source, source_id, app_id):
        return True
    if not properties:
        return False
    stmt = select(CrmWrite.property, CrmWrite.value_hash, CrmWrite.written_at).where(
        CrmWrite.org_id == org_id,
        CrmWrite.object_type == _type(object_type),
        CrmWrite.external_id == str(external_id),
    )
    if occurred_at is not None:
        stmt = stmt.where(col(CrmWrite.written_at) >= occurred_at - WINDOW)
    latest: dict[str, tuple[datetime, str]] = {}
    for prop, digest, at in (await session.exec(stmt)).all():
        if prop not in latest or at >= latest[prop][0]:
            latest[prop] = (at, digest)
    tracked = [p for p in properties if p in latest]
    if not tracked or any(value_hash(properties[p]) != latest[p][1] for p in tracked):
        return False
    untracked = set(properties) - set(tracked) - MODIFIED_PROPERTIES
    if not untracked:
        return True
    modified = next((_parse(properties.get(p)) for p in MODIFIED_PROPERTIES
                     if _parse(properties.get(p)) is not None), None)  # fmt: skip
    last_write = max(at for at, _ in latest.values())
    return modified is not None and modified <= last_write + MODIFIED_SLACK


def _parse(value: Any) -> datetime | None:
    from connectors.hubspot_models import parse_time

    return parse_time(value) if value else None


async def prune(session: AsyncSession, *, now: datetime) -> int:
    """Drop ledger rows older than the 24 h window; how many went."""
    result = await session.execute(delete(CrmWrite).where(col(CrmWrite.written_at) < now - WINDOW))
    return int(getattr(result, "rowcount", 0) or 0)
