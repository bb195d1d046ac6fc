"""What listeners and webhook routes are given: settings, database, orchestrator, clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config import Settings
from orchestrator.events import Event, JobRef, Orchestrator, Skipped
from storage.engine import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SlackConnectionState:
    """The Slack connection as /readyz reports it."""

    mode: str
    state: str = "starting"  # starting | connected | reconnecting | disconnected | http
    since: datetime = field(default_factory=utc_now)
    reconnects: int = 0
    _waiters: list[asyncio.Future[None]] = field(default_factory=list, repr=False)

    def set(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.since = utc_now()
            self._wake()

    def reconnected(self) -> None:
        self.reconnects += 1
        self._wake()

    def _wake(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[SlackConnectionState], bool]) -> None:
        """Wait until `predicate(self)` holds (woken on every change, no polling).

        Bound it with `asyncio.timeout(...)`.
        """
        while not predicate(self):
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            await fut


@dataclass
class Deps:
    settings: Settings
    db: Database
    orchestrator: Orchestrator | None = None
    clock: Callable[[], datetime] = utc_now
    slack: SlackConnectionState = field(
        default_factory=lambda: SlackConnectionState(mode="sandbox")
    )
    settings_listeners: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    proactive_planner: Any = None  # flows.planner.ProactivePlanner once crons are attached
    # Told when a buyer's tab first opens a proposal link (`bot.proposal_page.ViewOpened`).
    proposal_view_listeners: list[Callable[[Any], Awaitable[None]]] = field(default_factory=list)

    async def submit(self, event: Event) -> JobRef | Skipped:
        """Hand an event to the orchestrator (webhooks, crons and listeners call this)."""
        if self.orchestrator is None:
            return Skipped(reason="orchestrator not running")
        return await self.orchestrator.submit(event)
