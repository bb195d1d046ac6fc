"""Inbound-email messages in the rep's DM: "New reply from X: <category>" and what Sixty did.

Pure builders over a small view model. Every message ends with a why-you're-seeing-this line
true to where the email came from. Notices show the sender's name and the subject (escaped);
a draft reply's approval also shows the email it answers, quoted and cut short
(`answering_blocks`), with the asks left to confirm.
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
WHY_BY_PROVIDER = {
    "google": "You're seeing this because the email came to your connected Gmail mailbox.",
    "microsoft": "You're seeing this because the email came to your connected Outlook mailbox.",
    "demo": "You're seeing this because a sample email arrived in the sandbox's demo mailbox "
    "(no real mailbox is connected).",
}
WHY_OTHER = "You're seeing this because a reply on one of your deals reached Sixty."
WITHHELD = "(not shown: this email holds instructions aimed at Sixty; read it in your mailbox)"
EXCERPT_MAX = 600  # the email shown next to its draft reply, cut short (the rest is in the inbox)


def why(provider: str) -> str:
    """Why the rep sees this, true to where the email came from (a rep may have no mailbox)."""
    return WHY_BY_PROVIDER.get(provider, WHY_OTHER)


@dataclass(frozen=True)
class InboundView:
    sender: str  # display name or "someone at example.com" (never a full address)
    category: str
    subject: str
    deal: str | None = None
    lines: list[str] = field(default_factory=list)  # what Sixty did / suggests
    provider: str = ""  # google | microsoft | demo: where the email came from


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
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=why(v.provider))]))
    return blocks


def answering_blocks(sender: str, excerpt: str, to_confirm: list[str]) -> list[Block]:
    """Under a draft reply: the email it answers (quoted, cut short) and the asks the draft
    does not answer yet, for the rep to confirm before sending."""
    quoted = clip(" ".join(excerpt.split()), EXCERPT_MAX) or "(no text)"
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(
            text=clip(f"*Replying to {escape(sender)}:*\n>{escape(quoted)}", SECTION_TEXT_MAX))])
    ]  # fmt: skip
    if to_confirm:
        asks = "\n".join(f"• {escape(clip(q, 200))}" for q in to_confirm[:10])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(
            f"*To confirm* (the draft says you'll come back on these):\n{asks}", SECTION_TEXT_MAX))))  # fmt: skip
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


def reply_draft_text(subject: str, status: str | None) -> str:
    """What "Draft reply" answers, true to where that email's draft stands."""
    what = f"“{escape(clip(subject or 'that email', 150))}”"
    if status == "pending":
        return f"Your reply draft to {what} is waiting for your approval in our DM."
    if status in ("approved", "edited"):
        return f"You already approved the reply to {what}."
    if status in ("skipped", "cancelled", "expired"):
        return (f"The reply draft to {what} was {status}, so nothing was sent. "
                "Reply from your mailbox if it still needs an answer.")  # fmt: skip
    return (f"I haven't drafted a reply to {what}: I draft one when an email asks a question "
            "or shows interest.")  # fmt: skip
