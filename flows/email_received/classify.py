"""The `classify` step: the stored message's category, and an `email_received` activity.

The offline classifier (`skills.email_classify`), or the model (`LLMClient` purpose
`email_classification`) when one is configured, falling back to offline on `LLMError`; a
message the offline rules flag as addressing an assistant keeps the offline category. The
activity is logged on the sender's deal (or contact) when the CRM knows them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrator.context import StepContext
from services.language import compare
from skills.email_body import split_body
from skills.email_classify import Classification, classify_email
from skills.email_headers import Address
from skills.email_parse import InboundEmail
from storage import crm
from storage import email_threads as repo
from storage.models import EmailMessage, EmailThread

log = logging.getLogger(__name__)


def display_sender(name: str, address: str) -> str:
    """A name for Slack and the CRM; never the full address (the domain at most)."""
    if name and "@" not in name:
        return name
    domain = address.rpartition("@")[2]
    return f"someone at {domain}" if domain else "someone"


@dataclass
class Loaded:
    row: EmailMessage
    thread: EmailThread
    email: InboundEmail


async def load_message(ctx: StepContext, meta: dict[str, Any]) -> Loaded:
    """The stored message (`fetch`'s meta of it) as the classifier reads it."""
    async with ctx.db.session() as s:
        row = await s.get(EmailMessage, meta["message_id"])
        thread = await s.get(EmailThread, row.thread_id) if row else None
    if row is None or thread is None:
        raise LookupError(f"email message {meta['message_id']} not found")
    parts = split_body(row.body_text)
    date = datetime.fromisoformat(meta["date"]) if meta.get("date") else row.received_at
    email = InboundEmail(
        sender=Address(meta.get("sender_name") or "", row.from_addr),
        to=tuple(Address("", a) for a in row.to_addrs), cc=tuple(Address("", a) for a in row.cc_addrs),
        subject=row.subject, date=date, message_id=row.message_id_header,
        references=tuple((row.references or "").split()), text=row.body_text, new_text=parts.new,
        quoted_text=parts.quoted, signature=parts.signature,
        auto_reply_signals=tuple(meta.get("auto_reply_signals") or ()),
        has_list_unsubscribe=bool(meta.get("has_list_unsubscribe")), is_bulk=bool(meta.get("is_bulk")),
    )  # fmt: skip
    return Loaded(row, thread, email)


async def classify_with_model(ctx: StepContext, email: InboundEmail) -> Classification:
    """The model's category when one is configured; the offline rules otherwise or on failure,
    and when the offline rules hear a removal request the model did not (it must not be missed)."""
    offline = classify_email(email)
    if not ctx.settings.llm_model or offline.details.get("prompt_injection"):
        return offline
    from connectors.llm import LLMClient, LLMError

    try:
        answer = await LLMClient(ctx.settings, ctx.db).complete(
            "email_classification",
            {"subject": email.subject, "body": email.new_text or email.text},
            org_id=ctx.org_id, user_id=ctx.user_id, job_id=ctx.job_id)  # fmt: skip
    except LLMError as exc:
        log.info("email classification fell back to offline", extra={"reason": type(exc).__name__})
        return offline
    category = str(getattr(answer, "category", offline.category))
    confidence = float(getattr(answer, "confidence", offline.confidence))
    compare("email_classification", ctx.job_id, [category], [offline.category])
    if offline.category == "unsubscribe" and category != "unsubscribe":
        # a removal request either engine hears is honoured: missing one is a compliance failure
        return offline
    details = (
        offline.details if category == offline.category else {"auto_reply": email.is_auto_reply}
    )
    return Classification(category, confidence, "model", details)  # type: ignore[arg-type]


async def classify(ctx: StepContext, message: dict[str, Any]) -> dict[str, Any]:
    loaded = await load_message(ctx, message)
    result = await classify_with_model(ctx, loaded.email)
    row, thread = loaded.row, loaded.thread
    sender = loaded.email.sender.name if loaded.email.sender else ""
    async with ctx.db.session() as s:
        match = await repo.match_sender(s, org_id=ctx.org_id, address=row.from_addr)
    contact_id = thread.contact_id or match.contact_id
    deal_id = thread.deal_id or match.deal_id

    async def write() -> int | None:
        async with ctx.db.transaction() as s:
            await repo.set_category(s, message_id=row.id or 0, category=result.category,
                                    confidence=result.confidence)  # fmt: skip
            if deal_id is None and contact_id is None:
                return None
            act = await crm.add_activity(
                s, org_id=ctx.org_id, kind="email_received", deal_id=deal_id, contact_id=contact_id,
                user_id=ctx.user_id, occurred_at=row.received_at,
                summary=f"Email from {display_sender(sender, row.from_addr)}: "
                        f"{result.category.replace('_', ' ')}",
                provenance={"email_message_id": row.id, "thread_id": thread.id, "job_id": ctx.job_id,
                            "category": result.category, "confidence": result.confidence})  # fmt: skip
            return act.id

    activity_id = await ctx.effect("activity", write)
    log.info("inbound mail classified", extra={"job_id": ctx.job_id, "category": result.category,
                                               "confidence": round(result.confidence, 2)})  # fmt: skip
    return {
        "category": result.category, "confidence": result.confidence, "details": result.details,
        "message_id": row.id, "thread_id": thread.id, "contact_id": contact_id, "deal_id": deal_id,
        "company_id": match.company_id, "sender_name": sender, "activity_id": activity_id,
    }  # fmt: skip
