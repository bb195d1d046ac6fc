"""Telling the rep about an inbound message: who wrote (display name only), on which deal, and
what Sixty did about it (`blocks.email_received`), once per key."""

from __future__ import annotations

from typing import Any

from flows.email_received.classify import display_sender
from orchestrator.context import StepContext
from storage.models import Deal, EmailMessage, EmailThread


async def about(ctx: StepContext, c: dict[str, Any]) -> tuple[str, str | None, str]:
    """(sender display name, deal name, subject) of the classified message `c`."""
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, c["message_id"])
        deal = await s.get(Deal, c["deal_id"]) if c.get("deal_id") else None
    assert row is not None
    return (
        display_sender(c.get("sender_name") or "", row.from_addr),
        deal.name if deal else None,
        row.subject,
    )


async def tell(
    ctx: StepContext, c: dict[str, Any], lines: list[str], key: str = "inbound"
) -> dict[str, Any]:
    """DM the rep the message's headline and `lines`; returns where it was posted."""
    from blocks.email_received import InboundView, headline, inbound_blocks

    sender, deal, subject = await about(ctx, c)
    async with ctx.db.session() as s:
        thread = await s.get(EmailThread, c["thread_id"]) if c.get("thread_id") else None
    view = InboundView(sender=sender, category=c["category"], subject=subject, deal=deal,
                       lines=lines, provider=thread.provider if thread else "")  # fmt: skip
    posted = await ctx.notify("email_received", headline(view), inbound_blocks(view), key=key)
    return {"channel": posted.channel, "ts": posted.ts}
