"""Splitting an email body into the sender's new words, the quoted thread and the signature.

Owns `split_body` and `BodyParts`: quote headers ("On … wrote:", Outlook header blocks,
"Original Message" separators in several languages), `> ` lines, and trailing signatures
(sign-offs, name and contact blocks, mobile footers, legal disclaimers). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BodyParts:
    """A body split into what the sender wrote now, the quoted thread, and the signature."""

    new: str
    quoted: str
    signature: str


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
