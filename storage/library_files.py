"""Reading a library folder (`sixty library import DIR`) into a typed `Library`, with errors
that name the file and line.

The folder: `price_book.yaml`, `templates/*.yaml`, `case_studies/*.md` (YAML front matter:
id, title, industry, metrics; the body is the summary), `content/*.yaml` or `content/*.md`
(id, title, tags, url or file relative to the folder) and an optional `settings.yaml`
(discount_limit). YAML is composed into nodes (not loaded) so every error has a line, and prices
are read from the scalar's text, so no price ever passes through a float. Nothing here touches
the database.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from skills.proposal_types import (
    UNITS,
    CaseStudy,
    ContentAsset,
    Library,
    PriceItem,
    Template,
    TemplateSection,
    TemplateWhen,
    Unit,
)

MAX_FILE_BYTES = 20 * 1024 * 1024


class LibraryError(Exception):
    """A problem in the library folder: `file:line: what is wrong`."""


@dataclass(frozen=True)
class ContentFile:
    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class LibraryFolder:
    library: Library
    files: dict[str, ContentFile] = field(default_factory=dict)  # content id -> its file


@dataclass
class _Doc:
    """One YAML document and where it came from (`offset`: lines before it in the file)."""

    path: Path
    root: Path
    offset: int = 0

    @property
    def name(self) -> str:
        return self.path.relative_to(self.root).as_posix()

    def fail(self, node: Node | None, msg: str) -> LibraryError:
        line = (node.start_mark.line + 1 + self.offset) if node is not None else 1
        return LibraryError(f"{self.name}:{line}: {msg}")


def _compose(doc: _Doc, text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + doc.offset) if mark else 1
        raise LibraryError(f"{doc.name}:{line}: not valid YAML: {exc.problem}") from None


def _read_text(doc: _Doc) -> str:
    try:
        return doc.path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LibraryError(f"{doc.name}:1: not UTF-8 text") from None
    except OSError as exc:
        raise LibraryError(f"{doc.name}:1: cannot read: {exc.strerror or exc}") from None


def _mapping(
    doc: _Doc, node: Node | None, allowed: set[str], required: set[str], what: str
) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        raise doc.fail(node, f"{what} must be a mapping")
    out: dict[str, Node] = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            raise doc.fail(k, f"{what}: keys must be plain words")
        if k.value not in allowed:
            raise doc.fail(
                k, f"unknown key {k.value!r} in {what} (allowed: {', '.join(sorted(allowed))})"
            )
        if k.value in out:
            raise doc.fail(k, f"key {k.value!r} repeated in {what}")
        out[k.value] = v
    missing = sorted(required - out.keys())
    if missing:
        raise doc.fail(node, f"{what} is missing {', '.join(missing)}")
    return out


def _str(doc: _Doc, node: Node, what: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise doc.fail(node, f"{what} must be a non-empty text")
    return str(node.value).strip()


def _opt_str(doc: _Doc, m: dict[str, Node], key: str) -> str | None:
    return _str(doc, m[key], key) if key in m else None


def _strs(doc: _Doc, m: dict[str, Node], key: str) -> tuple[str, ...]:
    node = m.get(key)
    if node is None:
        return ()
    if not isinstance(node, SequenceNode):
        raise doc.fail(node, f"{key} must be a list")
    return tuple(_str(doc, n, f"an item of {key}") for n in node.value)


def _bool(doc: _Doc, node: Node, what: str) -> bool:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return str(node.value).lower() in ("true", "yes", "on")
    raise doc.fail(node, f"{what} must be true or false")


def _decimal(doc: _Doc, node: Node, what: str) -> Decimal:
    text = str(node.value).strip().replace("_", "") if isinstance(node, ScalarNode) else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise doc.fail(node, f"{what} must be a number, not {text!r}") from None
    if not value.is_finite():
        raise doc.fail(node, f"{what} must be a number, not {text!r}")
    return value


def _int(doc: _Doc, node: Node, what: str) -> int:
    value = _decimal(doc, node, what)
    if value != value.to_integral_value() or value < 0:
        raise doc.fail(node, f"{what} must be a whole number of at least 0")
    return int(value)


def _front_matter(doc: _Doc) -> tuple[Node | None, str]:
    """A Markdown file's YAML front matter (between `---` lines) and its body."""
    text = _read_text(doc)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise doc.fail(None, "must start with YAML front matter between '---' lines")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            doc.offset = 1
            node = _compose(doc, "\n".join(lines[1:i]))
            return node, "\n".join(lines[i + 1 :]).strip()
    raise doc.fail(None, "front matter is not closed with a '---' line")


def _unique(doc: _Doc, node: Node, seen: dict[str, str], key: str, what: str) -> None:
    if key in seen:
        raise doc.fail(node, f"duplicate {what} {key!r} (also in {seen[key]})")
    seen[key] = f"{doc.name}:{node.start_mark.line + 1 + doc.offset}"


# --------------------------------------------------------------------------- parts


def _price_book(root: Path) -> tuple[PriceItem, ...]:
    doc = _Doc(root / "price_book.yaml", root)
    if not doc.path.is_file():
        raise LibraryError("price_book.yaml:1: missing file (the price book is required)")
    top = _mapping(doc, _compose(doc, _read_text(doc)), {"currency", "items"}, {"items"},
                   "the price book")  # fmt: skip
    default_currency = _str(doc, top["currency"], "currency").upper() if "currency" in top else None
    items_node = top["items"]
    if not isinstance(items_node, SequenceNode) or not items_node.value:
        raise doc.fail(items_node, "items must be a non-empty list")
    allowed = {"sku", "name", "unit_price", "currency", "unit", "tier", "features", "synonyms"}
    seen: dict[str, str] = {}
    currency_at: tuple[str, Node] | None = None
    items: list[PriceItem] = []
    for node in items_node.value:
        m = _mapping(doc, node, allowed, {"sku", "name", "unit_price", "unit"}, "a price item")
        sku = _str(doc, m["sku"], "sku")
        _unique(doc, m["sku"], seen, sku, "sku")
        price = _decimal(doc, m["unit_price"], f"unit_price of {sku}")
        if price < 0:
            raise doc.fail(m["unit_price"], f"unit_price of {sku} is negative ({price})")
        unit = _str(doc, m["unit"], "unit")
        if unit not in UNITS:
            raise doc.fail(m["unit"], f"bad unit {unit!r} for {sku} (one of: {', '.join(UNITS)})")
        cur_node = m.get("currency", top.get("currency", node))
        currency = _str(doc, m["currency"], "currency").upper() if "currency" in m else None
        currency = currency or default_currency
        if currency is None:
            raise doc.fail(node, f"no currency for {sku} (set `currency:` at the top)")
        if currency_at is not None and currency != currency_at[0]:
            raise doc.fail(cur_node, f"mixed currencies: {sku} is in {currency}, "
                           f"earlier items in {currency_at[0]}")  # fmt: skip
        currency_at = currency_at or (currency, cur_node)
        items.append(
            PriceItem(sku=sku, name=_str(doc, m["name"], "name"), unit_price=price,
                      currency=currency, unit=_as_unit(unit),
                      tier=_bool(doc, m["tier"], "tier") if "tier" in m else False,
                      features=_strs(doc, m, "features"), synonyms=_strs(doc, m, "synonyms"))
        )  # fmt: skip
    return tuple(items)


def _as_unit(unit: str) -> Unit:
    for u in UNITS:
        if u == unit:
            return u
    raise ValueError(unit)


def _template(doc: _Doc, tiers: set[str]) -> tuple[Template, None, Node]:
    m = _mapping(doc, _compose(doc, _read_text(doc)), {"id", "name", "when", "sections"},
                 {"id", "name", "sections"}, "a template")  # fmt: skip
    when = TemplateWhen()
    if "when" in m and not (isinstance(m["when"], ScalarNode) and m["when"].value == ""):
        w = _mapping(doc, m["when"], {"deal_type", "tier", "stage", "min_seats"}, set(), "when")
        tier = _opt_str(doc, w, "tier")
        if tier is not None and tier not in tiers:
            raise doc.fail(w["tier"], f"when.tier {tier!r} is not a tier SKU of the price book")
        when = TemplateWhen(
            deal_type=_opt_str(doc, w, "deal_type"),
            tier=tier,
            stage=_opt_str(doc, w, "stage"),
            min_seats=_int(doc, w["min_seats"], "min_seats") if "min_seats" in w else None,
        )
    secs = m["sections"]
    if not isinstance(secs, SequenceNode) or not secs.value:
        raise doc.fail(secs, "sections must be a non-empty list")
    sections: list[TemplateSection] = []
    keys: dict[str, str] = {}
    for node in secs.value:
        s = _mapping(doc, node, {"key", "title", "locked", "slot"}, {"key", "title"}, "a section")
        key = _str(doc, s["key"], "key")
        _unique(doc, s["key"], keys, key, "section key")
        slot = _bool(doc, s["slot"], "slot") if "slot" in s else False
        locked = _str(doc, s["locked"], "locked") if "locked" in s else ""
        if slot == bool(locked):
            raise doc.fail(node, f"section {key!r} needs either locked text or slot: true")
        sections.append(TemplateSection(key=key, title=_str(doc, s["title"], "title"),
                                        locked=locked, slot=slot))  # fmt: skip
    tpl = Template(id=_str(doc, m["id"], "id"), name=_str(doc, m["name"], "name"), when=when,
                   sections=tuple(sections))  # fmt: skip
    return tpl, None, m["id"]


def _case_study(doc: _Doc) -> tuple[CaseStudy, None, Node]:
    node, body = _front_matter(doc)
    m = _mapping(doc, node, {"id", "title", "industry", "metrics"}, {"id", "title", "industry"},
                 "a case study's front matter")  # fmt: skip
    case = CaseStudy(id=_str(doc, m["id"], "id"), title=_str(doc, m["title"], "title"),
                     industry=_str(doc, m["industry"], "industry"), summary=body,
                     metrics=_strs(doc, m, "metrics"))  # fmt: skip
    return case, None, m["id"]


def _content(doc: _Doc) -> tuple[ContentAsset, ContentFile | None, Node]:
    if doc.path.suffix == ".md":
        node, _body = _front_matter(doc)
    else:
        node = _compose(doc, _read_text(doc))
    m = _mapping(doc, node, {"id", "title", "tags", "url", "file"}, {"id", "title"},
                 "a content asset")  # fmt: skip
    url, rel = _opt_str(doc, m, "url"), _opt_str(doc, m, "file")
    if not url and not rel:
        raise doc.fail(node, "a content asset needs a url or a file")
    blob: ContentFile | None = None
    if rel is not None:
        path = (doc.root / rel).resolve()
        if not path.is_relative_to(doc.root.resolve()):
            raise doc.fail(m["file"], f"file {rel!r} is outside the library folder")
        if not path.is_file():
            raise doc.fail(m["file"], f"missing file {rel!r}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise doc.fail(m["file"], f"file {rel!r} is larger than {MAX_FILE_BYTES} bytes")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        blob = ContentFile(name=path.name, data=path.read_bytes(), content_type=ctype)
    asset = ContentAsset(id=_str(doc, m["id"], "id"), title=_str(doc, m["title"], "title"),
                         tags=_strs(doc, m, "tags"), url=url, file=rel)  # fmt: skip
    return asset, blob, m["id"]


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _settings(root: Path) -> tuple[Decimal, str]:
    """(discount_limit, brand_colour) from `settings.yaml`, or the defaults."""
    doc = _Doc(root / "settings.yaml", root)
    default = Library()
    if not doc.path.is_file():
        return default.discount_limit, default.brand_colour
    m = _mapping(doc, _compose(doc, _read_text(doc)), {"discount_limit", "brand_colour"}, set(),
                 "the settings")  # fmt: skip
    limit = default.discount_limit
    if "discount_limit" in m:
        limit = _decimal(doc, m["discount_limit"], "discount_limit")
        if not Decimal(0) <= limit <= Decimal(1):
            raise doc.fail(m["discount_limit"], "discount_limit is a share between 0 and 1 (0.15)")
    colour = default.brand_colour
    if "brand_colour" in m:
        colour = _str(doc, m["brand_colour"], "brand_colour")
        if not _COLOUR.match(colour):
            raise doc.fail(m["brand_colour"], "brand_colour is a colour like #1f4e79")
    return limit, colour


def _files(root: Path, folder: str, suffixes: tuple[str, ...]) -> list[_Doc]:
    d = root / folder
    if not d.is_dir():
        return []
    return [_Doc(p, root) for p in sorted(d.iterdir()) if p.is_file() and p.suffix in suffixes]


def _each(docs: list[_Doc], read: Callable[[_Doc], Any], what: str) -> list[Any]:
    out: list[Any] = []
    seen: dict[str, str] = {}
    for doc in docs:
        item = read(doc)
        ident, node = item[0].id, item[2]
        if ident in seen:
            raise doc.fail(node, f"duplicate {what} id {ident!r} (also in {seen[ident]})")
        seen[ident] = doc.name
        out.append(item)
    return out


def read_library_folder(root: Path) -> LibraryFolder:
    """The library in `root`, or `LibraryError` naming the file and line of the first problem."""
    if not root.is_dir():
        raise LibraryError(f"{root}: not a folder")
    price_book = _price_book(root)
    tiers = {p.sku for p in price_book if p.tier}
    templates = _each(_files(root, "templates", (".yaml", ".yml")),
                      lambda d: _template(d, tiers), "template")  # fmt: skip
    cases = _each(_files(root, "case_studies", (".md",)), _case_study, "case study")
    content = _each(_files(root, "content", (".yaml", ".yml", ".md")), _content, "content")
    limit, colour = _settings(root)
    library = Library(templates=tuple(t[0] for t in templates), price_book=price_book,
                      case_studies=tuple(c[0] for c in cases), content=tuple(c[0] for c in content),
                      discount_limit=limit, brand_colour=colour)  # fmt: skip
    return LibraryFolder(library=library, files={a.id: f for a, f, _ in content if f})
