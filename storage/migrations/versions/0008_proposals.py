"""Proposals: the org's library (templates, price book, case studies, content, settings) and
the proposals made from it (drafts, immutable snapshots, share links, page views).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def _org() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "library_templates",
        _org(),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("when", JSON, nullable=False),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "library_price_items",
        _org(),
        sa.Column("sku", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit_price", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("tier", sa.Boolean(), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("synonyms", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "library_case_studies",
        _org(),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("industry", sa.String(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "library_content",
        _org(),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("file_name", sa.String(), nullable=True),
        sa.Column("file_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "library_settings",
        _org(),
        sa.Column("discount_limit", sa.String(), nullable=False),
        sa.Column("brand_colour", sa.String(), nullable=False, server_default=""),
        _ts("updated_at"),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_proposals_org_id", "proposals", ["org_id"])
    op.create_index("ix_proposals_deal_id", "proposals", ["deal_id"])
    op.create_table(
        "proposal_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_proposal_snapshots_proposal_id", "proposal_snapshots", ["proposal_id"])
    op.create_table(
        "proposal_links",
        sa.Column("token", sa.String(), primary_key=True),
        sa.Column(
            "snapshot_id", sa.Integer(), sa.ForeignKey("proposal_snapshots.id"), nullable=False
        ),
        sa.Column("recipient_email", sa.String(), nullable=True),
        sa.Column("recipient_name", sa.String(), nullable=True),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
    )
    op.create_index("ix_proposal_links_snapshot_id", "proposal_links", ["snapshot_id"])
    op.create_table(
        "proposal_views",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_token", sa.String(), sa.ForeignKey("proposal_links.token"), nullable=False),
        sa.Column("session_id", sa.String(), nullable=False),
        sa.Column("section", sa.String(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        _ts("started_at"),
    )
    op.create_index(
        "ix_proposal_views_token_session", "proposal_views", ["link_token", "session_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_proposal_views_token_session", table_name="proposal_views")
    op.drop_table("proposal_views")
    op.drop_index("ix_proposal_links_snapshot_id", table_name="proposal_links")
    op.drop_table("proposal_links")
    op.drop_index("ix_proposal_snapshots_proposal_id", table_name="proposal_snapshots")
    op.drop_table("proposal_snapshots")
    op.drop_index("ix_proposals_deal_id", table_name="proposals")
    op.drop_index("ix_proposals_org_id", table_name="proposals")
    op.drop_table("proposals")
    for table in (
        "library_settings",
        "library_content",
        "library_case_studies",
        "library_price_items",
        "library_templates",
    ):
        op.drop_table(table)
