"""Socket Mode connection with a watchdog.

slack_sdk's aiohttp Socket Mode client can spin on a closed session while the process looks
alive. The watchdog checks the client every few seconds; when it has not been connected for
`quiet_after_s`, it throws the client away and builds a new one. `/readyz` reads the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.deps import SlackConnectionState

log = logging.getLogger(__name__)


class SocketModeRunner:
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        state: SlackConnectionState,
        *,
        quiet_after_s: float = 60.0,
        check_every_s: float | None = None,
        ping_interval: float | None = None,
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.state = state
        self.quiet_after_s = quiet_after_s
        self.check_every_s = check_every_s or max(0.2, min(5.0, quiet_after_s / 4))
        self.ping_interval = ping_interval or max(0.2, min(10.0, quiet_after_s / 3))
        self.handler: AsyncSocketModeHandler | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False
        self._unhealthy_since: float | None = None

    def _new_handler(self) -> AsyncSocketModeHandler:
        return AsyncSocketModeHandler(self.app, self.app_token, ping_interval=self.ping_interval)

    async def start(self) -> None:
        self.handler = self._new_handler()
        await self.handler.connect_async()
        self.state.set("connected")
        self._watchdog = asyncio.create_task(self._watch(), name="socket-mode-watchdog")

    async def is_healthy(self) -> bool:
        """Connected, and the server answered a ping within `quiet_after_s`."""
        client = self.handler.client if self.handler else None
        if client is None or not await client.is_connected():
            return False
        last = client.last_ping_pong_time
        return last is None or time.time() - last < self.quiet_after_s

    async def _watch(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.check_every_s)
            if await self.is_healthy():
                self._unhealthy_since = None
                self.state.set("connected")
                continue
            now = time.monotonic()
            self._unhealthy_since = self._unhealthy_since or now
            self.state.set("reconnecting")
            if now - self._unhealthy_since >= self.quiet_after_s:
                await self.rebuild()

    async def rebuild(self) -> None:
        log.warning(
            "socket mode connection quiet; rebuilding the client",
            extra={"quiet_s": self.quiet_after_s, "reconnects": self.state.reconnects + 1},
        )
        old = self.handler
        self.handler = None
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close_async(), timeout=2)
        self.state.reconnected()
        try:
            self.handler = self._new_handler()
            await asyncio.wait_for(
                self.handler.connect_async(), timeout=max(10.0, self.quiet_after_s)
            )
            self._unhealthy_since = None
            self.state.set("connected")
        except Exception as exc:  # network trouble: keep the watchdog going, try again later
            log.error("socket mode reconnect failed", extra={"error": type(exc).__name__})
            self.state.set("disconnected")
            self._unhealthy_since = time.monotonic()

    async def stop(self) -> None:
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self.handler is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.handler.close_async(), timeout=5)
        self.state.set("disconnected")
