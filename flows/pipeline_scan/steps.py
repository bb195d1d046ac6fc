"""The pipeline scan's steps: scan the rep's open deals, then offer a review of the stale ones."""

from __future__ import annotations

from typing import Any

from blocks.pipeline import DealRow, batch_review_blocks
from flows.briefs_common import deliver, enabled, job_user, stale_days
from orchestrator.context import StepContext
from storage import pipeline


def rows_of(
    found: list[pipeline.DealHealth], owners: dict[int, str] | None = None
) -> list[DealRow]:
    """List rows; with `owners` (user id -> name) each row says whose deal it is."""
    names = owners or {}
    return [
        DealRow(h.deal_id, h.name, h.stage, h.amount, h.days_quiet, h.reasons,
                names.get(h.owner_id or 0))
        for h in found
    ]  # fmt: skip


async def scan_for_user(ctx: StepContext) -> dict[str, Any]:
    if not enabled(ctx, "pipeline"):
        return {"stale": [], "at_risk": [], "blocks": []}
    user = await job_user(ctx)
    async with ctx.db.session() as s:
        found = await pipeline.scan(
            await s.connection(), org_id=user.org_id, now=ctx.now(), stale_days=stale_days(ctx),
            owner_id=user.id,
        )  # fmt: skip
    stale = [h for h in found if h.stale]
    return {
        "stale": [h.deal_id for h in stale],
        "at_risk": [h.deal_id for h in found if not h.stale],
        "blocks": batch_review_blocks(
            rows_of(stale),
            why=f"Your daily pipeline scan found deals with no activity for "
            f"{stale_days(ctx)}+ days.",
        )
        if stale
        else [],
    }


async def offer_review(ctx: StepContext, scanned: dict[str, Any]) -> dict[str, Any]:
    return await deliver(
        ctx,
        "pipeline",
        f"{len(scanned['stale'])} deals have gone quiet",
        scanned["blocks"],
        subject_key=f"pipeline_scan:{ctx.user_id}:",
    )
