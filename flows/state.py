"""The SequenceState kept in `sequence_jobs.context`: a plain JSON dict, cheap to re-serialise.

Keys: `outputs` {step: output}, `done` [step names completed or skipped], `log` [{step, status,
ms, at, error?}], `pending` (the open approval gate: {id, step, posted}), `group` (an open gate
group: {start, gates: {step: {id, step, kind, posted, ...}}}, only while one is asked), `approvals` {step:
{decision, modifications, actor}}, `followups` [event dicts not yet spawned], `children` [job
ids], `tiers` {"1": {...}, "2": {...}, "3": {...}, "loaded_at": epoch}, `branches` (the branch
rules the job started with), `retries` {step: n}, `failing` (a failure notice not yet
delivered) and `meta` (steps attempted/completed/failed, gates, followups queued, duration,
AI cost, chain depth).
"""

from __future__ import annotations

import time
from typing import Any

REDACT_KEYS = frozenset(
    {
        "body",
        "body_text",
        "text",
        "transcript",
        "utterances",
        "email",
        "to",
        "cc",
        "bcc",
        "to_addrs",
        "cc_addrs",
        "from",
        "from_addr",
        "address",
        "signature",
        "draft",
    }
)


def new_state(*, chain_depth: int, branches: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "outputs": {},
        "done": [],
        "log": [],
        "pending": None,
        "approvals": {},
        "followups": [],
        "children": [],
        "tiers": {},
        "branches": branches,
        "retries": {},
        "meta": {
            "attempted": 0,
            "completed": 0,
            "failed": 0,
            "gates": 0,
            "followups_queued": 0,
            "duration_ms": 0.0,
            "ai_cost_usd": 0.0,
            "chain_depth": chain_depth,
            "started_at": time.time(),
        },
    }


def redact(value: Any, *, depth: int = 0) -> Any:
    """Outputs as shown by `sixty jobs show`: private fields replaced by their size."""
    if depth > 6:
        return "…"
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if str(k).lower() in REDACT_KEYS:
                out[k] = f"<redacted {len(str(v))} chars>"
            else:
                out[k] = redact(v, depth=depth + 1)
        return out
    if isinstance(value, list):
        return [redact(v, depth=depth + 1) for v in value[:20]]
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value
