"""`sixty proposal FILE.json`: the DESIGN.md 7 contract, and bad input as bad input."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "cli" / "samples" / "proposal.json").read_text(
        encoding="utf-8"
    )
)


def run(tmp_path: Path, payload: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "p.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    code = main(["proposal", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, SAMPLE, capsys)
    assert code == 0 and err == ""
    d = json.loads(out)
    assert list(d) == [
        "template",
        "title",
        "sections",
        "line_items",
        "total",
        "currency",
        "case_studies",
        "open_questions",
    ]
    assert isinstance(d["template"], str) and isinstance(d["title"], str)
    for s in d["sections"]:
        assert list(s) == ["key", "title", "text", "citations"]
        for c in s["citations"]:
            assert list(c) == ["utterance", "quote"]
            assert c["quote"] in SAMPLE["transcript"]["utterances"][c["utterance"]]["text"]
    assert any(s["key"] == "summary" for s in d["sections"])
    for li in d["line_items"]:
        assert list(li) == ["sku", "name", "quantity", "unit_price", "total"]
        assert li["total"] == li["quantity"] * li["unit_price"]
    assert d["total"] == sum(li["total"] for li in d["line_items"]) == 20000
    assert d["currency"] == "USD" and d["case_studies"] == ["cs-kestrel"]
    assert all(isinstance(q, str) for q in d["open_questions"])
    assert run(tmp_path, SAMPLE, capsys)[1] == out  # deterministic


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        node: Any = d
        for k in path[:-1]:
            node = node[k]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


BAD = [
    (_set(["deal"], KeyError), "deal is missing"),
    (_set(["price_book"], KeyError), "price_book is missing"),
    (_set(["company", "name"], KeyError), "company.name is missing"),
    (_set(["price_book", 0, "unit"], "month"), "price_book[0].unit must be one of"),
    (_set(["price_book", 1, "unit_price"], -5), "price_book[1].unit_price must not be negative"),
    (_set(["price_book", 2, "currency"], "EUR"), "mixes currencies"),
    (_set(["deal", "currency"], "EUR"), "mixed currencies"),
    (_set(["price_book", 1, "sku"], "STARTER"), "price_book[1].sku 'STARTER' appears twice"),
    (_set(["contacts"], {"name": "x"}), "contacts must be a list"),
    (
        _set(["templates"], [{"id": "x", "name": "X", "when": {"min_seats": 500}}]),
        "no template holds",
    ),
    (_set(["transcript", "utterances", 0, "start"], "soon"), "utterances[0].start"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    data = copy.deepcopy(SAMPLE)
    change(data)
    code, out, err = run(tmp_path, data, capsys)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_unreadable_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(tmp_path, "{not json", capsys)
    assert code == 2 and "not valid JSON" in err
    assert main(["proposal", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_an_overflowing_price(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(SAMPLE)
    data["price_book"][0]["unit_price"] = 7
    text = json.dumps(data).replace('"unit_price": 7,', '"unit_price": 1e400,')
    code, _, err = run(tmp_path, text, capsys)
    assert code == 2 and "price_book[0].unit_price must be a finite number" in err


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`sixty proposal FILE | head`: the pipe closes early; the command says nothing more."""
    import subprocess
    import sys
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "cli" / "samples" / "proposal.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "proposal", str(sample), "--indent", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the command writes (it is still importing)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0
    assert "Traceback" not in err
