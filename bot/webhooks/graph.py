"""Microsoft Graph change notifications (`/webhooks/graph`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def register_routes(app: web.Application, deps: Any) -> None:
    return None
