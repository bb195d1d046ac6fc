"""Campaign digest settings per org: benchmarks and the A/B test's minimum lift.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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


def downgrade() -> None:
    with op.batch_alter_table("org_settings") as batch:
        batch.drop_column("campaign_min_lift")
        batch.drop_column("campaign_benchmarks")
