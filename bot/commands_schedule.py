"""`/60` subcommands for scheduling: `/60 find times for <contact or email> [duration]`.

The contact is matched loosely over the org's contacts by name, email and company ("Sarah
Chen", "sarah at acme", "chen acme", "sarah.chen@acme.example"); several equally good matches
get a short list to choose from, none gets "I don't know ...". A duration is a trailing
"45", "45m", "90 min", "1h" or "1.5h". Answers are ephemeral; the search itself runs as a
`calendar_find_times` job (source `slack:command`) that DMs the time picker.
"""

from __future__ import annotations

import difflib
import logging
import re
import uuid
from dataclasses import dataclass

from bot.command_types import CommandContext, Subcommand
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.contacts import contacts_with_companies, open_deals_of_contact

log = logging.getLogger(__name__)

USAGE = "/60 find times for <contact or email> [duration, e.g. 45m or 1h]"
_DURATION = re.compile(
    r"\s+(\d+(?:\.\d+)?)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?\s*$", re.I
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FILLER = {"at", "from", "with", "of", "the", "and", "&"}


class ParseError(ValueError):
    pass


def parse_request(args: str) -> tuple[str, int | None]:
    """`"times for Sarah Chen 45m"` -> `("Sarah Chen", 45)`; raises ParseError when empty."""
    text = args.strip()
    # "times for" alone (Slack trims the space after "for") is no name: words, not prefixes
    text = re.sub(r"^(times?\b\s*)?((for|with)\b\s*)?", "", text, flags=re.I).strip()
    duration = None
    m = _DURATION.search(" " + text)
    if m:
        value, unit = float(m.group(1)), (m.group(2) or "m").lower()
        minutes = round(value * 60) if unit.startswith("h") else round(value)
        rest = (" " + text)[: m.start()].strip()
        if rest:  # a bare number with nothing before it is a name, not a duration
            if not 5 <= minutes <= 480:
                raise ParseError("A meeting can be 5 minutes to 8 hours long.")
            duration, text = minutes, rest
    if not text:
        raise ParseError("Who with?")
    return text, duration


@dataclass(frozen=True)
class Candidate:
    contact_id: int
    name: str
    email: str | None
    company: str | None

    @property
    def label(self) -> str:
        extra = ", ".join(x for x in (self.company, self.email) if x)
        return f"{self.name} ({extra})" if extra else self.name


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,.;:()'\"<>]+", text.lower()) if t and t not in _FILLER]


def _token_matches(q: str, words: list[str]) -> bool:
    for w in words:
        if w == q or (len(q) >= 3 and w.startswith(q)):
            return True
        if len(q) >= 4 and difflib.SequenceMatcher(None, q, w).ratio() >= 0.84:
            return True
    return False


def match_contacts(query: str, contacts: list[Candidate]) -> tuple[list[Candidate], bool]:
    """(best candidates, exact?) — one exact candidate is an answer; several need a choice."""
    q = query.strip().lower()
    if _EMAIL.match(q):
        hits = [c for c in contacts if (c.email or "").lower() == q]
        return hits, bool(hits)
    qt = _tokens(q)
    if not qt:
        return [], False
    scored: list[tuple[float, bool, Candidate]] = []
    for c in contacts:
        words = _tokens(c.name) + _tokens(c.company or "")
        if c.email:
            local, _, domain = c.email.lower().partition("@")
            words += [*_tokens(local.replace(".", " ").replace("_", " ")), domain.split(".")[0]]
        share = sum(_token_matches(t, words) for t in qt) / len(qt)
        full_name = c.name.lower() == q or f"{c.name} {c.company or ''}".lower().strip() == q
        scored.append((share, full_name, c))
    exact = [c for share, full, c in scored if full]
    if exact:
        return exact, True
    best = max((s for s, _, _ in scored), default=0.0)
    if best >= 0.99:
        return [c for s, _, c in scored if s >= 0.99], True
    if best >= 0.5:
        near = sorted((x for x in scored if x[0] >= 0.5), key=lambda x: -x[0])
        return [c for _, _, c in near[:5]], False
    return [], False


async def _candidates(ctx: CommandContext) -> list[Candidate]:
    async with ctx.deps.db.session() as s:
        rows = await contacts_with_companies(s, org_id=ctx.actor.org_id)
    return [Candidate(c.id or 0, c.name, c.email, co.name if co else None) for c, co in rows]


async def _deal_for(ctx: CommandContext, contact_id: int) -> int | None:
    async with ctx.deps.db.session() as s:
        deals = await open_deals_of_contact(s, org_id=ctx.actor.org_id, contact_id=contact_id)
    mine = [d for d in deals if d.owner_id == ctx.actor.id]
    picked = mine or deals
    return picked[0].id if picked else None


async def _say(ctx: CommandContext, text: str) -> None:
    await ctx.respond(text=text, response_type="ephemeral")


async def find_times(ctx: CommandContext) -> None:
    args = ctx.args.strip()
    if not re.match(r"^times?\b", args, re.I):
        await _say(ctx, f"Usage: `{USAGE}`")
        return
    try:
        query, duration = parse_request(args)
    except ParseError as exc:
        await _say(ctx, f"{exc} Usage: `{USAGE}`")
        return
    hits, exact = match_contacts(query, await _candidates(ctx))
    payload: dict[str, object] = {"requested": "slack"}  # asked just now: answer now
    if exact and len(hits) == 1:
        who = hits[0]
        payload["contact_id"] = who.contact_id
        deal_id = await _deal_for(ctx, who.contact_id)
        if deal_id is not None:
            payload["deal_id"] = deal_id
        label = who.label
    elif len(hits) > 1 or (hits and not exact):
        lines = "\n".join(f"• {c.label}" for c in hits[:5])
        lead = "Which one do you mean?" if exact else f"I don't know “{query}”. Did you mean:"
        await _say(ctx, f"{lead}\n{lines}\nTry again with the full name or the email address.")
        return
    elif _EMAIL.match(query.lower()):
        payload["email"] = query.lower()
        label = query
    else:
        await _say(ctx, f"I don't know “{query}”. Try their full name, company or email address.")
        return
    if duration is not None:
        payload["duration_minutes"] = duration
    event = Event(
        type=EventType.CALENDAR_FIND_TIMES, source=EventSource.SLACK_COMMAND,
        org_id=ctx.actor.org_id, user_id=ctx.actor.id, payload=payload,
        idempotency_key=f"calendar_find_times:cmd:{ctx.actor.id}:{uuid.uuid4().hex}",
    )  # fmt: skip
    ref = await ctx.deps.submit(event)
    if not isinstance(ref, JobRef):
        await _say(ctx, f"I couldn't start the search: {ref.reason}.")
        return
    log.info("find times requested", extra={"job_id": ref.job_id, "user_id": ctx.actor.id})
    minutes = f"{duration}-minute " if duration else ""
    await _say(ctx, f"Looking for {minutes}times with {label}; I'll DM you the options.")


SUBCOMMANDS: dict[str, Subcommand] = {
    "find": Subcommand(
        USAGE, "find mutual free time with a contact and send the invite", find_times
    ),
}
