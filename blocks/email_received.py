"""Inbound-email messages in the rep's DM: "New reply from X: <category>" and what Sixty did.

Pure builders over a small view model. Every message ends with a why-you're-seeing-this line.
Email content is never shown beyond the sender's name and the subject (both escaped).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from blocks.text import SECTION_TEXT_MAX, clip, escape

CATEGORY_WORDS = {
    "meeting_request": "wants to meet",
    "proposal_request": "asked for a proposal",
    "needs_response": "needs a response",
    "interested": "is interested",
    "not_interested": "is not interested",
    "referral": "referred you to someone else",
    "out_of_office": "is out of office",
    "unsubscribe": "asked not to be emailed",
    "fyi": "for your information",
}
WHY = "You're seeing this because the email came to your connected mailbox."


@dataclass(frozen=True)
class InboundView:
    sender: str  # display name or "someone at example.com" (never a full address)
    category: str
    subject: str
    deal: str | None = None
    lines: list[str] = field(default_factory=list)  # what Sixty did / suggests


def headline(v: InboundView) -> str:
    words = CATEGORY_WORDS.get(v.category, v.category.replace("_", " "))
    return f"New reply from {v.sender}: {words}"


def inbound_blocks(v: InboundView) -> list[Block]:
    text = f"*{escape(headline(v))}*"
    if v.subject:
        text += f"\n“{escape(clip(v.subject, 200))}”"
    if v.deal:
        text += f"\nDeal: {escape(v.deal)}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))]
    if v.lines:
        body = "\n".join(f"• {escape(line)}" for line in v.lines)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(body, SECTION_TEXT_MAX))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=WHY)]))
    return blocks


def unsubscribe_lines(contact: str | None) -> list[str]:
    who = contact or "this sender"
    return [f"Marked {who} as do-not-email: Sixty will not send them anything from now on."]


def out_of_office_lines(return_date: str | None) -> list[str]:
    if return_date:
        return [f"Back on {return_date}: follow-ups to them are paused until then."]
    return ["No return date given: follow-ups are not paused."]


def referral_lines(name: str | None, has_address: bool) -> list[str]:
    who = name or "a colleague"
    extra = "" if has_address else " (no address given — add it when you approve)"
    return [f"They pointed you to {who}{extra}. Add them as a contact? (below)"]


def not_interested_lines(action: str) -> list[str]:
    what = "mark the deal closed lost" if action == "closed_lost" else "move the deal to nurture"
    return [f"Suggested: {what}. Approve below to apply it."]
