"""Structured logging: one JSON object per line (or plain text), fields passed as `extra`.

Policy: never log email bodies, transcript text or addresses. Pass ids and counts; when an
address must be referred to, log `redact_address(addr)` (its domain and a short hash).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}"
            for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_")
        )
        base = f"{record.levelname.lower():7} {record.name}: {record.getMessage()}"
        line = f"{base} {extras}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries whose DEBUG output carries SQL parameters, request bodies or addresses stay at
    # WARNING whatever LOG_LEVEL says (our own loggers follow LOG_LEVEL).
    for noisy in (
        "aiohttp.access",
        "slack_bolt",
        "slack_sdk",
        "apscheduler",
        "alembic",
        "LiteLLM",
        "aiosqlite",
        "sqlalchemy",
        "psycopg",
        "httplib2",
        "googleapiclient",
        "msal",
        "openai",
        "httpx",
        "httpcore",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def redact_address(addr: str | None) -> str | None:
    """`dana@prospect.com` -> `*@prospect.com#1a2b3c` (domain kept, local part hashed)."""
    if not addr:
        return addr
    local, _, domain = addr.rpartition("@")
    digest = hashlib.sha256(addr.lower().encode()).hexdigest()[:6]
    return f"*@{domain}#{digest}" if local else f"#{digest}"
