"""`Workflow` (`wf`): what a sequence's code calls, and how a run replays what it did before.

    @sequence("email_received", version=3, events=(EventType.EMAIL_RECEIVED,))
    async def email_received(wf: Workflow) -> None:
        msg = await wf.step(fetch, on_failure=OnFailure.RETRY)
        match (await wf.step(classify, msg))["category"]:
            case "meeting_request":
                wf.follow_up(Event(...))
            case "reply":
                draft = await wf.step(draft_reply, msg)
                decision = await wf.approval(ApprovalKind.EMAIL_SEND, draft, name="send_reply")
                if decision.approved:
                    await wf.step(send_reply, decision)

A job runs its sequence from the top every time it is claimed. Each call takes the next
position (`"0"`, `"1"`, ...; inside `gather`, `"<pos>.<branch>.<n>"`) and a name; the state
records what happened at each position (`JobState.at`), so on a replay `wf.step` returns the
stored output of a step that completed, `wf.approval` the stored answer, and only the work
after the last checkpoint runs again: a crash repeats at most the step in flight, whose
effects the ledger keeps to once. A replay that finds a different name at a position than the
one recorded fails the job loudly with both names (the code changed under a running job:
give the sequence a new version instead).

`wf.gather(a(), b(), c())` runs independent branches in order, each to its end or to a gate:
their gates are shown together and each branch goes on as soon as its own gate is answered.
Sequence code must be deterministic given the step outputs (read the clock, the database or
the network only inside steps).

What we kept from the engines that do this (facts from their docs, none of their code):
DBOS re-runs a workflow function and returns recorded step results by position, and refuses a
step whose name differs from the one recorded there (our `ReplayMismatch`); Inngest re-runs the
function from the top and memoizes each step by its id, counting repeats of one id itself (our
`name#2`), with independent steps awaited together (our `gather`); Temporal keeps old workflow
code runnable beside new code until no execution needs it (our versions side by side and
`sixty jobs versions`). Unlike them we keep one row per job: the replay record lives in the
job's `context`, and effects in the ledger (`orchestrator.effects`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from orchestrator.context import Approval
from orchestrator.events import Event
from orchestrator.gates import NewGate
from orchestrator.sequence import DEFAULT_APPROVAL_EXPIRES_S, OnExpire, OnFailure

if TYPE_CHECKING:
    from orchestrator.runner import JobRunner

T = TypeVar("T")


class Suspended(BaseException):
    """The run stops here for now (a BaseException, so a step's `except Exception` never eats it)."""


class AwaitingGates(Suspended):
    """One or more gates are open and unanswered: show the new ones and park the job."""


class Parked(Suspended):
    """The runner already wrote what happens next (a retry, a deferral, a failure, a sleep)."""


class JobCancelled(Exception):
    """A gate was cancelled (or expired with `on_expire=cancel`): the job ends, cancelled."""


class ReplayMismatch(Exception):
    """The sequence asks for something other than what the job recorded at this position."""

    def __init__(self, job_id: int, key: str, recorded: str, asked: str) -> None:
        super().__init__(
            f"job {job_id} replay mismatch at position {key}: recorded {recorded!r}, "
            f"the sequence now asks for {asked!r}"
        )


class NameTaken(Exception):
    """Two positions ask for one name (in two gather branches, or a step and a sleep): their
    outputs or answers would overwrite each other, so the job fails before either runs."""

    def __init__(self, job_id: int, name: str, first: str, second: str) -> None:
        super().__init__(
            f"job {job_id}: {name!r} is asked for at positions {first} and {second}; "
            "give one of them its own name="
        )


@dataclass(frozen=True)
class StepSpec:
    """How one step runs: its name, failure policy, retries, time limit, context and AI cost."""

    name: str
    skill: str
    on_failure: OnFailure = OnFailure.STOP
    retries: int = 3
    timeout_s: float = 30.0
    context: int = 1  # the highest context tier the step reads (3 loads enrichment first)
    ai_cost_usd: float = 0.0  # estimated spend; checked against the org's budget first


class Workflow:
    """The handle a sequence's code gets: steps, approvals, gather, sleep and follow-ups."""

    def __init__(self, runner: JobRunner) -> None:
        self._runner = runner
        self._scope = ""
        self._n = 0
        self._names: dict[str, int] = {}
        self._in_gather = False
        self._taken: dict[tuple[str, str], str] = {}  # (record, name) -> position, all scopes
        self.new_gates: list[NewGate] = []
        self.engine_error: Exception | None = None  # raised by the engine under a `wf` call
        self.job_id: int = runner.id
        self.org_id: int = runner.org_id
        self.user_id: int | None = runner.user_id
        self.event_type: str = runner.event_type
        self.payload: dict[str, Any] = runner.payload
        self.settings = runner.engine.settings

    # ------------------------------------------------------------------ positions

    def _position(self, base: str, what: str = "step") -> tuple[str, str]:
        """The next position and the name to record there (`name#2` for a repeat of a step,
        gate, sleep or follow-up name in one scope; a step and a gate may share a name)."""
        key = f"{self._scope}{self._n}"
        self._n += 1
        seen = self._names.get(f"{what}:{base}", 0) + 1
        self._names[f"{what}:{base}"] = seen
        name = base if seen == 1 else f"{base}#{seen}"
        if what != "gather":  # steps and sleeps share `outputs`; gates share `approvals`
            slot = ("outputs" if what in ("step", "sleep") else what, name)
            first = self._taken.setdefault(slot, key)
            if first != key:  # the same name in another scope (suffixes count within one)
                raise NameTaken(self.job_id, name, first, key)
        return key, name

    def _recorded(self, key: str, name: str) -> bool:
        """Whether position `key` was reached before; a different name there is a mismatch."""
        rec = self._runner.state.at.get(key)
        if rec is None:
            return False
        if rec != name:
            raise ReplayMismatch(self._runner.id, key, rec, name)
        return True

    # ------------------------------------------------------------------ steps

    async def step(
        self,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        name: str | None = None,
        on_failure: OnFailure = OnFailure.STOP,
        retries: int = 3,
        timeout_s: float = 30.0,
        context: int = 1,
        ai_cost_usd: float = 0.0,
        approval: Approval | None = None,
    ) -> Any:
        """Run `fn(ctx, *args)` once and return its output (JSON-ready); on a replay, the
        output it returned then. `approval` is shown to the step as `ctx.approval`."""
        key, name = self._position(name or fn.__name__)
        if self._recorded(key, name):
            return self._runner.state.outputs.get(name)
        skill = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', name)}"
        spec = StepSpec(
            name, skill, OnFailure(on_failure), retries, timeout_s, context, ai_cost_usd
        )
        return await self._engine(self._runner.run_step(key, spec, fn, args, approval))

    async def _engine(self, work: Awaitable[T]) -> T:
        """Await the runner's own work, remembering an error it raises (a lost lease, the
        database), which the runner tells apart from an error in the sequence's code."""
        try:
            return await work
        except Exception as exc:
            self.engine_error = exc
            raise

    # ------------------------------------------------------------------ approvals

    async def approval(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        name: str | None = None,
        expires_after_s: float = DEFAULT_APPROVAL_EXPIRES_S,
        on_expire: OnExpire = OnExpire.SKIP,
        approver: int | None = None,
    ) -> Approval:
        """Ask the rep to approve `payload` (shown as an approval card of `kind`) and return the
        answer: `.approved` with the payload as edited, or not (skipped, expired). `approver`
        names another user who answers it (the rep's manager), shown in their DM. A cancel
        (or an expiry with `on_expire=CANCEL`) ends the job, except inside `gather`, where it
        only skips its own branch's work."""
        key, name = self._position(name or f"approve_{kind}", "gate")
        st = self._runner.state
        if self._recorded(key, name):
            answer = st.approvals.get(name)
            if answer is None:  # still open
                raise AwaitingGates()
            cancelled = answer.status == "cancelled" or (
                answer.status == "expired" and answer.decision == OnExpire.CANCEL
            )
            if cancelled and not self._in_gather:
                raise JobCancelled(f"{answer.status} at gate {name}")
            return Approval(
                answer.decision, answer.actor, answer.payload, answer.mods, answer.status
            )
        self.new_gates.append(
            NewGate(
                key, name, str(kind), payload, expires_after_s, str(OnExpire(on_expire)), approver
            )
        )
        raise AwaitingGates()

    async def step_if_approved(
        self,
        kind: str,
        payload: dict[str, Any],
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        name: str | None = None,
        expires_after_s: float = DEFAULT_APPROVAL_EXPIRES_S,
        on_expire: OnExpire = OnExpire.SKIP,
        **step_options: Any,
    ) -> Any:
        """Ask for approval of `payload`, then run `fn(ctx, *args)` with `ctx.approval` set once
        approved; the step's output, or None when the rep skipped (or the gate expired). The
        gate and the step share `name` (default: the function's name)."""
        name = name or getattr(fn, "__name__", "step")
        decision = await self.approval(
            kind, payload, name=name, expires_after_s=expires_after_s, on_expire=on_expire
        )
        if not decision.approved:
            return None
        return await self.step(fn, *args, name=name, approval=decision, **step_options)

    async def gather(self, *branches: Coroutine[Any, Any, T]) -> list[T | None]:
        """Run independent branches (each to its end or its gate); their gates are asked
        together and each branch goes on as soon as its own gate is answered. Returns each
        branch's result once every branch is done."""
        key, _ = self._position("gather", "gather")
        outer = (self._scope, self._n, self._names, self._in_gather)
        results: list[T | None] = []
        waiting = False
        try:
            for i, branch in enumerate(branches):
                self._scope, self._n, self._names, self._in_gather = f"{key}.{i}.", 0, {}, True
                try:
                    results.append(await branch)
                except AwaitingGates:
                    waiting = True
                    results.append(None)
        finally:
            for branch in branches[len(results) :]:
                branch.close()  # never started: a stop before them
            self._scope, self._n, self._names, self._in_gather = outer
        if waiting:
            raise AwaitingGates()
        return results

    # ------------------------------------------------------------------ time and chains

    async def sleep_until(self, at: datetime, *, name: str | None = None) -> None:
        """Park the job until `at` (the first run's `at`, whatever a replay computes)."""
        key, name = self._position(name or "sleep", "sleep")
        st = self._runner.state
        if self._recorded(key, name):
            at = datetime.fromisoformat(st.outputs[name]["until"])
        else:
            st.at[key] = name
            st.outputs[name] = {"until": at.isoformat()}
        if self._runner.engine.clock() >= at:
            return
        await self._engine(self._runner.park_until(at))
        raise Parked()

    def follow_up(self, event: Event, *, name: str | None = None) -> None:
        """Start `event`'s sequence as a child job when this job completes or pauses (once)."""
        key, name = self._position(name or f"follow_up:{event.type}", "follow_up")
        if self._recorded(key, name):
            return
        self._runner.queue_followup(event)
        self._runner.state.at[key] = name
