"""PostgreSQL LISTEN/NOTIFY: wake this process's workers when any process submits a job.

One autocommit psycopg 3 async connection per process LISTENs on the channel and calls
`wake()` for each notification; it reconnects after errors. Submitters `NOTIFY` inside their
insert transaction, so the wake-up is delivered only once the job is visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg

from storage.engine import sync_url

log = logging.getLogger(__name__)


def plain_pg_url(url: str) -> str:
    return sync_url(url).replace("postgresql+psycopg://", "postgresql://")


class Listener:
    def __init__(self, url: str, channel: str, wake: Callable[[], None]) -> None:
        self.url = plain_pg_url(url)
        self.channel = channel
        self.wake = wake
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 5.0)

    async def _run(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {self.channel}")
                    self._ready.set()
                    self.wake()  # catch up with anything submitted while disconnected
                    async for _n in conn.notifies():
                        self.wake()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("LISTEN connection lost; reconnecting")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
