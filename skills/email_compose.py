"""Outbound email composition: an `OutgoingEmail` in, RFC 5322 bytes and their headers out.

Owns the MIME shape of mail sent as the rep (multipart/alternative: text/plain + text/html,
inside multipart/mixed with each `Attachment` after it when there are files),
the signature (Gmail send-as HTML, turned into text for the plain part, or a plain one set in
App Home), reply subjects (one `Re: `, never `Re: Re: `), threading headers (`In-Reply-To` =
the parent's Message-ID, `References` = the parent's References + the parent's Message-ID,
RFC 5322 section 3.6.4) and the raw form Gmail's `messages.send` takes (`base64url_raw`).

Pure and deterministic: the caller supplies the Message-ID (`make_msgid`) and the Date, and the
MIME boundary is derived from the Message-ID, so composing the same draft twice gives the same
bytes (the exactly-once send relies on recording that Message-ID before calling the provider).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import charset as _charset
from email.generator import BytesGenerator
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from email.utils import make_msgid as _make_msgid
from html.parser import HTMLParser
from io import BytesIO

MAX_REFERENCES = 30  # keep the root and the most recent ids; Gmail threads on the latest ones
_RE_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw)(?:\s*\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")
_SPACES = re.compile(r"\s+")
_WIRE = compat32.clone(linesep="\r\n", max_line_length=78)
_QP_UTF8 = _charset.Charset("utf-8")
_QP_UTF8.body_encoding = _charset.QP


class ComposeError(ValueError):
    """The draft cannot become a valid message (the text says which field)."""


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An address with an optional display name (any Unicode; RFC 2047-encoded on the wire)."""

    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """The message being replied to: its Message-ID, References and Subject headers."""

    message_id: str
    references: tuple[str, ...] = ()
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    """The rep's signature: Gmail's send-as signature is HTML; App Home's is plain text."""

    html: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the message (base64 on the wire, Content-Disposition: attachment)."""

    filename: str
    data: bytes = field(repr=False)
    content_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    sender: Mailbox
    to: tuple[Mailbox, ...]
    subject: str
    body_text: str
    message_id: str
    date: datetime
    cc: tuple[Mailbox, ...] = ()
    body_html: str | None = None
    signature: Signature | None = None
    reply_to: ThreadRef | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Composed:
    """The message as bytes (CRLF line ends), the headers a caller records or shows, and the
    attachments it carries (for providers that take them as JSON, not MIME)."""

    raw: bytes
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()

    @property
    def message_id(self) -> str:
        return self.headers["Message-ID"]


# --------------------------------------------------------------------------- helpers


def make_msgid(domain: str) -> str:
    """A new unique `<...@domain>` Message-ID (the one impure helper here: time and randomness)."""
    return _make_msgid(domain=_ascii_domain(domain.strip() or "sixty.local"))


def reply_subject(subject: str) -> str:
    """`Re: ` + the subject without any reply prefixes it already had (`Re: Re: x` -> `Re: x`)."""
    base = _RE_PREFIX.sub("", _one_line(subject))
    return f"Re: {base}" if base else "Re:"


def references_for(parent: ThreadRef) -> tuple[str, ...]:
    """The parent's References then its Message-ID (last, once), deduplicated, bounded to
    MAX_REFERENCES by keeping the root and the most recent ones."""
    own = _MSGID.findall(parent.message_id or "")
    seen: dict[str, None] = {}
    for item in parent.references:
        for mid in _MSGID.findall(item or ""):
            if mid not in own[:1]:
                seen.setdefault(mid, None)
    ids = (*seen, *own[:1])
    if len(ids) > MAX_REFERENCES:
        ids = (ids[0], *ids[-(MAX_REFERENCES - 1) :])
    return ids


def base64url_raw(raw: bytes | Composed) -> str:
    """Gmail's `raw` field: the whole message, base64url-encoded."""
    data = raw.raw if isinstance(raw, Composed) else raw
    return base64.urlsafe_b64encode(data).decode("ascii")


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"})
    _SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._href: list[str | None] = []
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._link_text.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "div", "tr", "h1", "h2", "h3", "h4", "table"):
            self.parts.append("\n")
        elif tag == "a" and self._href:
            href, text = self._href.pop(), self._link_text.pop()
            if href and href.startswith(("http://", "https://")) and href not in text:
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        if self._link_text:
            self._link_text[-1] += data


def html_to_text(markup: str) -> str:
    """Readable text from a small HTML fragment (a signature): line breaks kept, tags dropped."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs on blank lines, `<br>` on single line breaks."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p.strip()
    )


# --------------------------------------------------------------------------- compose


def compose(draft: OutgoingEmail) -> Composed:
    """Build the message; raises ComposeError naming the field that cannot be sent."""
    if not draft.to:
        raise ComposeError("to: at least one recipient is needed")
    if draft.date.tzinfo is None:
        raise ComposeError("date: must be timezone-aware")
    message_id = draft.message_id.strip()
    if not _MSGID.fullmatch(message_id):
        raise ComposeError("message_id: must look like <unique@domain>")
    subject = reply_subject(draft.subject) if draft.reply_to else _one_line(draft.subject)
    headers = {
        "From": _mailbox_list([draft.sender], "sender"),
        "To": _mailbox_list(draft.to, "to"),
    }
    if draft.cc:
        headers["Cc"] = _mailbox_list(draft.cc, "cc")
    headers |= {"Subject": subject, "Date": format_datetime(draft.date), "Message-ID": message_id}
    if draft.reply_to:
        parent = _MSGID.findall(draft.reply_to.message_id or "")
        if not parent:
            raise ComposeError("reply_to.message_id: must look like <unique@domain>")
        headers["In-Reply-To"] = parent[0]
        headers["References"] = " ".join(references_for(draft.reply_to))

    # The legacy (compat32) API on purpose: the `policy.default` folder can wrap the comma
    # between two addresses inside an RFC 2047 word when a long non-ASCII name precedes it
    # (found by the property test), which merges the recipients. Here each header is encoded
    # by us and the generator only folds at whitespace.
    text, markup = _bodies(draft)
    alternative = MIMEMultipart("alternative", boundary=_boundary(message_id))
    for body, subtype in ((text, "plain"), (markup, "html")):
        # MIMEText hands the charset to set_payload, which takes a Charset (the stub says str)
        part = MIMEText(body, subtype, _QP_UTF8)  # type: ignore[arg-type]
        del part["MIME-Version"]  # it belongs on the top-level message only
        alternative.attach(part)
    msg = alternative
    if draft.attachments:  # multipart/mixed: the bodies first, then each file
        msg = MIMEMultipart("mixed", boundary=_boundary(message_id, "mixed"))
        del alternative["MIME-Version"]
        msg.attach(alternative)
        for att in draft.attachments:
            msg.attach(_attachment_part(att))
    for name, value in headers.items():
        msg[name] = _wire(value) if name in ("Subject",) else value
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=_WIRE).flatten(msg)
    readable = dict(headers)
    readable["From"] = _display_list([draft.sender])
    readable["To"] = _display_list(draft.to)
    if draft.cc:
        readable["Cc"] = _display_list(draft.cc)
    return Composed(raw=out.getvalue(), headers=readable, attachments=tuple(draft.attachments))


def _attachment_part(att: Attachment) -> MIMEApplication:
    name = _one_line(att.filename)
    if not name or any(c in name for c in "/\\"):
        raise ComposeError("attachments: each file needs a plain filename")
    maintype, _, subtype = att.content_type.partition("/")
    if maintype != "application" or not subtype:
        raise ComposeError("attachments: only application/* content types are supported")
    part = MIMEApplication(att.data, subtype)
    del part["MIME-Version"]
    if name.isascii():
        part.add_header("Content-Disposition", "attachment", filename=name)
    else:  # RFC 2231
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part


def _bodies(draft: OutgoingEmail) -> tuple[str, str]:
    text = draft.body_text.replace("\r\n", "\n").rstrip()
    markup = draft.body_html if draft.body_html is not None else text_to_html(text)
    sig = draft.signature
    if sig and (sig.html or sig.text):
        sig_text = (sig.text or "").strip() or html_to_text(sig.html or "")
        sig_html = sig.html if sig.html else text_to_html(sig.text or "")
        if sig_text:
            text = f"{text}\n\n-- \n{sig_text}"
        markup = f'{markup}\n<br>\n<div class="gmail_signature">{sig_html}</div>'
    body_html = f"<!DOCTYPE html>\n<html><body>\n{markup}\n</body></html>\n"
    return text + "\n", body_html


def _one_line(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def _ascii_domain(domain: str) -> str:
    try:
        domain.encode("ascii")
        return domain
    except UnicodeEncodeError:
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ComposeError(f"domain {domain!r} cannot be encoded") from None


def _boundary(message_id: str, salt: str = "") -> str:
    return "=_sixty_" + hashlib.sha256((salt + message_id).encode()).hexdigest()[:24]


def _wire(value: str) -> str:
    """ASCII as is (folded at spaces); anything else, or a word too long to fold, as RFC 2047."""
    if value.isascii() and all(len(word) <= 70 for word in value.split()):
        return value
    return Header(value, "utf-8", maxlinelen=76).encode()


def _checked(box: Mailbox, where: str) -> str:
    local, at, domain = box.email.strip().rpartition("@")
    if not at or not local or not domain or any(c.isspace() or c in '<>,;:"()[]\\' for c in local):
        raise ComposeError(f"{where}: not an email address")
    if not local.isascii():
        raise ComposeError(f"{where}: non-ASCII local parts are not supported")
    domain = _ascii_domain(domain)
    if any(c.isspace() or c in '<>,;:"()[]\\@' for c in domain):
        raise ComposeError(f"{where}: not an email address")
    return f"{local}@{domain}"


def _mailbox_list(boxes: Iterable[Mailbox], where: str) -> str:
    out = []
    for box in boxes:
        addr, name = _checked(box, where), _one_line(box.name)
        if not name:
            out.append(addr)
        elif name.isascii() and all(len(word) <= 70 for word in name.split()):
            out.append(formataddr((name, addr)))  # quoted when it holds specials
        else:
            out.append(f"{Header(name, 'utf-8', maxlinelen=76).encode()} <{addr}>")
    return ", ".join(out)


def _display_list(boxes: Sequence[Mailbox]) -> str:
    """The recipients as a person reads them (Unicode names), for previews and the audit trail."""
    return ", ".join(
        f"{_one_line(b.name)} <{b.email.strip()}>" if b.name.strip() else b.email.strip()
        for b in boxes
    )
