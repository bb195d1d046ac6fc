"""Campaign digest settings per org (benchmarks, the A/B test's minimum lift) and the A/B
suggestions it showed each rep (their buttons' rows, "Keep testing" snoozes).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("org_settings") as batch:
        batch.add_column(
            sa.Column("campaign_benchmarks", _JSON, nullable=False, server_default="{}")
        )
        batch.add_column(
            sa.Column("campaign_min_lift", sa.Float(), nullable=False, server_default="0.5")
        )
    op.create_table(
        "campaign_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("campaign_id", sa.String(), nullable=False),
        sa.Column("campaign_name", sa.String(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("variants", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("snoozed_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_campaign_suggestions_user_id", "campaign_suggestions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_suggestions_user_id", table_name="campaign_suggestions")
    op.drop_table("campaign_suggestions")
    with op.batch_alter_table("org_settings") as batch:
        batch.drop_column("campaign_min_lift")
        batch.drop_column("campaign_benchmarks")
