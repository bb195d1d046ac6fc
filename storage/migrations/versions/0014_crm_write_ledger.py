"""The CRM write ledger: what Sixty wrote to HubSpot (object, id, property, value hash, when),
kept 24 h for echo suppression.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_write_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("object_type", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("property", sa.String(), nullable=False),
        sa.Column("value_hash", sa.String(), nullable=False),
        sa.Column("written_at", storage.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_crm_write_ledger_object",
        "crm_write_ledger",
        ["org_id", "object_type", "external_id", "property"],
    )
    op.create_index("ix_crm_write_ledger_written_at", "crm_write_ledger", ["written_at"])


def downgrade() -> None:
    op.drop_index("ix_crm_write_ledger_written_at", table_name="crm_write_ledger")
    op.drop_index("ix_crm_write_ledger_object", table_name="crm_write_ledger")
    op.drop_table("crm_write_ledger")
