"""Sequences as declared data: `Step`, `Condition`, `Branch`, `Sequence` and the registries.

A sequence is an ordered list of steps plus branch rules over step outputs. Each step names
its `skill`, an async callable registered by name in a `SkillRegistry`
(`async def skill(ctx: StepContext) -> StepResult | dict | None`). A job stores the step list
(as dicts, `Step.to_dict`) and `sequence_version` it started with, so a definition changed
later never breaks a job that is paused: it finishes on its own list.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson

OnFailure = Literal["stop", "continue", "retry"]
OnExpire = Literal["skip", "cancel"]
END = "__end__"

DEFAULT_APPROVAL_EXPIRES_S = 24 * 3600.0


@dataclass(frozen=True)
class Condition:
    """A test over the outputs so far: `path` is `step.key.subkey`; ops below."""

    path: str
    op: Literal["truthy", "falsy", "eq", "ne", "in", "gt", "lt", "exists"] = "truthy"
    value: Any = None

    def evaluate(self, outputs: dict[str, Any]) -> bool:
        cur: Any = outputs
        found = True
        for part in self.path.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                found, cur = False, None
                break
        match self.op:
            case "truthy":
                return bool(cur)
            case "falsy":
                return not cur
            case "exists":
                return found
            case "eq":
                return bool(cur == self.value)
            case "ne":
                return bool(cur != self.value)
            case "in":
                return cur in (self.value or ())
            case "gt":
                return cur is not None and cur > self.value
            case "lt":
                return cur is not None and cur < self.value
        return False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "op": self.op, "value": self.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Condition | None:
        if not d:
            return None
        return cls(path=d["path"], op=d.get("op", "truthy"), value=d.get("value"))


@dataclass(frozen=True)
class Step:
    """One step. `requires_context` is the highest context tier the step needs (1..3)."""

    name: str
    skill: str
    requires_context: int = 1
    requires_approval: bool = False
    approval_kind: str = "generic"
    approval_payload_from: str | None = None  # step whose output is shown; default previous
    approval_expires_after_s: float = DEFAULT_APPROVAL_EXPIRES_S
    on_expire: OnExpire = "skip"
    on_failure: OnFailure = "stop"
    max_retries: int = 3
    condition: Condition | None = None
    timeout_s: float = 30.0
    ai: bool = False
    estimated_cost_usd: float = 0.0
    # Consecutive approval steps with the same group are asked together: every gate is shown
    # at once and each step runs as soon as its own gate is answered, in any order.
    gate_group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from the defaults (a job stores its steps this way)."""
        d = {k: v for k, v in asdict(self).items() if v != _STEP_DEFAULTS.get(k, _MISSING)}
        if self.condition is not None:
            d["condition"] = self.condition.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["condition"] = Condition.from_dict(d.get("condition"))
        return cls(**known)


_MISSING = object()
_STEP_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in Step.__dataclass_fields__.values() if f.name not in ("name", "skill")
}


@dataclass(frozen=True)
class Branch:
    """After step `after` completes, when `condition` holds, jump to `goto` (a step or END)."""

    after: str
    condition: Condition
    goto: str

    def to_dict(self) -> dict[str, Any]:
        return {"after": self.after, "condition": self.condition.to_dict(), "goto": self.goto}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Branch:
        cond = Condition.from_dict(d["condition"])
        assert cond is not None
        return cls(after=d["after"], condition=cond, goto=d["goto"])


@dataclass(frozen=True)
class Sequence:
    """A named, versioned list of steps run for one or more event types."""

    type: str
    version: int
    steps: tuple[Step, ...]
    branches: tuple[Branch, ...] = ()
    event_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"sequence {self.type}: duplicate step names")
        for b in self.branches:
            if b.after not in names or (b.goto != END and b.goto not in names):
                raise ValueError(f"sequence {self.type}: branch refers to an unknown step")
        seen: set[str] = set()
        for i, s in enumerate(self.steps):
            if s.gate_group is None:
                continue
            if not s.requires_approval:
                raise ValueError(f"sequence {self.type}: {s.name} is in a gate group but has no gate")
            if s.gate_group in seen and self.steps[i - 1].gate_group != s.gate_group:
                raise ValueError(f"sequence {self.type}: gate group {s.gate_group} is not consecutive")
            seen.add(s.gate_group)

    def definition(self) -> dict[str, Any]:
        """What a job stores: the steps and branches it started with."""
        return {
            "steps": [s.to_dict() for s in self.steps],
            "branches": [b.to_dict() for b in self.branches],
        }

    @property
    def estimated_cost_usd(self) -> float:
        return sum(s.estimated_cost_usd for s in self.steps if s.ai)


@dataclass
class StoredPlan:
    """A job's own copy of its steps and branches, decoded once per claim."""

    steps: list[Step]
    branches: list[Branch]
    index: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, steps: list[dict[str, Any]], branches: list[dict[str, Any]]) -> StoredPlan:
        decoded = [Step.from_dict(s) for s in steps]
        return cls(
            decoded,
            [Branch.from_dict(b) for b in branches],
            {s.name: i for i, s in enumerate(decoded)},
        )

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def cached(steps_text: str, branches_text: str) -> StoredPlan:
        """The decoded plan for a stored definition (jobs of one sequence version share it).

        Callers treat the plan as read-only.
        """
        return StoredPlan.from_json(orjson.loads(steps_text), orjson.loads(branches_text))

    @staticmethod
    def to_json(seq: Sequence) -> list[dict[str, Any]]:
        return [s.to_dict() for s in seq.steps]

    def next_index(self, i: int, outputs: dict[str, Any]) -> int:
        """Index of the step after step `i`, applying branch rules; len(steps) means done."""
        name = self.steps[i].name
        for b in self.branches:
            if b.after == name and b.condition.evaluate(outputs):
                return len(self.steps) if b.goto == END else self.index[b.goto]
        return i + 1


Skill = Callable[[Any], Awaitable[Any]]


class SkillRegistry:
    """Step skills by name: `registry.register("name", fn)` or `@registry.skill("name")`."""

    def __init__(self) -> None:
        self._skills: dict[str, Skill] = {}

    def register(self, name: str, fn: Skill) -> None:
        self._skills[name] = fn

    def skill(self, name: str) -> Callable[[Skill], Skill]:
        def deco(fn: Skill) -> Skill:
            self.register(name, fn)
            return fn

        return deco

    def get(self, name: str) -> Skill | None:
        return self._skills.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._skills


class SequenceRegistry:
    """Sequences by type, plus which sequence an event type starts, plus the skills."""

    def __init__(self, skills: SkillRegistry | None = None) -> None:
        self.skills = skills or SkillRegistry()
        self._by_type: dict[str, Sequence] = {}
        self._by_event: dict[str, str] = {}

    def add(self, seq: Sequence) -> None:
        self._by_type[seq.type] = seq
        for et in seq.event_types or (seq.type,):
            self._by_event[et] = seq.type

    def add_all(self, seqs: Iterable[Sequence]) -> None:
        for s in seqs:
            self.add(s)

    def get(self, sequence_type: str) -> Sequence | None:
        return self._by_type.get(sequence_type)

    def sequence_type_for(self, event_type: str) -> str:
        """The sequence an event starts; unregistered events map to their own type (waits)."""
        return self._by_event.get(event_type, event_type)

    def types(self) -> list[str]:
        return sorted(self._by_type)
