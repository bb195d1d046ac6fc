"""The `content_retrieval` steps: find what was asked for (in the call's request, or the email)
among the content library's documents, and draft the email with their links.

A request the library cannot answer is said to the rep as such, with how to add the document;
no document is ever made up. Logs carry ids and counts only.
"""

from __future__ import annotations

import logging
from typing import Any

from flows.email_send.handoff import hand_off
from flows.meeting_ended.call import load_call
from orchestrator.context import StepContext
from skills.content_match import best, match_requests
from storage.library import load_library
from storage.models import Contact, EmailMessage, User

log = logging.getLogger(__name__)


async def _request_text(ctx: StepContext) -> tuple[str, int | None]:
    """What was asked, and the contact it is for: the call's request (and the sentence before
    it, which often names the document), or the email's new text."""
    p = ctx.payload
    if p.get("meeting_id"):
        call = await load_call(ctx, int(p["meeting_id"]))
        u = int(p.get("utterance") or 0)
        texts = [x.text for x in call.transcript.utterances[max(0, u - 1) : u + 1]]
        return " ".join(texts), p.get("contact_id") or (call.contact.id if call.contact else None)
    if p.get("message_id"):
        async with ctx.db.session() as s:
            msg = await s.get(EmailMessage, int(p["message_id"]))
        return (msg.body_text if msg else "")[:4000], p.get("contact_id")
    return str(p.get("text") or ""), p.get("contact_id")


async def find(ctx: StepContext) -> dict[str, Any]:
    text, contact_id = await _request_text(ctx)
    async with ctx.db.session() as s:
        library = await load_library(s, ctx.org_id)
        contact = await s.get(Contact, contact_id) if contact_id else None
        rep = await s.get(User, ctx.user_id) if ctx.user_id else None
    results = match_requests(text, library.content)
    found = [(r.request, best(r)) for r in results]
    missing = [req for req, assets in found if not assets]
    assets = list({a.id: a for _, got in found for a in got}.values())
    lines = []
    if missing:
        lines.append(
            "Asked for, and nothing in your content library matches: "
            + ", ".join(f"“{m}”" for m in missing)
            + ". An admin can add it with `sixty library import DIR`."
        )
    if not results:
        lines.append("I couldn't tell which document was asked for.")
    if not assets:
        await ctx.notify("content", " ".join(lines) or "Nothing to send.", key="nothing")
        log.info(
            "content request unmatched", extra={"job_id": ctx.job_id, "requests": len(results)}
        )
        return {"assets": []}
    if contact is None or not contact.email or contact.do_not_email:
        names = ", ".join(f"{a.title}: {a.url or a.file}" for a in assets)
        await ctx.notify("content", f"Found what they asked for: {names}. "
                         "There's no email address I may use for the contact, so share it yourself.",
                         key="no-email")  # fmt: skip
        return {"assets": [a.id for a in assets], "email": None}
    first = contact.name.split()[0] if contact.name else "there"
    body = [f"Hi {first},", "", "Here's what you asked for:"]
    body += [f"• {a.title}: {a.url}" if a.url else f"• {a.title} (attached)" for a in assets]
    body += ["", "Let me know if anything else would help.", "", rep.name if rep else ""]
    title = "Send what they asked for?"
    context = "Found in your content library: " + ", ".join(a.title for a in assets)
    if missing:
        context += ". " + lines[0]
    draft = {"to": [contact.email], "cc": [], "subject": "The documents you asked for",
             "body": "\n".join(body).strip()}  # fmt: skip
    return {"assets": [a.id for a in assets], "email": {"title": title, "draft": draft, "context": context},
            "contact_id": contact.id}  # fmt: skip


async def send(ctx: StepContext, found: dict[str, Any]) -> dict[str, Any]:
    assert ctx.approval is not None
    return await hand_off(ctx, ctx.approval.payload.get("draft") or {},
                          deal_id=ctx.payload.get("deal_id"), contact_id=found.get("contact_id"),
                          meeting_id=ctx.payload.get("meeting_id"), key="content-email")  # fmt: skip
