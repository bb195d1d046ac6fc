"""What a step sees: `StepContext`, the `Approval` a gate returns, and the errors a step raises.

A step is `async def step(ctx: StepContext, *args) -> dict | None`, run by
`await wf.step(step, *args)`. Through `ctx` it reads the trigger payload, the outputs of
earlier steps by name and the loaded context tiers (and has `ctx.db`, `ctx.settings`,
`ctx.delivery`, `ctx.now()`); it acts on the world only through `await ctx.effect(key, fn)`
(recorded in the effects ledger, so a replayed step returns the recorded result instead of
acting twice) and `await ctx.notify(...)` (the delivery rules apply) or `await ctx.post_dm(...)`
(exactly once, no rules); it may `ctx.queue_followup(event)` and record AI spend with
`await ctx.record_cost(...)`. Raise `TransientError` (optionally with `retry_after`) for
failures worth retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orchestrator.events import Event

if TYPE_CHECKING:
    from connectors.slack import Delivery, Posted
    from orchestrator.runner import JobRunner
    from orchestrator.workflow import StepSpec
    from storage.engine import Database


APPROVED_DECISIONS = frozenset({"approve", "approved", "edit", "edited"})


@dataclass(frozen=True)
class Approval:
    """How a gate was resolved; `payload` is the shown payload with the rep's edits applied."""

    decision: str
    actor: str | None
    payload: dict[str, Any]
    modifications: dict[str, Any] | None = None
    status: str = "approved"  # approved | edited | skipped | cancelled | expired

    @property
    def approved(self) -> bool:
        """Approved as shown or with the rep's edits (either spelling of the decision)."""
        return self.decision in APPROVED_DECISIONS


def apply_edits(payload: dict[str, Any], mods: dict[str, Any] | None) -> dict[str, Any]:
    """The shown payload with the rep's edits applied field by field.

    An edit names only what the rep changed: a dict in `mods` changes the fields it names in
    the dict it edits (an edited draft's subject and body, its recipients and threading kept);
    any other value replaces the one shown.
    """
    out = dict(payload)
    for key, new in (mods or {}).items():
        shown = out.get(key)
        out[key] = (
            apply_edits(shown, new) if isinstance(shown, dict) and isinstance(new, dict) else new
        )
    return out


class TransientError(Exception):
    """A failure worth retrying (timeouts, 5xx, 429); `retry_after` in seconds if known."""

    def __init__(self, message: str = "transient failure", retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class DeferDelivery(Exception):
    """A message may not go now (quiet hours, pause, hourly cap): park the job until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def classify(exc: BaseException) -> tuple[bool, float | None]:
    """(transient?, retry_after seconds) for an exception raised by a step."""
    if isinstance(exc, TransientError):
        return True, exc.retry_after
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True, None
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    headers: Any = getattr(exc, "headers", None)
    response = getattr(exc, "response", None)
    if status is None and response is not None:
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        headers = headers or getattr(response, "headers", None)
    if isinstance(status, int) and (status == 429 or 500 <= status < 600):
        retry_after = None
        if headers:
            raw = headers.get("Retry-After") or headers.get("retry-after")
            if isinstance(raw, list):
                raw = raw[0] if raw else None
            try:
                retry_after = float(raw) if raw is not None else None
            except (TypeError, ValueError):
                retry_after = None
        return True, retry_after
    return False, None


class StepContext:
    """Everything one step may read or do; built by the engine for each step run."""

    def __init__(self, runner: JobRunner, step: StepSpec, approval: Approval | None) -> None:
        self._runner = runner
        self.step = step
        self.approval = approval
        self.job_id: int = runner.id
        self.org_id: int = runner.org_id
        self.user_id: int | None = runner.user_id
        self.sequence_type: str = runner.sequence_type
        self.event_type: str = runner.event_type
        self.payload: dict[str, Any] = runner.payload
        self.outputs: dict[str, Any] = runner.state.outputs
        self.tiers: dict[str, Any] = runner.state.tiers
        self.settings = runner.engine.settings

    @property
    def db(self) -> Database:
        """The database, for the sequence's own reads and writes (in its own sessions).

        Using it (like Slack, effects, notifications or costs) marks the step as touching
        the world: its checkpoint is then confirmed before the next step starts.
        """
        self._runner.touched = True
        return self._runner.engine.db

    @property
    def delivery(self) -> Delivery | None:
        self._runner.touched = True
        return self._runner.engine.delivery

    def now(self) -> datetime:
        return self._runner.engine.clock()

    @property
    def answers_rep(self) -> bool:
        """What this job says answers the rep's own click or command (started by one, resumed
        by one, or chained from one): never muted, deferred, capped or batched."""
        return self._runner.answers_rep()

    async def effect(
        self,
        key: str,
        fn: Callable[[], Awaitable[Any]],
        *,
        intent: bool = False,
        reconcile: Callable[[Any], Awaitable[Any]] | None = None,
    ) -> Any:
        """Run `fn` once per (job, step, key); later calls return the recorded result.

        With `intent=True` an intent row is written before acting; a replay that finds only
        the intent calls `reconcile(intent_result)` (e.g. look the email up by Message-ID)
        and records its answer if it is not None, else acts again.
        """
        self._runner.touched = True
        return await self._runner.ledger.run(
            self.step.name, key, fn, intent=intent, reconcile=reconcile
        )

    def queue_followup(self, event: Event) -> None:
        """A follow-up event: a child job created when this job completes or pauses."""
        self._runner.queue_followup(event)

    async def notify(
        self, kind: str, text: str, blocks: list[Any] | None = None, key: str = "notify"
    ) -> Posted:
        """DM the job's user once (per key), respecting quiet hours and the hourly cap."""
        self._runner.touched = True
        return await self._runner.notify(self.step.name, kind, text, blocks, key)

    async def post_dm(
        self,
        text: str,
        blocks: list[Any] | None = None,
        key: str = "post",
        *,
        to: str | None = None,
    ) -> Posted:
        """DM the job's user (or the Slack user `to`) once per key, exactly once across
        crashes, with no delivery rules applied (the caller decided; `notify` is the usual
        way): intent and client key first, found again in the DM's history after a crash."""
        from connectors.slack import Posted

        self._runner.touched = True
        slack_id = to or self._runner._slack_user()
        if not slack_id or self._runner.engine.delivery is None:
            raise LookupError("the job has no Slack user to post to")
        p = await self._runner._post_dm(self.step.name, key, slack_id, text, blocks or [])
        return Posted(p["channel"], p["ts"])

    async def record_cost(
        self, model: str, cost_usd: float, tokens_in: int = 0, tokens_out: int = 0
    ) -> None:
        self._runner.touched = True
        await self._runner.record_cost(self.step.skill, model, cost_usd, tokens_in, tokens_out)
