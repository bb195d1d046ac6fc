"""sequence_jobs: drop `steps`. Sequences are code now (`orchestrator/workflow.py`): a job keeps
the version it started with (`sequence_version`) and what it did (`context`), not a step list.

Jobs still unfinished from the declaration engine have no code to run them: drain them before
upgrading (`sixty jobs list --status awaiting_approval`); `sixty jobs versions` shows any left.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sequence_jobs") as batch:
        batch.drop_column("steps")


def downgrade() -> None:
    with op.batch_alter_table("sequence_jobs") as batch:
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=False, server_default="[]"))
