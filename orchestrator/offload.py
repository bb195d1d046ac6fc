"""Run a CPU-heavy pure skill off the event loop: `await off_loop(fn, *args, size=n)`.

A skill over a long transcript (intents, action items) is pure Python and regular
expressions, which hold the GIL: in a worker thread it still takes the interpreter from the
event loop in 5 ms slices and the loop's every socket call waits for its turn (measured:
healthz p50 13 ms while intents ran on 8,000 utterances in a thread, 1.3 ms with a process).
So work above `INLINE_MAX` items goes to one worker process (spawned, not forked: the app
process has threads), created on first use so an idle app costs nothing, and at a lower CPU
priority (nice 10) so on a small machine it never takes a core from the process that answers;
smaller work runs inline, where it takes a few milliseconds and a round trip would cost more.

`fn` and its arguments must pickle (module-level functions over frozen dataclasses). If the
worker process dies, the pool is replaced and the call tried once more in the new one. A
cancelled await (a step timeout) does not stop work already running in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Utterances a skill handles inline: ~0.25 ms each for intents, so at most ~40 ms on the loop.
INLINE_MAX = 150

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _start_worker() -> None:
    # background work yields the CPU to the app process, which answers Slack and webhooks
    with contextlib.suppress(OSError):
        os.nice(10)
    # the skills' patterns are compiled once, before the first call
    import skills.action_items
    import skills.intents  # noqa: F401


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


async def off_loop(fn: Callable[..., T], *args: Any, size: int, inline_max: int = INLINE_MAX) -> T:
    """`fn(*args)`, inline when `size` (utterances, or what `inline_max` counts) is small, else in
    the worker process."""
    if size <= inline_max:
        return fn(*args)
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _executor()
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            _discard(pool)
            log.warning("skill worker process died; replaced", extra={"attempt": attempt})
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def shutdown() -> None:
    """Stop the worker process, if one was started (`app.serve` calls this on the way out;
    runtimes in one process share the worker, so a runtime's own stop leaves it)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
