"""Inbound email parsing: RFC 5322 bytes or text in, a typed `InboundEmail` out.

Owns header decoding (RFC 2047 words, bad charsets, malformed addresses and dates), body
selection (text/plain preferred, HTML turned into text with the stdlib `html.parser`),
and splitting the body into the sender's new words, the quoted thread and the signature.
Pure: no I/O, no logging of content. `parse_email` never raises on junk; it returns what
can be read and lists what went wrong in `problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

from dateutil import parser as date_parser

MAX_BODY_CHARS = 200_000
_KNOWN_HEADERS = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "sender", "reply-to", "in-reply-to"}
)
_FALSY = frozenset({"", "no", "false", "0", "off"})


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (may be empty) and address (as written, stripped)."""

    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


@dataclass(frozen=True, slots=True)
class BodyParts:
    """A body split into what the sender wrote now, the quoted thread, and the signature."""

    new: str
    quoted: str
    signature: str


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


# ---------------------------------------------------------------- decoding helpers


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode bytes with the declared charset, falling back sensibly; return (text, problem)."""
    problem: str | None = None
    tried: list[str] = []
    cs = (charset or "").strip().strip('"').lower()
    if cs and cs not in ("unknown-8bit", "x-unknown", "unknown"):
        tried.append(cs)
    for fallback in ("utf-8", "cp1252"):
        if fallback not in tried:
            tried.append(fallback)
    for i, name in enumerate(tried):
        try:
            text = data.decode(name)
        except LookupError:
            problem = f"unknown charset {cs!r}"
            continue
        except UnicodeDecodeError:
            continue
        if i > 0 and cs and problem is None and not data.isascii():
            problem = f"text not valid in declared charset {cs!r}"
        return text, problem
    return data.decode("utf-8", errors="replace"), problem or "undecodable bytes replaced"


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_header(text: str) -> str:
    return re.sub(r"\s+", " ", _CTRL.sub("", text)).strip()


def _surrogate_bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def decode_header_value(value: object, problems: list[str] | None = None) -> str:
    """One header's value as clean text (RFC 2047 decoded, folding removed)."""
    if value is None:
        return ""
    try:
        chunks = decode_header(value if isinstance(value, str | Header) else str(value))
    except Exception:  # malformed encoded words: keep the raw text
        if problems is not None:
            problems.append("malformed encoded header")
        raw = str(value)
        return _clean_header(decode_bytes(_surrogate_bytes(raw), None)[0])
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            text, problem = decode_bytes(chunk, charset)
            if problem and problems is not None:
                problems.append(f"header: {problem}")
            out.append(text)
        else:
            # surrogate escapes stand for raw 8-bit bytes in an unencoded header
            out.append(decode_bytes(_surrogate_bytes(chunk), None)[0])
    return _clean_header("".join(out))


def _addresses(values: list[str], problems: list[str], header: str) -> tuple[Address, ...]:
    if not values:
        return ()
    out: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:
        pairs = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>")
        name = name.strip().strip('"').strip()
        if "@" not in addr:
            if addr or name:
                problems.append(f"malformed address in {header}")
            continue
        out.append(Address(name=name, address=addr))
    if not out and any(v.strip() for v in values):
        # a last resort for very broken headers: pull out anything shaped like an address
        for addr in re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", " ".join(values)):
            out.append(Address(name="", address=addr))
        problems.append(f"unparseable {header} header")
    return tuple(out)


def parse_date(value: str, problems: list[str]) -> datetime | None:
    """An RFC 5322 date as an aware datetime; naive dates are taken as UTC (and flagged)."""
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            parsed = date_parser.parse(value)
        except (ValueError, OverflowError, TypeError):
            problems.append("unparseable Date header")
            return None
        problems.append("non-standard Date header")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.append("Date header without timezone, taken as UTC")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _msg_ids(value: str) -> tuple[str, ...]:
    ids = re.findall(r"<[^<>\s]+>", value)
    if ids:
        return tuple(ids)
    return tuple(v for v in value.split() if v)


# ---------------------------------------------------------------- HTML to text

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
        "section", "article", "header", "footer", "hr", "pre", "blockquote", "dt", "dd", "address",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _HtmlToText(HTMLParser):
    """HTML → plain text: block elements break lines, blockquotes become `> ` lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0

    def _flush(self) -> None:
        text = "".join(self.current)
        if not self.pre_depth:
            text = re.sub(r"[ \t\r\n\f\u00a0]+", " ", text).strip()
        self.current = []
        prefix = "> " * self.quote_depth
        if text:
            for line in text.split("\n"):
                self.lines.append(prefix + line)
        elif self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "p", "div"):
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip()


def html_to_text(html: str) -> str:
    """Readable text from an HTML body (stdlib parser; never raises on bad markup)."""
    parser = _HtmlToText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but stay safe on pathological input
        return re.sub(r"<[^>]+>", " ", html)
    return parser.text()


# ---------------------------------------------------------------- reply splitting

_ON_WROTE = re.compile(
    r"^\s*(on\b.{0,200}\bwrote\s*:?|le\b.{0,200}\ba écrit\s*:?|am\b.{0,200}\bschrieb\b.{0,80}:?"
    r"|el\b.{0,200}\bescribió\s*:?|op\b.{0,200}\bschreef\b.{0,80}:?)\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|mensaje original|message d'origine"
    r"|ursprüngliche nachricht)\s*-{2,}|begin forwarded message:?|_{10,}|-{10,}"
    r"|\*{0,2}from:\*{0,2}\s.*)\s*$",
    re.IGNORECASE,
)
_HEADERISH = re.compile(r"^\s*\*{0,2}(sent|date|to|subject|cc|von|gesendet|envoyé|de)\s*:", re.I)
_SIG_DASHES = re.compile(r"^\s*(--|—|__)\s*$")
_MOBILE_SIG = re.compile(
    r"^\s*(sent from my|sent from (outlook|mail|yahoo|gmail)|get outlook for|sent via|"
    r"sent on the go|envoyé de mon)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(best|best regards|best wishes|kind regards|warm regards|warmly|regards|many thanks|"
    r"thanks|thank you|thanks again|thanks so much|thx|cheers|sincerely|yours|all the best|"
    r"talk soon|speak soon|br|rgds|ta|tia|with thanks|respectfully|take care)"
    r"\s*[,.!-]*\s*(\w[\w.'-]*\s*){0,3}$",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(\+?\d[\d\s().-]{7,}\d)")
_NAME_LINE = re.compile(r"^\s*[-–—~]?\s*[A-Z][\w'’.-]*(\s+[A-Z][\w'’.-]*){0,3}\s*$")
_CONTACT_LINE = re.compile(
    r"(https?://|www\.|@[\w-]+\.|\b(tel|phone|mobile|mob|cell|direct|office|fax)\b\s*[:.]?|"
    r"\|)",
    re.IGNORECASE,
)


def _is_quote_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _ON_WROTE.match(line):
        return True
    stripped = line.strip()
    low = stripped.lower()
    # "On Wed, 18 Nov 2026 ... Sarah Chen <" / "sarah@x> wrote:" wrapped over two lines
    if re.match(r"^(on|le|am|el)\b", low) and i + 1 < len(lines):
        joined = stripped + " " + lines[i + 1].strip()
        if len(joined) < 300 and _ON_WROTE.match(joined):
            return True
    if _SEPARATOR.match(line):
        if re.match(r"^\*{0,2}from:", low):
            # an Outlook header block: From: then Sent:/Date:/To:/Subject: within a few lines
            following = lines[i + 1 : i + 5]
            return sum(1 for f in following if _HEADERISH.match(f)) >= 1
        if re.match(r"^(_{10,}|-{10,})$", stripped):
            following = [f for f in lines[i + 1 : i + 4] if f.strip()]
            return bool(following) and bool(re.match(r"^\*{0,2}from:", following[0].strip(), re.I))
        return True
    return False


_DISCLAIMER = re.compile(
    r"^\W*(confidentiality notice|confidential(ity)?( notice)?:|disclaimer|legal notice|"
    r"this (e-?mail|message|communication|transmission)( and any (attachments?|files|documents)"
    r"( transmitted with it)?)? (is|are|may be|contains?|may contain|is intended)|the information"
    r" (contained )?in this (e-?mail|message|communication)|if you (are not|have received this) )",
    re.IGNORECASE,
)


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """Separate a trailing signature (sign-off, name, title, phone lines, legal disclaimer)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    for i, line in enumerate(lines):
        if i > 0 and _DISCLAIMER.match(line):
            head, tail = _split_signature(lines[:i])
            return head, tail + lines[i:]
    for i, line in enumerate(lines):
        if _SIG_DASHES.match(line) or _MOBILE_SIG.match(line):
            return lines[:i], lines[i:]
    # a sign-off ("Best," / "Thanks, Sarah") near the end, followed only by short lines
    n = len(lines)
    for i in range(max(0, n - 10), n):
        line = lines[i]
        if _CLOSING.match(line) and len(line.strip()) <= 40 and any(x.strip() for x in lines[:i]):
            rest = [r for r in lines[i + 1 :] if r.strip()]
            if len(rest) <= 6 and all(len(r.strip()) <= 60 and "?" not in r for r in rest):
                return lines[:i], lines[i:]
    # a trailing block of a name and title/contact lines after a blank line
    last_blank = max((k for k, line in enumerate(lines) if not line.strip()), default=-1)
    if 0 <= last_blank < n - 1:
        block = [b for b in lines[last_blank + 1 :] if b.strip()]
        if (
            block
            and len(block) <= 6
            and _NAME_LINE.match(block[0])
            and len(block[0].split()) <= 4
            and all(
                len(b.strip()) <= 60
                and "?" not in b
                and (
                    _NAME_LINE.match(b)
                    or _CONTACT_LINE.search(b)
                    or _PHONE.search(b)
                    or "," in b
                    or len(b.split()) <= 6
                )
                for b in block
            )
            and not block[0].strip().endswith((".", "!"))
            and any(lines[k].strip() for k in range(last_blank))
        ):
            return lines[:last_blank], lines[last_blank + 1 :]
    return lines, []


def split_body(text: str) -> BodyParts:
    """Split a plain-text body into the new part, the quoted thread and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i in range(len(lines)):
        if _is_quote_header(lines, i):
            cut = i
            break
    head, tail = lines[:cut], lines[cut:]
    new_lines: list[str] = []
    quoted_lines: list[str] = []
    for line in head:
        (quoted_lines if line.lstrip().startswith(">") else new_lines).append(line)
    quoted_lines.extend(tail)
    body, signature = _split_signature(new_lines)
    return BodyParts(
        new="\n".join(body).strip(),
        quoted="\n".join(quoted_lines).strip(),
        signature="\n".join(signature).strip(),
    )


# ---------------------------------------------------------------- questions

_ASK_OPENERS = (
    r"can|could|would|will|do|does|did|is|are|was|were|have|has|should|shall|may|"
    r"how|what|when|where|which|who|whom|whose|why|whether|any chance"
)
_ASK_START = re.compile(rf"^(?:(?:and|also|so|but|plus|one more thing|lastly|finally|ok|okay)[,:]?\s+)*"
                        rf"(?:{_ASK_OPENERS})\b", re.I)  # fmt: skip
_ASK_PHRASE = re.compile(
    r"\b(let me know|tell me|wondering|i'd like to know|i would like to know|please (confirm|advise|"
    r"clarify|explain|share)|can you confirm|curious (whether|if|how|about))\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
# "… whether you integrate with Salesforce, and how single sign-on works?" asks two things.
_ASK_JOIN = re.compile(rf",?\s+(?:and|or|also|plus|as well as)\s+(?=(?:{_ASK_OPENERS}|if)\b)", re.I)
QUESTION_MAX = 200


def questions_in(text: str) -> tuple[str, ...]:
    """Each thing the sender asks in `text` (the new part of an email), in order, one per ask:
    sentences ending in "?", starting like a question, or asking ("let me know whether …"),
    split where one sentence joins two asks ("…, and how …"). Clipped, without repeats."""
    asks: list[str] = []
    for raw in _SENTENCE.split(text or ""):
        sentence = " ".join(raw.split()).strip(" -•*>")
        if len(sentence) < 4:
            continue
        if not (
            sentence.endswith("?") or _ASK_START.match(sentence) or _ASK_PHRASE.search(sentence)
        ):
            continue
        if not sentence.endswith("?") and sentence.endswith("."):
            sentence = sentence[:-1]
        for part in _ASK_JOIN.split(sentence):
            part = part.strip(" ,;")
            if len(part) >= 4:
                asks.append(part if len(part) <= QUESTION_MAX else part[: QUESTION_MAX - 1] + "…")
    return tuple(dict.fromkeys(asks))


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


_PLAIN_MARKUP = re.compile(
    r"<br\s*/?>|</?(p|div|span|b|i|u|em|strong|font)\b[^<>]{0,200}>|&(nbsp|amp|lt|gt|quot|apos|"
    r"#\d{2,5}|#x[0-9a-f]{2,4});",
    re.IGNORECASE,
)


def _plain_markup_to_text(text: str) -> str:
    """A text/plain part that still carries HTML line breaks, inline tags or entities (some
    clients paste markup into the plain alternative): keep its lines, drop the markup.
    Addresses in angle brackets are not tags and stay."""
    if not _PLAIN_MARKUP.search(text):
        return text
    text = re.sub(r"[ \t]*<br\s*/?>[ \t]*(\r?\n)?", "\n", text, flags=re.IGNORECASE)
    text = re.sub(
        r"</?(p|div|span|b|i|u|em|strong|font)\b[^<>]{0,200}>", "", text, flags=re.IGNORECASE
    )
    return unescape(text).replace("\u00a0", " ")


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
        return _plain_markup_to_text(plain), False
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

    senders = _addresses(header_all("from"), problems, "From")
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
    text = _CTRL.sub("", text.replace("\r\n", "\n"))[:MAX_BODY_CHARS]
    parts = split_body(text)
    in_reply_to = header("in-reply-to")
    looks = not binary and bool(keys & _KNOWN_HEADERS)
    return InboundEmail(
        sender=senders[0] if senders else None,
        to=_addresses(header_all("to"), problems, "To"),
        cc=_addresses(header_all("cc"), problems, "Cc"),
        reply_to=_addresses(header_all("reply-to"), problems, "Reply-To"),
        subject=header("subject"),
        date=parse_date(header("date"), problems),
        message_id=(_msg_ids(header("message-id")) or (None,))[0],
        in_reply_to=(_msg_ids(in_reply_to) or (None,))[0],
        references=_msg_ids(header("references")),
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
