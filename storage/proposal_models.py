"""The SQLModel tables of proposals: the org's library (templates, price book, case studies,
content, settings) and the proposals made from it (drafts, frozen snapshots, share links, views).

Org-scoped: every library row is keyed by `(org_id, id)`. Money is stored as decimal text (no
float ever touches a price). A snapshot is immutable once written: nothing updates it.
Registered on `SQLModel.metadata` by `storage.models` (which imports this module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, Text, event
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_type=JSONType)


# --------------------------------------------------------------------------- the library


class LibraryTemplate(SQLModel, table=True):
    __tablename__ = "library_templates"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    id: str = Field(primary_key=True)
    name: str
    when: dict[str, Any] = _json()
    sections: list[dict[str, Any]] = _json(list)
    position: int = 0


class LibraryPriceItem(SQLModel, table=True):
    __tablename__ = "library_price_items"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    sku: str = Field(primary_key=True)
    name: str
    unit_price: str  # a Decimal as text
    currency: str
    unit: str  # seat/year | year | one-off
    tier: bool = False
    features: list[str] = _json(list)
    synonyms: list[str] = _json(list)
    position: int = 0


class LibraryCaseStudy(SQLModel, table=True):
    __tablename__ = "library_case_studies"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    id: str = Field(primary_key=True)
    title: str
    industry: str
    summary: str = Field(default="", sa_type=Text)
    metrics: list[str] = _json(list)
    position: int = 0


class LibraryContent(SQLModel, table=True):
    __tablename__ = "library_content"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    id: str = Field(primary_key=True)
    title: str
    tags: list[str] = _json(list)
    url: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = Field(default=None, sa_type=LargeBinary)
    content_type: str | None = None
    position: int = 0


class LibrarySettings(SQLModel, table=True):
    __tablename__ = "library_settings"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    discount_limit: str = "0.15"  # a Decimal share as text
    brand_colour: str = ""  # "#rrggbb" for the proposal pages, "" for the default
    updated_at: datetime = _ts()


# --------------------------------------------------------------------------- proposals


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deals.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    source: str  # meeting | email | command
    status: str = "draft"  # draft | awaiting_manager | approved | sent | skipped
    draft: dict[str, Any] = _json()
    version: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ProposalSnapshot(SQLModel, table=True):
    """The proposal exactly as sent: written once, never updated."""

    __tablename__ = "proposal_snapshots"
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals.id", index=True)
    version: int
    html: str = Field(sa_type=Text)
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    sha256: str
    created_at: datetime = _ts()


class SnapshotImmutable(Exception):
    """Raised on an attempt to change a written snapshot."""


@event.listens_for(ProposalSnapshot, "before_update")
def _refuse_snapshot_update(_mapper: Any, _connection: Any, target: ProposalSnapshot) -> None:
    raise SnapshotImmutable(f"proposal snapshot {target.id} is immutable")


class ProposalLink(SQLModel, table=True):
    __tablename__ = "proposal_links"
    token: str = Field(primary_key=True)
    snapshot_id: int = Field(foreign_key="proposal_snapshots.id", index=True)
    recipient_email: str | None = None
    recipient_name: str | None = None
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProposalView(SQLModel, table=True):
    __tablename__ = "proposal_views"
    __table_args__ = (Index("ix_proposal_views_token_session", "link_token", "session_id"),)
    id: int | None = Field(default=None, primary_key=True)
    link_token: str = Field(foreign_key="proposal_links.token")
    session_id: str
    section: str  # a `data-section` key, or "_open" for the first view of a session
    seconds: int = 0
    started_at: datetime = _ts()
