"""Block Kit for the pipeline: the stale / at-risk list (`/60 pipeline`) and the batch review
of stale deals (pattern 3: Deal A [Revive] [Skip] … [Handle all] [Dismiss]).

Rows are `DealRow` view models; lists are cut to fit Slack's 50 blocks ("…and N more").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock, HeaderBlock

from blocks.briefs import button, lines_with_more, section, why_blocks
from blocks.ids import ProactiveAction
from blocks.text import HEADER_MAX, MESSAGE_BLOCKS_MAX, clip, escape
from skills.briefs import STAGE_LABELS, money

MAX_LIST = 25
MAX_REVIEW = 10
REASON_WORDS = {
    "stale": "quiet",
    "negative_signal": "negative signal",
    "close_date_passed": "close date passed",
    "closing_soon_quiet": "closes within a week, no recent activity",
}


@dataclass(frozen=True)
class DealRow:
    deal_id: int
    name: str
    stage: str
    amount: float | None
    days_quiet: int | None
    reasons: tuple[str, ...]
    owner: str | None = None  # shown on lists that hold several reps' deals (managers, admins)


def describe(r: DealRow) -> str:
    quiet = f"{r.days_quiet} days quiet" if r.days_quiet is not None else "no activity yet"
    extra = [REASON_WORDS[x] for x in r.reasons if x != "stale" and x in REASON_WORDS]
    tail = f" — {', '.join(extra)}" if extra else ""
    owner = f" · owner {escape(r.owner)}" if r.owner else ""
    return (
        f"*{escape(r.name)}* · {STAGE_LABELS.get(r.stage, escape(r.stage))} · {money(r.amount)} · "
        f"{quiet}{owner}{tail}"
    )


def pipeline_list_blocks(rows: list[DealRow], stale_days: int) -> list[dict[str, Any]]:
    stale = [r for r in rows if "stale" in r.reasons]
    risky = [r for r in rows if "stale" not in r.reasons]
    if not rows:
        return [
            section(
                f"No stale or at-risk deals: every open deal had activity in the last "
                f"{stale_days} days."
            ).to_dict()
        ]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Pipeline: {len(stale)} stale, {len(risky)} at risk", HEADER_MAX))
    ]
    if stale:
        blocks.append(
            section(
                f"*Stale* (no activity for {stale_days}+ days)\n"
                + lines_with_more([f"• {describe(r)}" for r in stale], MAX_LIST)
            )
        )
    if risky:
        blocks.append(
            section("*At risk*\n" + lines_with_more([f"• {describe(r)}" for r in risky], MAX_LIST))
        )
    if stale:
        blocks.append(
            ActionsBlock(
                elements=[
                    button(
                        "Review stale deals",
                        ProactiveAction.REVIEW_STALE,
                        "pipeline",
                        style="primary",
                    )
                ]
            )
        )
    return [b.to_dict() for b in blocks]


def batch_review_blocks(rows: list[DealRow], why: str | None = None) -> list[dict[str, Any]]:
    """One row per deal with Revive / Skip, then Handle all / Dismiss."""
    if not rows:
        return [section("Nothing left to review.").to_dict()]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"{len(rows)} deals have gone quiet", HEADER_MAX)),
        section("I can draft a re-engagement email for each; you approve every one."),
    ]
    for r in rows[:MAX_REVIEW]:
        blocks.append(section(f"• {describe(r)}"))
        blocks.append(
            ActionsBlock(
                block_id=f"deal-{r.deal_id}",
                elements=[
                    button(
                        "Draft re-engagement",
                        ProactiveAction.REVIVE,
                        str(r.deal_id),
                        style="primary",
                    ),
                    button("Skip", ProactiveAction.SKIP_DEAL, str(r.deal_id)),
                ],
            )
        )
    if len(rows) > MAX_REVIEW:
        blocks.append(section(f"…and {len(rows) - MAX_REVIEW} more"))
    ids = ",".join(str(r.deal_id) for r in rows[:MAX_REVIEW])
    blocks.append(DividerBlock())
    blocks.append(
        ActionsBlock(
            elements=[
                button(
                    f"Handle all ({min(len(rows), MAX_REVIEW)})", ProactiveAction.HANDLE_ALL, ids
                ),
                button("Dismiss", ProactiveAction.DISMISS, ids),
            ]
        )
    )
    if why:
        blocks.extend(why_blocks("pipeline", why))
    return [b.to_dict() for b in blocks[:MESSAGE_BLOCKS_MAX]]


def rows_from_value(blocks: list[dict[str, Any]]) -> list[int]:
    """The deal ids still listed in a batch review message (from its row block ids)."""
    out = []
    for b in blocks:
        bid = str(b.get("block_id") or "")
        if bid.startswith("deal-") and bid[5:].isdigit():
            out.append(int(bid[5:]))
    return out
