"""The `fetch_reply` step: the reply an `instantly_reply` event names, stored once.

The webhook's own fields are used when it carries the reply (`reply_text`, `email_account`);
otherwise the email is looked up with the org's Instantly client (`GET /emails`, received, in
the campaign). The row (`instantly_replies`, unique per org and Instantly email id) records what
arrived; `routed_at` is set once the rep has been told (see `steps.routed`).

Instantly's interest value: the email's `i_status` when fetched, else the one the event implies
(`lead_interested` -> 1, ...; a plain `reply_received` implies none). A label event for the same
email that arrived while the job waited (recorded in `instantly_webhook_deliveries`) is the
later word and wins; labels after the row exists update it in the webhook
(`storage.instantly_replies.set_label`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from connectors.instantly import InstantlyClient
from connectors.instantly_connection import client_for
from connectors.instantly_models import EVENT_INTEREST, LABEL_EVENTS, Email
from orchestrator.context import StepContext, TransientError
from storage.crypto import settings_cipher
from storage.instantly_models import InstantlyReply
from storage.instantly_replies import latest_label

LOOKUP_PAGES = 3


async def instantly_client(ctx: StepContext) -> InstantlyClient:
    if ctx.user_id is None:
        raise LookupError("an instantly_reply job needs the user who connected Instantly")
    async with ctx.db.session() as s:
        client = await client_for(s, cipher=settings_cipher(ctx.settings), user_id=ctx.user_id,
                                  settings=ctx.settings)  # fmt: skip
    if client is None:
        raise LookupError("no active Instantly connection for this user")
    return client


async def lookup(ctx: StepContext, email_id: str, campaign_id: str | None) -> Email | None:
    from connectors.instantly import InstantlyRateLimited, InstantlyUnavailable

    client = await instantly_client(ctx)
    try:
        async for email in client.iter_emails(email_type="received", campaign_id=campaign_id,
                                              max_pages=LOOKUP_PAGES):  # fmt: skip
            if email.id == email_id:
                return email
    except (InstantlyRateLimited, InstantlyUnavailable) as exc:
        raise TransientError(f"Instantly unavailable ({type(exc).__name__})") from None
    return None


async def fetch_reply(ctx: StepContext) -> dict[str, Any]:
    p = ctx.payload
    email_id = str(p.get("email_id") or "")
    campaign_id = str(p["campaign_id"]) if p.get("campaign_id") else None
    implied = EVENT_INTEREST.get(str(p.get("event_type") or ""))
    fields: dict[str, Any] = {
        "lead_email": str(p.get("lead_email") or ""), "eaccount": str(p.get("email_account") or ""),
        "subject": str(p.get("reply_subject") or ""), "body_text": str(p.get("reply_text") or ""),
        "i_status": implied, "campaign_id": campaign_id,
    }  # fmt: skip
    if not (fields["body_text"] and fields["eaccount"] and fields["lead_email"]):
        email = await lookup(ctx, email_id, campaign_id)
        if email is None:
            raise LookupError("the Instantly reply was not found in the Unibox")
        fields.update(lead_email=email.lead or email.from_address_email, eaccount=email.eaccount,
                      subject=email.subject, body_text=email.body_text or email.content_preview,
                      i_status=email.i_status if email.i_status is not None else implied,
                      campaign_id=email.campaign_id or campaign_id)  # fmt: skip

    async def store() -> tuple[int, int | None]:
        async with ctx.db.transaction() as s:
            row = (await s.exec(select(InstantlyReply).where(
                InstantlyReply.org_id == ctx.org_id,
                InstantlyReply.instantly_email_id == email_id))).first()  # fmt: skip
            if row is None:
                # a label Instantly put on this email while its job waited wins (late labels)
                label = await latest_label(s, org_id=ctx.org_id, email_id=email_id,
                                           kinds=LABEL_EVENTS)  # fmt: skip
                i_status = EVENT_INTEREST.get(label) if label else fields["i_status"]
                row = InstantlyReply(org_id=ctx.org_id, user_id=ctx.user_id,
                                     instantly_email_id=email_id, received_at=ctx.now(),
                                     **{**fields, "i_status": i_status})  # fmt: skip
                s.add(row)
                await s.flush()
            assert row.id is not None
            return row.id, row.i_status

    reply_id, i_status = await ctx.effect("store", store)
    return {"reply_id": reply_id, "instantly_email_id": email_id, **fields, "i_status": i_status}
