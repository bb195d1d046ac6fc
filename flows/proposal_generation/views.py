"""From a buyer opening a proposal link (`bot.proposal_page.ViewOpened`) to the rep's
`proposal_viewed` job: one job per view session, summed up a few minutes later. The rep's own
preview links (no recipient) start nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from orchestrator.events import Event, EventSource, EventType
from storage.proposal_models import Proposal, ProposalSnapshot


def view_listener(deps: Any) -> Callable[[Any], Awaitable[None]]:
    async def on_view(opened: Any) -> None:
        if not opened.recipient_email and not opened.recipient_name:
            return  # a preview the rep opened
        async with deps.db.session() as s:
            snap = await s.get(ProposalSnapshot, opened.snapshot_id)
            row = await s.get(Proposal, snap.proposal_id) if snap else None
        if row is None:
            return
        await deps.submit(Event(type=EventType.PROPOSAL_VIEWED, source=EventSource.WEBHOOK_PROPOSAL,
                                org_id=row.org_id, user_id=row.user_id,
                                payload={"token": opened.token, "proposal_id": row.id,
                                         "recipient_name": opened.recipient_name, "at": opened.at.isoformat()},
                                idempotency_key=f"proposal_viewed:{opened.token}:{opened.session_id}"))  # fmt: skip

    return on_view
