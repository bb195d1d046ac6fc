"""Fakes for calling bot handlers directly: an ack, a Slack Web client and an orchestrator that
record what they were given, and the Bolt context a handler reads the acting user from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.deps import Deps
from bot.middleware import Actor
from orchestrator.events import Decision, Event, JobRef, ResumeResult


@dataclass
class FakeAck:
    """`ack()` as Bolt gives it: records each call's keyword arguments."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@dataclass
class RecordingClient:
    """The Web API methods handlers call; each call is recorded as (method, kwargs)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    def of(self, method: str) -> list[dict[str, Any]]:
        return [kw for m, kw in self.calls if m == method]

    async def _record(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        return {"ok": True}

    async def chat_postEphemeral(self, **kw: Any) -> dict[str, Any]:
        return await self._record("chat.postEphemeral", kw)

    async def chat_postMessage(self, **kw: Any) -> dict[str, Any]:
        await self._record("chat.postMessage", kw)
        return {"ok": True, "channel": kw["channel"], "ts": f"1700000000.{next(self._ts):06d}"}

    async def chat_update(self, **kw: Any) -> dict[str, Any]:
        return await self._record("chat.update", kw)

    async def views_open(self, **kw: Any) -> dict[str, Any]:
        return await self._record("views.open", kw)

    async def views_publish(self, **kw: Any) -> dict[str, Any]:
        return await self._record("views.publish", kw)

    async def conversations_open(self, **kw: Any) -> dict[str, Any]:
        await self._record("conversations.open", kw)
        return {"ok": True, "channel": {"id": f"D{kw['users']}"}}


@dataclass
class FakeOrchestrator:
    """Records submitted events and resumed gates; every submit starts job 100, 101, ..."""

    events: list[Event] = field(default_factory=list)
    resumed: list[tuple[str, Decision, str, dict[str, Any] | None]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(100))

    async def submit(self, event: Event) -> JobRef:
        self.events.append(event)
        return JobRef(job_id=next(self._ids), sequence_type=str(event.type))

    async def resume(self, pending_action_id: str, decision: Decision, actor: str,
                     modifications: dict[str, Any] | None = None) -> ResumeResult:  # fmt: skip
        self.resumed.append((pending_action_id, decision, actor, modifications))
        return ResumeResult(ok=True, message="")

    async def retry(self, job_id: int, **_: Any) -> Any:
        raise AssertionError("not used")


def context_for(deps: Deps, slack_user_id: str) -> dict[str, Any]:
    """The Bolt context `ResolveActor` would give a request from `slack_user_id` (no users.info)."""
    return {"actor": Actor(deps, None, slack_user_id, "T1")}


def click(slack_user_id: str, *, channel: str = "DCHAN", ts: str = "1700000000.000001",
          blocks: list[dict[str, Any]] | None = None, action: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """A block_actions body for a button in a DM message."""
    return {"type": "block_actions", "user": {"id": slack_user_id}, "trigger_id": "trig-1",
            "channel": {"id": channel}, "container": {"channel_id": channel, "message_ts": ts},
            "message": {"ts": ts, "blocks": blocks or []}, "actions": [action or {}]}  # fmt: skip
