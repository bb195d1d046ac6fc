"""Inbound email parsing: RFC 5322 bytes or text in, a typed `InboundEmail` out.

Owns `InboundEmail`, walking the MIME tree to select the body (text/plain preferred, HTML
turned into text by `skills.email_html`), auto-reply and bulk signals, and `parse_email`,
which puts together the headers (`skills.email_headers`) and the body split into new words,
quoted thread and signature (`skills.email_body`). Pure: no I/O, no logging of content.
`parse_email` never raises on junk; it returns what can be read and lists what went wrong in
`problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from skills.email_body import split_body
from skills.email_headers import (
    CONTROL_CHARS,
    Address,
    decode_bytes,
    decode_header_value,
    message_ids,
    parse_addresses,
    parse_date,
)
from skills.email_html import html_to_text, plain_markup_to_text

MAX_BODY_CHARS = 200_000
_KNOWN_HEADERS = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "sender", "reply-to", "in-reply-to"}
)
_FALSY = frozenset({"", "no", "false", "0", "off"})


@dataclass(frozen=True, slots=True)
class InboundEmail:
    """What Sixty reads from one inbound message. Times are timezone-aware."""

    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    subject: str = ""
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    text: str = ""
    new_text: str = ""
    quoted_text: str = ""
    signature: str = ""
    body_from_html: bool = False
    auto_reply_signals: tuple[str, ...] = ()
    has_list_unsubscribe: bool = False
    is_bulk: bool = False
    looks_like_email: bool = True
    problems: tuple[str, ...] = field(default=())

    @property
    def is_auto_reply(self) -> bool:
        return bool(self.auto_reply_signals)

    @property
    def from_(self) -> Address | None:
        """The From mailbox (`sender`), under the header's own name."""
        return self.sender


# ---------------------------------------------------------------- message walking


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32 or b == 127)
    return control / len(sample) > 0.05


def _part_text(part: Message, problems: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        problems.append("undecodable body part")
        return ""
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(payload, bytes):
        return str(payload)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text, problem = decode_bytes(payload, charset)
    if problem:
        problems.append(f"body: {problem}")
    return text


def _select_body(msg: Message, problems: list[str]) -> tuple[str, bool]:
    plain: str | None = None
    html: str | None = None
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop(0)
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype == "message/rfc822" and part is not msg:
                continue  # an attached message is not the sender's text
            children = part.get_payload()
            if isinstance(children, list):
                stack[0:0] = [c for c in children if isinstance(c, Message)]
            continue
        disposition = (part.get_content_disposition() or "").lower()
        if disposition == "attachment" or (part.get_filename() and disposition != "inline"):
            continue
        if ctype == "text/plain" and plain is None:
            plain = _part_text(part, problems)
        elif ctype == "text/html" and html is None:
            html = _part_text(part, problems)
    if plain is not None and plain.strip():
        return plain_markup_to_text(plain), False
    if html is not None and html.strip():
        return html_to_text(html), True
    if plain is None and html is None:
        problems.append("no text body")
    return plain or "", False


def parse_email(raw: bytes | str) -> InboundEmail:
    """Parse one RFC 5322 message. Never raises: unreadable parts are listed in `problems`."""
    problems: list[str] = []
    data = raw.encode("utf-8", errors="replace") if isinstance(raw, str) else bytes(raw)
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        return InboundEmail(looks_like_email=False, problems=("empty input",))
    binary = _is_binary(data)
    if binary:
        problems.append("binary content")
    try:
        msg = BytesParser(policy=compat32).parsebytes(data)
    except Exception:
        return InboundEmail(looks_like_email=False, problems=(*problems, "unparseable message"))
    problems.extend(type(d).__name__ for d in getattr(msg, "defects", ()))
    keys = {k.lower() for k in msg.keys()}

    def header(name: str) -> str:
        try:
            return decode_header_value(msg.get(name), problems)
        except Exception:
            problems.append(f"unreadable {name} header")
            return ""

    def header_all(name: str) -> list[str]:
        try:
            return [decode_header_value(v, problems) for v in msg.get_all(name) or []]
        except Exception:
            problems.append(f"unreadable {name} header")
            return []

    senders = parse_addresses(header_all("from"), problems, "From")
    auto_signals: list[str] = []
    auto_submitted = header("auto-submitted").lower()
    if auto_submitted and auto_submitted not in _FALSY:
        auto_signals.append(f"Auto-Submitted: {auto_submitted[:40]}")
    for name in ("x-autoreply", "x-autorespond", "x-auto-reply", "x-autoresponder"):
        value = header(name).lower()
        if name in keys and value not in ("no", "false", "0", "off"):
            auto_signals.append(f"{name}: {value[:20]}")
    precedence = header("precedence").lower()
    if precedence in ("auto_reply", "auto-reply"):
        auto_signals.append(f"Precedence: {precedence}")
    has_unsub = "list-unsubscribe" in keys
    is_bulk = has_unsub or precedence in ("bulk", "list", "junk")

    try:
        text, from_html = _select_body(msg, problems)
    except Exception:
        problems.append("unreadable body")
        text, from_html = "", False
    text = CONTROL_CHARS.sub("", text.replace("\r\n", "\n"))[:MAX_BODY_CHARS]
    parts = split_body(text)
    in_reply_to = header("in-reply-to")
    looks = not binary and bool(keys & _KNOWN_HEADERS)
    return InboundEmail(
        sender=senders[0] if senders else None,
        to=parse_addresses(header_all("to"), problems, "To"),
        cc=parse_addresses(header_all("cc"), problems, "Cc"),
        reply_to=parse_addresses(header_all("reply-to"), problems, "Reply-To"),
        subject=header("subject"),
        date=parse_date(header("date"), problems),
        message_id=(message_ids(header("message-id")) or (None,))[0],
        in_reply_to=(message_ids(in_reply_to) or (None,))[0],
        references=message_ids(header("references")),
        text=text.strip(),
        new_text=parts.new,
        quoted_text=parts.quoted,
        signature=parts.signature,
        body_from_html=from_html,
        auto_reply_signals=tuple(auto_signals),
        has_list_unsubscribe=has_unsub,
        is_bulk=is_bulk,
        looks_like_email=looks,
        problems=tuple(dict.fromkeys(problems)),
    )
