"""Helpers shared by subcommands: settings, JSON input files, running async work."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from config import ConfigError, Settings, load_settings
from skills.json_input import JSONInputError, read_json

T = TypeVar("T")
MAX_INPUT_BYTES = 200 * 1024 * 1024  # a very long call's transcript is tens of MB


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def read_json_file(path: str) -> Any:
    """JSON from a file, or from standard input when `path` is "-", read by the one JSON
    reader (`skills.json_input`): too large, not UTF-8, not JSON or nested too deep is a
    `UsageError` (one line on stderr, exit status 2)."""
    from cli.main import UsageError

    if path == "-":
        what, stream = "stdin", getattr(sys.stdin, "buffer", None)
        raw: bytes | str = (stream or sys.stdin).read(MAX_INPUT_BYTES + 1)
    else:
        what, p = path, Path(path)
        if not p.is_file():
            raise UsageError(f"no such file: {path}")
        try:
            if p.stat().st_size > MAX_INPUT_BYTES:
                raise UsageError(f"{path} is larger than {MAX_INPUT_BYTES} bytes")
            raw = p.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return read_json(raw, what=what, max_bytes=MAX_INPUT_BYTES)
    except JSONInputError as exc:
        raise UsageError(exc.reason) from None


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
