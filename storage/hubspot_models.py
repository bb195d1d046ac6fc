"""The SQLModel tables of the HubSpot two-way sync: the org's CRM connection, the links between
Sixty rows and HubSpot records, and the inbound webhook/journal events already seen.

- `CrmConnection`: one per org. OAuth (access + refresh token) or a service key, both only sealed
  (`TokenCipher.seal`); the access token's expiry, granted scopes, who connected and when, the
  status (`active | disconnected | error`), import progress, the journal watermark (offset) and
  the org's sync settings (`protection_window_days`, `daily_budget_share`, `field_map`
  overrides).
- `CrmLink`: `(org, object_type, sixty_id) <-> (org, object_type, external_id)`, unique both
  ways, so a re-import or an inbound change finds the Sixty row by the HubSpot id and an
  outbound write finds the HubSpot id by the Sixty row.
- `CrmInboundEvent`: an inbound event id seen once per org (webhook retries and journal replay
  are dropped by it).

Registered by `storage.models`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow

DEFAULT_SETTINGS: dict[str, Any] = {
    "protection_window_days": 14,
    "daily_budget_share": 0.25,
    "field_map": {},
}


def _default_settings() -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, "field_map": {}}


class CrmConnection(SQLModel, table=True):
    __tablename__ = "crm_connections"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", unique=True)
    provider: str = "hubspot"
    portal_id: str
    auth_kind: str  # oauth | service_key
    access_token_sealed: str | None = Field(default=None, sa_type=Text)  # token or service key
    refresh_token_sealed: str | None = Field(default=None, sa_type=Text)
    access_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType)
    connected_by: int | None = Field(default=None, foreign_key="users.id")
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = "active"  # active | disconnected | error
    status_detail: str | None = None
    # import progress: {"phase": ..., "done": {"companies": n, ...}, "total": {...}}
    import_status: str = "not_started"  # not_started | running | done | failed
    import_progress: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    import_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    import_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    journal_offset: str | None = None  # the Webhooks Journal watermark
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settings: dict[str, Any] = Field(default_factory=_default_settings, sa_type=JSONType)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CrmLink(SQLModel, table=True):
    __tablename__ = "crm_links"
    __table_args__ = (
        UniqueConstraint("org_id", "object_type", "sixty_id", name="uq_crm_links_sixty"),
        UniqueConstraint("org_id", "object_type", "external_id", name="uq_crm_links_external"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    object_type: str  # company | contact | deal | note | task | meeting
    sixty_id: int
    external_id: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CrmInboundEvent(SQLModel, table=True):
    __tablename__ = "crm_inbound_events"
    __table_args__ = (UniqueConstraint("org_id", "event_id", name="uq_crm_inbound_events_event"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    event_id: str
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
