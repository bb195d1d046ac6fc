"""Benchmark `intents_long_call` `ms_per_utterance`: offline intent detection on one long call
of 8,000 utterances (goal: at most 0.3 ms per utterance, issue 11 item 3.1), with the 2,000 and
4,000 utterance figures beside it to show the growth is linear.

`python -m bench intents`. The call is `bench.long_call.long_call(n)`: the held-out sales calls
of `bench/fresh_eval/` cycled, with a prospect naming another (made-up, always new) vendor every
seventh turn. The timed call is `detect_intents` on the parsed transcript, with the text caches
emptied first; wall clock, best of two runs per size (`cpu_ms_per_utterance` is the CPU time).
"""

from __future__ import annotations

import time

from bench.common import emit
from bench.long_call import long_call
from skills.intents import detect_intents
from skills.text_features import clean, sentences
from skills.transcript_types import parse_transcript

SIZES = (2000, 4000, 8000)
RUNS = 2


def measure(n: int) -> tuple[float, float, int]:
    """(wall ms per utterance, CPU ms per utterance, intents found), best of RUNS."""
    transcript = parse_transcript(long_call(n))
    best_wall = best_cpu = float("inf")
    found = 0
    for _ in range(RUNS):
        clean.cache_clear()
        sentences.cache_clear()
        t0, c0 = time.perf_counter(), time.process_time()
        found = len(detect_intents(transcript))
        best_wall = min(best_wall, (time.perf_counter() - t0) * 1000 / n)
        best_cpu = min(best_cpu, (time.process_time() - c0) * 1000 / n)
    return best_wall, best_cpu, found


def main() -> None:
    detect_intents(parse_transcript(long_call(200)))  # warm up (imports, compiled patterns)
    figures = {n: measure(n) for n in SIZES}
    wall, cpu, found = figures[SIZES[-1]]
    emit(
        "intents_long_call",
        "ms_per_utterance",
        wall,
        "ms",
        utterances=SIZES[-1],
        cpu_ms_per_utterance=round(cpu, 4),
        intents=found,
        ms_per_utterance_by_size={str(n): round(f[0], 4) for n, f in figures.items()},
    )


if __name__ == "__main__":
    main()
