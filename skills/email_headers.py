"""Inbound email header decoding: RFC 2047 words, bad charsets, addresses, dates, message ids.

Owns `decode_bytes` (declared charset with sensible fallbacks), `decode_header_value` (clean
one-line text), the `Address` mailbox and the address-list, Date and Message-ID readers that
`skills.email_parse` uses. Pure; never raises on junk, appends what went wrong to `problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header, decode_header
from email.utils import getaddresses, parsedate_to_datetime

from dateutil import parser as date_parser


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (may be empty) and address (as written, stripped)."""

    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


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


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_header(text: str) -> str:
    return re.sub(r"\s+", " ", CONTROL_CHARS.sub("", text)).strip()


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


def parse_addresses(values: list[str], problems: list[str], header: str) -> tuple[Address, ...]:
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


def message_ids(value: str) -> tuple[str, ...]:
    ids = re.findall(r"<[^<>\s]+>", value)
    if ids:
        return tuple(ids)
    return tuple(v for v in value.split() if v)
