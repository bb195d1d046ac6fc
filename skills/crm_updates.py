"""CRM updates from a meeting: which deal fields change, with provenance, and which need approval.

Rules: every change carries where it came from (meeting, quote, time in the call); a field a
person edited recently is never overwritten, its change is proposed as a diff instead; a deal
stage change is always proposed, never applied (DESIGN.md section 3), and proposed at most once
per meeting and once per piece of evidence: a replayed or re-run call moves nothing again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

STAGE_ORDER = ("discovery", "qualification", "demo", "proposal", "negotiation", "closed_won")


class IntentLike(Protocol):
    label: str
    utterance: int
    speaker: str
    phrase: str
    confidence: float


@dataclass(frozen=True)
class DealSnapshot:
    id: int
    stage: str
    properties: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    field_edits: dict[str, Any] = field(
        default_factory=dict
    )  # field -> {"by": "person"|"sixty", "at": iso}


@dataclass(frozen=True)
class Provenance:
    meeting_id: int
    quote: str
    utterance: int
    offset_s: float  # seconds into the call
    at: datetime  # wall-clock time of the quote

    def to_dict(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "quote": self.quote,
            "utterance": self.utterance,
            "offset_s": self.offset_s,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any
    provenance: Provenance
    needs_approval: bool
    reason: str  # why it is proposed rather than applied, or what it records


@dataclass(frozen=True)
class PriorStageChange:
    """A stage change already made or proposed on the deal (any outcome), with its evidence."""

    meeting_id: int | None
    quote: str
    new: str
    status: str  # applied | proposed | rejected | rolled_back


def evidence_key(quote: str) -> str:
    """The words of a quote, for telling the same evidence apart from new evidence."""
    return " ".join(re.findall(r"[a-z0-9]+", quote.lower()))


def stage_already_decided(
    prior: Sequence[PriorStageChange], *, meeting_id: int, quote: str, target: str
) -> bool:
    """Whether a stage move from this meeting or this evidence was already made or proposed,
    or the same move is still waiting for the rep."""
    key = evidence_key(quote)
    return any(
        p.meeting_id == meeting_id
        or (key and evidence_key(p.quote) == key)
        or (p.status == "proposed" and p.new == target)
        for p in prior
    )


@dataclass(frozen=True)
class CrmPlan:
    changes: list[FieldChange]
    flags_to_add: list[str]
    notify_manager: bool


def next_stage(stage: str, *, proposal_committed: bool) -> str | None:
    if stage not in STAGE_ORDER:
        return None
    target = "proposal" if proposal_committed else None
    idx = STAGE_ORDER.index(stage)
    if target and STAGE_ORDER.index(target) > idx:
        return target
    if idx + 1 < len(STAGE_ORDER) - 1:  # never propose closed_won from a call
        return STAGE_ORDER[idx + 1]
    return None


def edited_by_person_recently(
    deal: DealSnapshot, name: str, now: datetime, within: timedelta
) -> bool:
    edit = deal.field_edits.get(name)
    if not isinstance(edit, dict) or edit.get("by") == "sixty":
        return False
    try:
        at = datetime.fromisoformat(str(edit.get("at")))
    except ValueError:
        return True  # unknown time: be careful, treat as recent
    return now - at < within


def plan_crm_updates(
    deal: DealSnapshot,
    intents: Sequence[IntentLike],
    *,
    meeting_id: int,
    meeting_started_at: datetime,
    utterance_offsets: Sequence[float],
    now: datetime,
    protect_edits_for: timedelta = timedelta(days=14),
    stage_history: Sequence[PriorStageChange] = (),
) -> CrmPlan:
    def prov(i: IntentLike) -> Provenance:
        offset = (
            utterance_offsets[i.utterance] if 0 <= i.utterance < len(utterance_offsets) else 0.0
        )
        return Provenance(
            meeting_id,
            i.phrase,
            i.utterance,
            offset,
            meeting_started_at + timedelta(seconds=offset),
        )

    changes: list[FieldChange] = []
    flags: list[str] = []

    def change(
        name: str, new: Any, source: IntentLike, reason: str, *, always_approve: bool = False
    ) -> None:
        old = deal.properties.get(name) if name != "stage" else deal.stage
        if old == new:
            return
        protected = edited_by_person_recently(deal, name, now, protect_edits_for)
        why = "edited by a person recently; proposed instead" if protected else reason
        changes.append(FieldChange(name, old, new, prov(source), always_approve or protected, why))

    by_label: dict[str, list[IntentLike]] = {}
    for i in intents:
        by_label.setdefault(i.label, []).append(i)

    if timeline := by_label.get("signal:timeline"):
        change("timeline", timeline[-1].phrase, timeline[-1], "timeline stated in the call")
    if competitive := by_label.get("signal:competitive"):
        existing = list(deal.properties.get("competitors_mentioned") or [])
        quotes = existing + [c.phrase for c in competitive if c.phrase not in existing]
        change("competitors_mentioned", quotes, competitive[-1], "competitor mentioned")
        flags.append("competitive")
    if stakeholders := by_label.get("signal:multi_stakeholder"):
        existing = list(deal.properties.get("stakeholders_mentioned") or [])
        quotes = existing + [s.phrase for s in stakeholders if s.phrase not in existing]
        change(
            "stakeholders_mentioned",
            quotes,
            stakeholders[-1],
            "more people involved in the decision",
        )
        flags.append("multi_stakeholder")
    negative = by_label.get("signal:buying_negative", [])
    if negative:
        flags.append("at_risk")
    positive = by_label.get("signal:buying_positive", [])
    proposal = bool(by_label.get("commitment:send_proposal"))
    if positive and not negative:
        target = next_stage(deal.stage, proposal_committed=proposal)
        if target and not stage_already_decided(
            stage_history, meeting_id=meeting_id, quote=positive[0].phrase, target=target
        ):
            change("stage", target, positive[0], "buying signal in the call", always_approve=True)
    new_flags = [f for f in dict.fromkeys(flags) if f not in deal.flags]
    return CrmPlan(changes=changes, flags_to_add=new_flags, notify_manager=bool(negative))
