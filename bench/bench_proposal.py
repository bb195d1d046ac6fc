"""Benchmark `proposal_draft` `ms`: the offline proposal skill on a 45-minute call.

`python -m bench bench_proposal` (or `python -m bench proposal_draft`). The call is
`bench.long_call.long_call(n)` (the held-out sales calls of `bench/fresh_eval/` cycled) cut at
45 minutes of speech, plus the price book, templates and case studies of
`cli/samples/proposal.json`. The timed call is `draft_proposal` on the parsed input (skill
only: no JSON reading or printing); wall clock, median of RUNS runs.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import emit
from bench.long_call import long_call
from skills.proposals import draft_proposal, parse_proposal_input

BENCHES = ("proposal_draft",)
CALL_SECONDS = 45 * 60
RUNS = 20
SAMPLE = Path(__file__).resolve().parents[1] / "cli" / "samples" / "proposal.json"


def forty_five_minute_call() -> dict[str, Any]:
    call = long_call(2000, meeting_id="proposal-bench")
    call["utterances"] = [u for u in call["utterances"] if u["end"] <= CALL_SECONDS]
    return call


def main() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["transcript"] = forty_five_minute_call()
    inp = parse_proposal_input(data)
    args = (inp.transcript, inp.deal, inp.company, inp.contacts, inp.library)
    draft_proposal(*args)  # warm up
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        d = draft_proposal(*args)
        times.append((time.perf_counter() - t0) * 1000)
    emit(
        "proposal_draft",
        "ms",
        statistics.median(times),
        "ms",
        utterances=len(inp.transcript.utterances),
        call_minutes=45,
        line_items=len(d.line_items),
        best_ms=round(min(times), 3),
    )


if __name__ == "__main__":
    main()
