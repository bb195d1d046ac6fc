"""HubSpot two-way sync: the org's CRM connection, links between Sixty rows and HubSpot
records, and inbound events seen (de-duplication).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "crm_connections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False, unique=True),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("portal_id", sa.String(), nullable=False),
        sa.Column("auth_kind", sa.String(), nullable=False),
        sa.Column("access_token_sealed", sa.Text(), nullable=True),
        sa.Column("refresh_token_sealed", sa.Text(), nullable=True),
        _ts("access_expires_at", nullable=True),
        sa.Column("scopes", _JSON, nullable=False),
        sa.Column("connected_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _ts("connected_at"),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_detail", sa.String(), nullable=True),
        sa.Column("import_status", sa.String(), nullable=False),
        sa.Column("import_progress", _JSON, nullable=False),
        _ts("import_started_at", nullable=True),
        _ts("import_finished_at", nullable=True),
        sa.Column("journal_offset", sa.String(), nullable=True),
        _ts("last_sync_at", nullable=True),
        sa.Column("settings", _JSON, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "crm_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("object_type", sa.String(), nullable=False),
        sa.Column("sixty_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("org_id", "object_type", "sixty_id", name="uq_crm_links_sixty"),
        sa.UniqueConstraint("org_id", "object_type", "external_id", name="uq_crm_links_external"),
    )
    op.create_table(
        "crm_inbound_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        _ts("received_at"),
        _ts("processed_at", nullable=True),
        sa.UniqueConstraint("org_id", "event_id", name="uq_crm_inbound_events_event"),
    )


def downgrade() -> None:
    op.drop_table("crm_inbound_events")
    op.drop_table("crm_links")
    op.drop_table("crm_connections")
