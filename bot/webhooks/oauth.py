"""OAuth callbacks for Google and Microsoft (`/oauth/...`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


def register_routes(app: web.Application, deps: Any) -> None:
    return None
