"""Sequences as code: the `@sequence` decorator, `SequenceDef`, the registry and the step kinds.

A sequence is one `async def run(wf: Workflow) -> None` that reads top to bottom
(`orchestrator.workflow`). `@sequence("meeting_ended", version=3, events=(...))` wraps it in a
`SequenceDef`. A job runs the version it started with: the registry keeps versions side by
side (`registry.get(type, version)`), so change a sequence's steps by adding a new version
and keep the old one until `sixty jobs versions` shows no job on it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from orchestrator.workflow import Workflow

DEFAULT_APPROVAL_EXPIRES_S = 24 * 3600.0


class OnFailure(enum.StrEnum):
    """What a step's failure does: stop the job (and tell the rep), carry on with
    `{"error": ...}` as the step's output, or retry transient failures with backoff."""

    STOP = "stop"
    CONTINUE = "continue"
    RETRY = "retry"


class OnExpire(enum.StrEnum):
    """What an unanswered gate does when it expires: skip what it guards, or cancel the job."""

    SKIP = "skip"
    CANCEL = "cancel"


class ApprovalKind(enum.StrEnum):
    """Every kind of approval a sequence asks for (`blocks.approval` renders each)."""

    GENERIC = "generic"
    EMAIL_SEND = "email_send"
    EMAIL_RECIPIENTS = "email_recipients"
    CALENDAR_INVITE = "calendar_invite"
    CONTACT_ADD = "contact_add"
    DEAL_CLOSE = "deal_close"
    STAGE_CHANGE = "stage_change"
    TASKS = "tasks"
    PROPOSAL_REVIEW = "proposal_review"
    PROPOSAL_DISCOUNT = "proposal_discount"
    COACHING_NOTE = "coaching_note"


SequenceFn = Callable[["Workflow"], Awaitable[None]]


@dataclass(frozen=True)
class SequenceDef:
    """One version of a sequence: its type, the events that start it, and its code."""

    type: str
    version: int
    run: SequenceFn
    events: tuple[str, ...] = ()
    estimated_cost_usd: float = 0.0  # AI spend a run may need; checked against the budget

    @property
    def event_types(self) -> tuple[str, ...]:
        return self.events or (self.type,)


def sequence(
    type: str,
    *,
    version: int,
    events: Iterable[str] = (),
    estimated_cost_usd: float = 0.0,
) -> Callable[[SequenceFn], SequenceDef]:
    """Declare `run` as version `version` of sequence `type`, started by `events`."""

    def deco(fn: SequenceFn) -> SequenceDef:
        return SequenceDef(
            str(type), version, fn, tuple(str(e) for e in events), estimated_cost_usd
        )

    return deco


class SequenceRegistry:
    """Sequences by type and version, and which sequence each event type starts."""

    def __init__(self, sequences: Iterable[SequenceDef] = ()) -> None:
        self._by_type: dict[str, dict[int, SequenceDef]] = {}
        self._by_event: dict[str, str] = {}
        self.add_all(sequences)

    def add(self, seq: SequenceDef) -> None:
        versions = self._by_type.setdefault(seq.type, {})
        if seq.version in versions and versions[seq.version] is not seq:
            raise ValueError(f"sequence {seq.type} v{seq.version} is registered twice")
        versions[seq.version] = seq
        for et in seq.event_types:
            other = self._by_event.get(et)
            if other is not None and other != seq.type:
                raise ValueError(f"event {et} starts both {other} and {seq.type}")
            self._by_event[et] = seq.type

    def add_all(self, seqs: Iterable[SequenceDef]) -> None:
        for s in seqs:
            self.add(s)

    def get(self, sequence_type: str, version: int | None = None) -> SequenceDef | None:
        """Version `version` of the sequence, or its newest when `version` is None."""
        versions = self._by_type.get(sequence_type)
        if not versions:
            return None
        if version is None:
            return versions[max(versions)]
        return versions.get(version)

    def versions(self, sequence_type: str) -> list[int]:
        return sorted(self._by_type.get(sequence_type, {}))

    def fate(self, sequence_type: str, version: int) -> Literal["runs", "waits", "fails"]:
        """What a process with this registry does with a job of `version` when it claims it:
        runs it (version 0, created before its sequence existed, adopts the newest), waits for
        a process that has it (no such sequence here, or a newer version: a rolling deploy), or
        fails it loudly (an older version this build dropped while jobs still used it)."""
        known = self.versions(sequence_type)
        if (version == 0 and known) or version in known:
            return "runs"
        if known and version < max(known) and version != 0:
            return "fails"
        return "waits"

    def sequence_type_for(self, event_type: str) -> str:
        """The sequence an event starts; unregistered events map to their own type (waits)."""
        return self._by_event.get(event_type, event_type)

    def types(self) -> list[str]:
        return sorted(self._by_type)
