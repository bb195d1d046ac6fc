"""`orchestrator.offload.off_loop`: small work inline, large work in the skill worker process, which
is replaced if it dies."""

from __future__ import annotations

import os
import signal

from bench.long_call import long_call
from orchestrator import offload
from skills.intents import detect_intents
from skills.transcript_types import parse_transcript


def whose_pid(_: object) -> int:
    return os.getpid()


async def test_small_work_runs_inline_and_large_work_in_another_process() -> None:
    assert await offload.off_loop(whose_pid, None, size=offload.INLINE_MAX) == os.getpid()
    worker = await offload.off_loop(whose_pid, None, size=offload.INLINE_MAX + 1)
    assert worker != os.getpid()
    transcript = parse_transcript(long_call(400))
    assert await offload.off_loop(detect_intents, transcript, size=400) == detect_intents(
        transcript
    )


async def test_a_dead_worker_is_replaced() -> None:
    worker = await offload.off_loop(whose_pid, None, size=10**6)
    os.kill(worker, signal.SIGKILL)
    replaced = await offload.off_loop(whose_pid, None, size=10**6)
    assert replaced not in (worker, os.getpid())
    offload.shutdown()
    assert offload._pool is None
