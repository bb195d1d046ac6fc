"""slack_notifications_sent: what a batched notification needs to be shown later in a digest.

A notification over the hourly cap is recorded with status `batched`, its one-line `summary`
and its `blocks`; the digest that finally shows it is named in `digest_key`. The index serves
the flush ("which users have batched items").

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_notifications_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "blocks",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("digest_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_index("ix_notifications_status_user", ["status", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_notifications_sent", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_status_user")
        batch_op.drop_column("digest_key")
        batch_op.drop_column("blocks")
        batch_op.drop_column("summary")
