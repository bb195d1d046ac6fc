"""App Home's "Proposal library" section for admins: what the org's library holds and the
command that replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

IMPORT_COMMAND = "sixty library import DIR"


@dataclass(frozen=True)
class LibraryRow:
    templates: int
    price_items: int
    case_studies: int
    content: int
    discount_limit: Decimal | None  # None: nothing imported yet


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def library_blocks(row: LibraryRow) -> list[Block]:
    if row.discount_limit is None:
        summary = "No library yet: proposals need a price book and templates."
    else:
        limit = (row.discount_limit * 100).normalize()
        summary = (
            f"{_plural(row.templates, 'template')} · {_plural(row.price_items, 'price item')} · "
            f"{_plural(row.case_studies, 'case study').replace('studys', 'studies')} · "
            f"{_plural(row.content, 'content asset')}\n"
            f"Discounts over {limit:f}% need a manager's approval"
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=f"*Proposal library (admins)*\n{summary}")),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"To replace it, run `{IMPORT_COMMAND}` on the server "
                    "(price_book.yaml, templates/, case_studies/, content/, settings.yaml)"
                )
            ]
        ),
    ]
