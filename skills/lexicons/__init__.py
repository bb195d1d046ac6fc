"""Reviewed word lists the offline language engine reads: one term per line, `#` comments.

`lexicon("vendors")` is the terms of `vendors.txt`, as written (callers escape them);
`lexicon("decision_titles", regex=True)` reads lines that are regular-expression fragments and
checks each compiles. Adding a term is a data change a reviewer can read line by line.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def lexicon(name: str, *, regex: bool = False) -> tuple[str, ...]:
    """The terms of `<name>.txt`, in file order (blank lines and `#` comments skipped)."""
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    terms = tuple(
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    if len(set(terms)) != len(terms):
        raise ValueError(f"lexicon {name} lists a term twice")
    if regex:
        for term in terms:
            re.compile(term)  # a broken fragment fails at import, not in a rep's call
    return terms
