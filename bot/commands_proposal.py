"""`/60 proposal <company or deal>`: draft a proposal for one of the rep's deals.

The name is matched loosely (deal name and company, typos forgiven); several matches get a
short list to choose from, none a clear "I don't know". The proposal job DMs the card."""

from __future__ import annotations

import logging
import uuid

from sqlmodel import col, select

from bot.command_types import CommandContext, Subcommand
from bot.commands_schedule import Candidate, match_contacts
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.models import Company, Deal

log = logging.getLogger(__name__)

USAGE = "/60 proposal <company or deal>"
CLOSED = ("closed_won", "closed_lost", "won", "lost")


async def _deals(ctx: CommandContext) -> list[tuple[Deal, Company | None]]:
    async with ctx.deps.db.session() as s:
        rows = await s.exec(
            select(Deal, Company)
            .join(Company, col(Company.id) == col(Deal.company_id), isouter=True)
            .where(col(Deal.org_id) == ctx.actor.org_id, col(Deal.stage).not_in(CLOSED))
        )
        return list(rows.all())


async def proposal(ctx: CommandContext) -> None:
    query = ctx.args.strip()
    if not query:
        await ctx.respond(text=f"Usage: `{USAGE}`", response_type="ephemeral")
        return
    deals = await _deals(ctx)
    # the deal name and its company stand in for a contact's name and company
    candidates = [Candidate(d.id or 0, d.name, None, co.name if co else None) for d, co in deals]
    hits, _ = match_contacts(query, candidates)
    mine = {d.id for d, _ in deals if d.owner_id == ctx.actor.id}
    if len(hits) > 1:
        own = [h for h in hits if h.contact_id in mine]
        hits = own if len(own) == 1 else hits
    if not hits:
        await ctx.respond(text=f"I don't know a deal for “{query}”. Try the company or deal name.",
                          response_type="ephemeral")  # fmt: skip
        return
    if len(hits) > 1:
        lines = "\n".join(f"• {h.label}" for h in hits[:5])
        await ctx.respond(text=f"Which deal do you mean?\n{lines}\nTry again with the deal's name.",
                          response_type="ephemeral")  # fmt: skip
        return
    deal_id = hits[0].contact_id
    event = Event(type=EventType.PROPOSAL_GENERATION, source=EventSource.SLACK_COMMAND,
                  org_id=ctx.actor.org_id, user_id=ctx.actor.id,
                  payload={"origin": "command", "deal_id": deal_id, "requested": "slack"},
                  idempotency_key=f"proposal_generation:cmd:{ctx.actor.id}:{uuid.uuid4().hex}")  # fmt: skip
    ref = await ctx.deps.submit(event)
    if not isinstance(ref, JobRef):
        await ctx.respond(
            text=f"I couldn't start the proposal: {ref.reason}.", response_type="ephemeral"
        )
        return
    log.info("proposal requested", extra={"job_id": ref.job_id, "user_id": ctx.actor.id})
    await ctx.respond(text=f"Drafting a proposal for {hits[0].label}; I'll DM you the draft.",
                      response_type="ephemeral")  # fmt: skip


SUBCOMMANDS: dict[str, Subcommand] = {
    "proposal": Subcommand(USAGE, "draft a proposal for a deal from your last call", proposal),
}
