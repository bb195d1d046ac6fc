"""`JobState`: what a job keeps in `sequence_jobs.context` between runs, typed.

A sequence is code (`orchestrator.workflow`); its state is the record of what it did, so a
replay can return the same answers: `at` maps each position reached (`"3"`, `"7.1.0"` inside a
`gather`) to the name of the step, gate, sleep or follow-up there; `outputs` holds each step's
output by name; `approvals` each answered gate by name; `gates` the gates still open. The
rest is bookkeeping: the log of step runs, retries per step, follow-ups not yet spawned, child
jobs, the loaded context tiers, a failure notice not yet delivered, notifications held back
and the run's metadata. Serialised with orjson (dataclasses natively), decoded once per claim.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
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


def known_fields(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """The items of `d` that are fields of dataclass `cls` (a newer process may store more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


@dataclass
class Meta:
    """Counters and flags for one job: shown by `sixty jobs show`, read by the delivery rules."""

    attempted: int = 0
    completed: int = 0
    failed: int = 0
    gates: int = 0
    followups_queued: int = 0
    duration_ms: float = 0.0
    ai_cost_usd: float = 0.0
    chain_depth: int = 1
    started_at: float = 0.0
    budget_checked: bool = False
    clicked: bool = False  # a gate of this job was answered by the rep
    answers_rep: bool = False  # chained from the rep's click
    chain_refused: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meta:
        return cls(**known_fields(cls, d))


@dataclass
class Gate:
    """An approval gate opened and not answered yet (its row is in `slack_pending_actions`)."""

    id: str
    name: str
    kind: str
    key: str
    expires_s: float
    posted: bool = False
    channel: str | None = None
    ts: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Gate:
        return cls(**known_fields(cls, d))


@dataclass
class Answer:
    """How a gate was answered: the decision, who answered, the payload with edits applied."""

    status: str  # approved | edited | skipped | cancelled | expired
    decision: str
    actor: str | None
    payload: dict[str, Any]
    mods: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        return cls(
            status=d.get("status") or d.get("decision") or "approved",
            decision=d.get("decision") or "approve",
            actor=d.get("actor"),
            payload=d.get("payload") or {},
            mods=d.get("mods"),
        )


@dataclass
class Failing:
    """A failure whose notice to the rep was deferred (quiet hours): told on the next run."""

    step: str
    error: str


@dataclass
class JobState:
    at: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    gates: dict[str, Gate] = field(default_factory=dict)
    approvals: dict[str, Answer] = field(default_factory=dict)
    followups: list[dict[str, Any]] = field(default_factory=list)
    children: list[int] = field(default_factory=list)
    tiers: dict[str, Any] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    failing: Failing | None = None
    held_notes: list[str] = field(default_factory=list)
    meta: Meta = field(default_factory=Meta)

    @classmethod
    def new(cls, *, chain_depth: int, answers_rep: bool = False) -> JobState:
        return cls(
            meta=Meta(chain_depth=chain_depth, started_at=time.time(), answers_rep=answers_rep)
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> JobState:
        """The state stored for a job; an empty or missing context is a new state."""
        if not d:
            return cls()
        failing = d.get("failing")
        return cls(
            at=dict(d.get("at") or {}),
            outputs=dict(d.get("outputs") or {}),
            done=list(d.get("done") or []),
            log=list(d.get("log") or []),
            gates={k: Gate.from_dict(v) for k, v in (d.get("gates") or {}).items()},
            approvals={k: Answer.from_dict(v) for k, v in (d.get("approvals") or {}).items()},
            followups=list(d.get("followups") or []),
            children=list(d.get("children") or []),
            tiers=dict(d.get("tiers") or {}),
            retries=dict(d.get("retries") or {}),
            failing=Failing(**failing) if failing else None,
            held_notes=list(d.get("held_notes") or []),
            meta=Meta.from_dict(d.get("meta") or {}),
        )


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
