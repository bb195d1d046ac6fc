"""calendar_events: an index on (deal_id, end_at), so the pipeline scan can count a meeting that
ended as the deal's last touch (a company met this morning is not "19 days quiet").

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calendar_events_deal_end", "calendar_events", ["deal_id", "end_at"])


def downgrade() -> None:
    op.drop_index("ix_calendar_events_deal_end", table_name="calendar_events")
