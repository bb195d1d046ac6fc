"""Call coaching: analyses per (meeting, analysis version), each rep's weekly aggregates, and the
digest schedule in user_preferences (the rep's weekly digest day and time, the manager's day).

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("user_preferences") as batch:
        batch.add_column(
            sa.Column("coaching_digest_day", sa.String(), nullable=False, server_default="fri")
        )
        batch.add_column(
            sa.Column("coaching_digest_time", sa.Time(), nullable=False, server_default="16:00:00")
        )
        batch.add_column(
            sa.Column("manager_digest_day", sa.String(), nullable=False, server_default="mon")
        )
    op.create_table(
        "coaching_analyses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("call_type", sa.String(), nullable=False),
        _ts("started_at"),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("speaker_confidence", sa.Float(), nullable=False),
        sa.Column("mapping_sure", sa.Boolean(), nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("questions", _JSON, nullable=False),
        sa.Column("objections", _JSON, nullable=False),
        sa.Column("moments", _JSON, nullable=False),
        sa.Column("skipped", _JSON, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("meeting_id", "version", name="uq_coaching_analyses_meeting_version"),
    )
    op.create_index("ix_coaching_analyses_org_id", "coaching_analyses", ["org_id"])
    op.create_index("ix_coaching_analyses_meeting_id", "coaching_analyses", ["meeting_id"])
    op.create_index(
        "ix_coaching_analyses_user_started", "coaching_analyses", ["user_id", "started_at"]
    )
    op.create_table(
        "coaching_weekly",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("call_type", sa.String(), nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("talk_ratio_mean", sa.Float(), nullable=True),
        sa.Column("talk_ratio_calls", sa.Integer(), nullable=False),
        sa.Column("longest_monologue_mean_s", sa.Float(), nullable=True),
        sa.Column("longest_monologue_calls", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("open_questions", sa.Integer(), nullable=False),
        sa.Column("open_share", sa.Float(), nullable=True),
        sa.Column("discovery_questions", sa.Integer(), nullable=False),
        sa.Column("objections", sa.Integer(), nullable=False),
        sa.Column("metric_means", _JSON, nullable=False),
        _ts("computed_at"),
        sa.UniqueConstraint("user_id", "week_start", "call_type", name="uq_coaching_weekly_key"),
    )
    op.create_index("ix_coaching_weekly_org_week", "coaching_weekly", ["org_id", "week_start"])


def downgrade() -> None:
    op.drop_index("ix_coaching_weekly_org_week", table_name="coaching_weekly")
    op.drop_table("coaching_weekly")
    op.drop_index("ix_coaching_analyses_user_started", table_name="coaching_analyses")
    op.drop_index("ix_coaching_analyses_meeting_id", table_name="coaching_analyses")
    op.drop_index("ix_coaching_analyses_org_id", table_name="coaching_analyses")
    op.drop_table("coaching_analyses")
    with op.batch_alter_table("user_preferences") as batch:
        batch.drop_column("manager_digest_day")
        batch.drop_column("coaching_digest_time")
        batch.drop_column("coaching_digest_day")
