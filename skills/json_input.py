"""One JSON reader for every input Sixty takes: webhook bodies, `/slack/events`, CLI files.

`read_json(data, what=...)` returns the parsed document or raises `JSONInputError` whose
`reason` is one line naming `what` ("body", a file name, "stdin"): too large, not UTF-8, not
JSON (with line and column), `NaN`/`Infinity`, or nested deeper than `MAX_DEPTH`. Routes
answer it with a 400, the CLIs with exit status 2; nothing raises `RecursionError`.

How depth is bounded without a parser of our own: `json.loads` (C, linear) gives up with
`RecursionError` near the interpreter's recursion limit, so 100,000 nested `[` fail fast; a
document it accepts is then checked by counting brackets outside strings, in one pass over
the text with its strings removed (safe on valid JSON, where every `"` opens or closes one).

Pure: no I/O, importable from every layer (bot, cli, connectors).
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

MAX_DEPTH = 64  # Slack's own payloads nest about 15 deep; recorder transcripts 5
_NOT_MARK = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_LEAF = re.compile(rb"\[\]|\{\}")
_RUN = re.compile(rb"[\[{]+|[\]}]+")
_OPEN = frozenset(b"[{")


class JSONInputError(ValueError):
    """The input is not JSON we accept; `reason` is one line, never quoting the input."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_json(
    data: bytes | str,
    *,
    what: str = "body",
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse `data` (bytes must be UTF-8, a BOM is allowed) into Python values."""
    if max_bytes is not None and len(data) > max_bytes:
        raise JSONInputError(f"{what} is larger than {max_bytes} bytes")
    if isinstance(data, str):
        text, raw = data, data.encode("utf-8", "surrogatepass")
    else:
        raw = bytes(data).removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONInputError(f"{what} is not UTF-8 text") from None

    def constant(name: str) -> NoReturn:
        raise JSONInputError(f"{what} is not valid JSON: {name} is not allowed")

    try:
        doc = json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise JSONInputError(f"{what} is not valid JSON: {exc.msg} at {where}") from None
    except RecursionError:
        raise JSONInputError(f"{what} is nested deeper than {max_depth} levels") from None
    except JSONInputError:
        raise
    except ValueError as exc:  # e.g. an integer longer than Python's 4,300-digit limit
        raise JSONInputError(f"{what} is not valid JSON: {str(exc).split(';')[0]}") from None
    if isinstance(doc, dict | list) and nesting_exceeds(raw, max_depth):
        raise JSONInputError(f"{what} is nested deeper than {max_depth} levels")
    return doc


def nesting_exceeds(raw: bytes, max_depth: int) -> bool:
    """Whether VALID JSON `raw` nests arrays and objects more than `max_depth` deep.

    Escapes go first (`\\\\` pairs, then `\\"`), so every `"` left opens or closes a string;
    then only quotes and brackets are kept. A string without brackets is `""` there; if
    removing those pairs leaves no quote, no string held a bracket (the first one that did
    would leave an odd run of quotes), else strings are removed one by one. Passes that delete
    empty `[]`/`{}` pairs take off one level each, while each at least halves the text
    (typical documents end there, most of their brackets being leaves); what remains is measured by a running sum over runs of opening and closing brackets.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = raw.translate(None, _NOT_MARK)
    brackets = marks.replace(b'""', b"")
    if b'"' in brackets:
        brackets = _STRING.sub(b"", marks)
    passes = 0
    while brackets and passes < max_depth:  # each pass that halves the text is worth it
        shorter = _LEAF.sub(b"", brackets)
        passes, halved, brackets = passes + 1, 2 * len(shorter) <= len(brackets), shorter
        if not halved:
            break
    limit, depth = max_depth - passes, 0
    for run in _RUN.findall(brackets):
        if run[0] in _OPEN:
            depth += len(run)
            if depth > limit:
                return True
        else:
            depth -= len(run)
    return False
