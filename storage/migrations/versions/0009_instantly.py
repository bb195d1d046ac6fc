"""Instantly reply path: webhook deliveries (de-duplication) and campaign replies.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "instantly_webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("email_or_lead", sa.String(), nullable=False),
        sa.Column("event_timestamp", sa.String(), nullable=False),
        _ts("received_at"),
        sa.UniqueConstraint(
            "org_id", "event_type", "email_or_lead", "event_timestamp",
            name="uq_instantly_webhook_deliveries_key",
        ),
    )  # fmt: skip
    op.create_table(
        "instantly_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("campaign_id", sa.String(), nullable=True),
        sa.Column("lead_email", sa.String(), nullable=False),
        sa.Column("instantly_email_id", sa.String(), nullable=False),
        sa.Column("eaccount", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("i_status", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(), nullable=True),
        _ts("received_at"),
        _ts("routed_at", nullable=True),
        sa.UniqueConstraint("org_id", "instantly_email_id", name="uq_instantly_replies_email"),
    )
    op.create_index("ix_instantly_replies_org_id", "instantly_replies", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_instantly_replies_org_id", table_name="instantly_replies")
    op.drop_table("instantly_replies")
    op.drop_table("instantly_webhook_deliveries")
