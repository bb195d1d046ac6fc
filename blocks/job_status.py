"""Job status messages: a failed step told to the rep with a Retry button, budget notices.

Pure builders over `slack_sdk.models.blocks`, truncated to Slack's limits. The Retry button's
action id is `blocks.ids.JobAction.RETRY` and its value is the job id.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.ids import JobAction
from blocks.text import SECTION_TEXT_MAX, clip


def job_failed(job_id: int, sequence: str, step: str, error: str) -> list[Block]:
    """What failed, why (short, no private data) and a Retry button."""
    what = sequence.replace("_", " ")
    text = clip(f":warning: *{what}* stopped at step *{step}*.\n{error}", SECTION_TEXT_MAX)
    return [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Retry",
                    action_id=JobAction.RETRY.value,
                    value=str(job_id),
                    style="primary",
                )
            ]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"job {job_id}")]),
    ]


def budget_exhausted(period: str, budget_usd: float, spent_usd: float) -> list[Block]:
    text = (
        f":money_with_wings: The AI budget for {period} is spent "
        f"(${spent_usd:.2f} of ${budget_usd:.2f}). Sequences that need AI are paused until "
        "the budget is raised or the month ends."
    )
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))]
