"""Benchmark `coach_call` `ms`: median time to coach one 45-minute call of 310 utterances.

`python -m bench coach_call`. The call is `bench.long_call.long_call(310)` (real sales talk from
the held-out transcripts, one rep and two prospects, with competitor mentions) with its times
stretched to 45 minutes, and every 25th prospect turn an objection of one of the six types so
the objection follow-up is measured too. The timed call is `coach_transcript` on the parsed
transcript: speaker attribution, the DESIGN.md 7 metrics, questions, prospect questions,
objections, call type and feedback (JSON parsing and printing are not included). Median of
15 runs after one warm-up (wall clock; `cpu_ms` is the CPU-time median).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import emit
from bench.long_call import REP, long_call
from skills.coaching import coach_transcript
from skills.transcript_types import parse_transcript

UTTERANCES = 310
CALL_S = 45 * 60
RUNS = 15
OBJECTIONS = (
    "Honestly that feels expensive for a team our size.",
    "I think we should revisit this next quarter.",
    "We already use a tool for that and the team likes it.",
    "I need to run it by my CFO before we go further.",
    "I'm not sure we need this right now, the spreadsheet works fine for us.",
    "We got burned before by a vendor that promised the same thing.",
)


def build_call() -> dict[str, Any]:
    doc = long_call(UTTERANCES, meeting_id="coach-call")
    utterances = doc["utterances"]
    scale = CALL_S / max(u["end"] for u in utterances)
    k = 0
    for u in utterances:
        u["start"], u["end"] = round(u["start"] * scale, 2), round(u["end"] * scale, 2)
        if u["speaker"] != REP["name"]:
            if k % 25 == 0:
                u["text"] = OBJECTIONS[(k // 25) % len(OBJECTIONS)] + " " + u["text"]
            k += 1
    doc["title"] = "Kestrel Freight discovery"
    return doc


def main() -> None:
    transcript = parse_transcript(build_call())
    report = coach_transcript(transcript)  # warm-up: pattern files load and compile once
    wall, cpu = [], []
    for _ in range(RUNS):
        w0, c0 = time.perf_counter(), time.process_time()
        coach_transcript(transcript)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    emit(
        "coach_call",
        "ms",
        statistics.median(wall),
        "ms",
        cpu_ms=round(statistics.median(cpu), 3),
        utterances=len(transcript.utterances),
        call_s=round(report.metrics.call_s),
        questions=len(report.questions),
        objections=len(report.objections),
    )


if __name__ == "__main__":
    main()
