"""HTML to readable text for inbound email bodies (stdlib `html.parser`, never raises).

Owns `html_to_text` (block elements break lines, blockquotes become `> ` lines, scripts and
styles are dropped) and `plain_markup_to_text` for text/plain parts that still carry markup.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

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


_PLAIN_MARKUP = re.compile(
    r"<br\s*/?>|</?(p|div|span|b|i|u|em|strong|font)\b[^<>]{0,200}>|&(nbsp|amp|lt|gt|quot|apos|"
    r"#\d{2,5}|#x[0-9a-f]{2,4});",
    re.IGNORECASE,
)


def plain_markup_to_text(text: str) -> str:
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
