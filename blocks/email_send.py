"""Messages around sending as the rep: the undo window (countdown + Cancel send), sent,
cancelled, failed, daily limit reached, new-recipient confirmation text, the ask for send
permission (with a Grant button), the connect link, and the copy / open-in-mail-client
fallback (`mailto:`). Pure builders; every text is clipped to Slack's limits.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from blocks.ids import EmailAction
from blocks.text import (
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    clip,
    escape,
)

PERMISSION_TEXT = "To send follow-ups for you, Sixty needs permission to send from your mailbox"
MAILTO_MAX = 1800  # mail clients and Slack URLs choke on very long mailto: links


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, CONTEXT_TEXT_MAX))])


def _recipients(to: list[str], cc: list[str]) -> str:
    line = ", ".join(to)
    return line + (f" (cc {', '.join(cc)})" if cc else "")


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz or "UTC")).strftime("%H:%M:%S %Z")  # "14:32:05 GMT"


def undo_blocks(send_id: int, *, to: list[str], cc: list[str], subject: str, seconds: float,
                send_at: datetime, tz: str, demo: bool = False, via: str = "") -> list[Block]:  # fmt: skip
    """Right after Send: the mail leaves when the window closes unless the rep cancels
    (`via`: how it leaves when not from the rep's own mailbox, e.g. "through Instantly")."""
    secs = max(0, round(seconds))
    where = " (demo mailbox: nothing leaves this machine)" if demo else ""
    if via:
        where += f" {escape(via)}"
    return [
        _section(
            f":outbox_tray: *Sending in {secs} seconds*{where}\n"
            f"*To:* {escape(_recipients(to, cc))}\n*Subject:* {escape(subject)}"
        ),
        ActionsBlock(
            block_id=f"email-undo:{send_id}",
            elements=[
                ButtonElement(
                    text="Cancel send",
                    action_id=EmailAction.CANCEL_SEND,
                    value=str(send_id),
                    style="danger",
                ),
            ],
        ),
        _context(f"Leaves at {_local(send_at, tz)}. Changed your mind? Cancel send."),
    ]


def sent_blocks(*, to: list[str], cc: list[str], subject: str, at: datetime, tz: str,
                demo: bool = False, logged_on: str | None = None) -> list[Block]:  # fmt: skip
    where = " to the demo mailbox" if demo else ""
    lines = [f":white_check_mark: *Sent{where}* at {_local(at, tz)}",
             f"*To:* {escape(_recipients(to, cc))}", f"*Subject:* {escape(subject)}"]  # fmt: skip
    blocks: list[Block] = [_section("\n".join(lines))]
    if logged_on:
        blocks.append(_context(f"Logged on {escape(logged_on)}. It is in your Sent folder."))
    return blocks


def cancelled_blocks(*, subject: str, by: str | None = None) -> list[Block]:
    who = f" by <@{by}>" if by else ""
    return [_section(f":no_entry_sign: *Cancelled{who} — not sent.*\n*Subject:* {escape(subject)}")]


def failed_blocks(*, subject: str, reason: str) -> list[Block]:
    return [_section(f":warning: *Not sent:* {escape(reason)}\n*Subject:* {escape(subject)}")]


def limit_reached_blocks(*, limit: int, subject: str) -> list[Block]:
    return [
        _section(
            f":octagonal_sign: *Daily send limit reached* ({limit} emails today). "
            f"“{escape(subject)}” was not sent."
        ),
        _context(
            "The limit resets at midnight your time; change it in my Home tab (Edit settings)."
        ),
    ]


def new_recipients_text(addresses: list[str]) -> str:
    listed = "\n".join(f"• {escape(a)}" for a in addresses)
    return ("These addresses are not in the thread or on the deal's contacts. "
            f"Send to them too?\n{listed}\nSkip sends to the known recipients only.")  # fmt: skip


def permission_blocks(provider: str, provider_label: str) -> list[Block]:
    """Asked once: connected without the send scope (or not connected at all)."""
    return [
        _section(
            f":key: *{PERMISSION_TEXT}* ({escape(provider_label)}). "
            "Until then, approved drafts come to you to copy or open in your mail client."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Grant send permission",
                    action_id=EmailAction.GRANT_SEND,
                    value=provider,
                    style="primary",
                ),
            ]
        ),
    ]


def connect_link_blocks(provider_label: str, url: str) -> list[Block]:
    return [
        _section(
            f"Connect *{escape(provider_label)}*: the link works once, for the next 10 minutes."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=f"Open {provider_label}",
                    action_id=EmailAction.OPEN_LINK,
                    url=url,
                    value="connect",
                    style="primary",
                ),
            ]
        ),
    ]


def mailto_url(to: list[str], cc: list[str], subject: str, body: str) -> str:
    parts = [f"subject={quote(subject)}"]
    if cc:
        parts.append(f"cc={quote(','.join(cc))}")
    head = f"mailto:{quote(','.join(to), safe='@,')}?" + "&".join(parts)
    room = MAILTO_MAX - len(head) - 6
    encoded = quote(body)
    while len(encoded) > room and body:
        body = body[: max(0, len(body) - max(50, len(body) // 5))]
        encoded = quote(body + "…")
    return head + (f"&body={encoded}" if body else "")


def copy_fallback_blocks(*, to: list[str], cc: list[str], subject: str, body: str) -> list[Block]:
    """Approved but Sixty cannot send: the draft to copy, and a button to open it in a mail app."""
    text = f"To: {_recipients(to, cc)}\nSubject: {subject}\n\n{body}"
    size = SECTION_TEXT_MAX - 10
    chunks = [text[i : i + size] for i in range(0, len(text), size)][:20] or [""]
    blocks: list[Block] = [
        _section(
            ":white_check_mark: *Follow-up approved.* Copy it into your mail client, "
            "or open it there:"
        ),
        *(_section(f"```{escape(c)}```") for c in chunks),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Open in mail app",
                    action_id=EmailAction.OPEN_LINK,
                    url=mailto_url(to, cc, subject, body),
                    value="mailto",
                ),
            ]
        ),
    ]
    return blocks[:MESSAGE_BLOCKS_MAX]
