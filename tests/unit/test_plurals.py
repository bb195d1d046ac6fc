"""Issue 11, 2.13: no "task(s)" in anything a rep reads; counts go through `blocks.text.plural`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from blocks.text import plural

ROOT = Path(__file__).resolve().parents[2]
LAZY_PLURAL = re.compile(r"\w\((?:s|es)\)")


def test_plural() -> None:
    assert plural(1, "task") == "1 task"
    assert plural(0, "task") == "0 tasks"
    assert plural(2, "CRM change") == "2 CRM changes"
    assert plural(2, "reply", "replies") == "2 replies"


def test_no_lazy_plurals_in_user_facing_text() -> None:
    found = []
    for package in ("blocks", "bot", "flows", "sandbox", "cli"):  # skills hold regexes, not text
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text())
            docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and id(node) not in docstrings and LAZY_PLURAL.search(node.value)):  # fmt: skip
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:60]}"
                    )
    assert found == []
