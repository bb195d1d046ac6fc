"""What a job says in Slack: DMs posted exactly once, and notifications through the one delivery policy.

`notify` asks `orchestrator.delivery.route` (quiet hours, pause, mutes, the hourly cap for
proactive messages, batching) and then posts, defers, holds or batches; `_post_dm` posts one
DM exactly once across crashes (intent and client key first, found again in the DM's history);
`_record` writes the delivery record every message leaves in `slack_notifications_sent`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orchestrator import delivery
from orchestrator.context import DeferDelivery
from orchestrator.fencing import FencedJob

if TYPE_CHECKING:
    from connectors.slack import Posted

log = logging.getLogger("orchestrator.runner")


class JobMessages(FencedJob):
    """The Slack side of a claimed job."""

    async def _record(
        self,
        kind: str,
        dedupe: str,
        status: str,
        at: datetime,
        *,
        user_id: int | None = None,
        **extra: Any,
    ) -> None:
        """One row in `slack_notifications_sent`, in its own short transaction."""
        async with self._tx():
            await self._record_in_tx(kind, dedupe, status, at, user_id=user_id, **extra)

    async def _record_in_tx(
        self,
        kind: str,
        dedupe: str,
        status: str,
        at: datetime,
        *,
        user_id: int | None = None,
        **extra: Any,
    ) -> None:
        uid = user_id if user_id is not None else self.user_id
        assert uid is not None
        await delivery.record(
            self.conn,
            org_id=self.org_id,
            user_id=uid,
            kind=kind,
            dedupe_key=dedupe,
            job_id=self.id,
            status=status,
            at=at,
            **extra,
        )

    def _slack_user(self) -> str | None:
        user = (self.state.tiers.get("1") or {}).get("user") or {}
        return user.get("slack_user_id")

    async def _post_dm(
        self, step: str, key: str, slack_id: str, text: str, blocks: list[Any]
    ) -> dict[str, str]:
        """Post one DM exactly once per (job, step, key), across crashes.

        The intent (the DM channel and a client key) is committed first; the post carries the
        key in its message metadata. A replay that finds only the intent looks the key up in
        the DM's history (`Delivery.find_posted`) and records that message instead of posting
        a second copy, so the ts recorded is the one of the message the rep sees.
        """
        d = self.engine.delivery
        assert d is not None
        dicts = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
        rec = self.ledger.recorded(step, key)
        if rec is not None and rec[0] == "done":
            return dict(rec[1])
        intent = rec[1] if rec is not None and isinstance(rec[1], dict) else None
        if intent is None:
            intent = {"channel": await d.open_dm(slack_id), "key": f"{self.id}:{step}:{key}"}
        channel, client_key = str(intent["channel"]), str(intent["key"])

        async def post() -> dict[str, str]:
            posted = await d.post_message(channel, text, dicts, key=client_key)
            return {"channel": posted.channel, "ts": posted.ts}

        async def reconcile(value: Any) -> dict[str, str] | None:
            found = await d.find_posted(channel, client_key)
            if found is None:
                return None
            log.info("post found after a crash; not posted again", extra=self.log_extra)
            return {"channel": found.channel, "ts": found.ts}

        result: dict[str, str] = await self.ledger.run(
            step, key, post, intent=True, intent_value=intent, reconcile=reconcile
        )
        return result

    def _prefs(self) -> delivery.Prefs:
        return delivery.Prefs.from_tier1(self.state.tiers.get("1") or {})

    def answers_rep(self) -> bool:
        """This job's messages answer the rep's own click or command (`delivery.answers_rep`)."""
        meta = self.state.meta
        return delivery.answers_rep(
            event_source=self.event_source or "",
            payload=self.payload,
            clicked=bool(meta.clicked or self.state.approvals),
            chained=meta.answers_rep,
        )

    async def _route(self, kind: str, now: datetime) -> delivery.Route:
        """The delivery decision for one DM of this job (`delivery.decide`, the one owner)."""
        answers = self.answers_rep()
        if answers or self.user_id is None:
            return delivery.SEND
        async with self._tx():
            return await delivery.decide(self.conn, kind, answers=answers, user_id=self.user_id,
                                         now=now, fallback=self._prefs())  # fmt: skip

    async def notify(
        self, step: str, kind: str, text: str, blocks: list[Any] | None, key: str
    ) -> Posted:
        """Post (or defer, batch, or mute) one DM; `delivery.route` decides.

        A muted or batched notification returns `delivery.Held` (a `Posted` with empty
        channel and ts and a `status`), so a step that depends on the post keeps working.
        """
        from connectors.slack import Posted

        rec = self.ledger.recorded(step, f"notify:{key}")
        if rec is not None and rec[0] == "done":
            if rec[1].get("held"):
                return delivery.Held("", "", rec[1]["held"])
            return Posted(rec[1]["channel"], rec[1]["ts"])
        slack_id = self._slack_user()
        if not slack_id or self.user_id is None or self.engine.delivery is None:
            raise LookupError("the job has no Slack user to notify")
        dedupe = f"job:{self.id}:{step}:{key}"
        now = self.engine.clock()
        dicts = [b if isinstance(b, dict) else b.to_dict() for b in blocks or []]
        if dedupe in self.state.held_notes:  # held before: opened from Home since?
            async with self._tx():
                row = await delivery.status_of(self.conn, dedupe)
            if row is not None and row[0] == "delivered" and row[1] and row[2]:
                shown = {"channel": row[1], "ts": row[2]}
                await self.ledger.run(step, f"notify:{key}", self._given(shown))
                return Posted(row[1], row[2])
        # a post begun before a crash is finished (found or posted), never re-decided
        begun = rec is not None and rec[0] == "intent"
        r = delivery.SEND if begun else await self._route(kind, now)
        if r.action == "mute":
            return await self._hold(step, key, kind, dedupe, "muted", now, text, None)
        if r.action == "batch":
            return await self._hold(step, key, kind, dedupe, "batched", now, text, dicts)
        if r.action == "defer":
            assert r.until is not None
            await self._record(
                kind, dedupe, "deferred", now, summary=delivery.summary_of(text), blocks=dicts
            )
            if dedupe not in self.state.held_notes:
                self.state.held_notes.append(dedupe)
            raise DeferDelivery(r.until)
        posted = await self._post_dm(step, f"notify:{key}", slack_id, text, dicts)
        await self._record(
            kind, dedupe, "delivered", now, channel=posted["channel"], ts=posted["ts"]
        )
        return Posted(posted["channel"], posted["ts"])

    @staticmethod
    def _given(value: dict[str, str]) -> Callable[[], Any]:
        async def given() -> dict[str, str]:
            return value

        return given

    async def _hold(
        self,
        step: str,
        key: str,
        kind: str,
        dedupe: str,
        status: str,
        now: datetime,
        text: str,
        blocks: list[dict[str, Any]] | None,
    ) -> Posted:
        """Record a muted or batched notification (visible, never dropped); post nothing."""
        assert self.user_id is not None
        user_id = self.user_id

        async def hold() -> dict[str, str]:
            await self._record(
                kind,
                dedupe,
                status,
                now,
                user_id=user_id,
                summary=delivery.summary_of(text),
                blocks=blocks,
            )
            return {"channel": "", "ts": "", "held": status}

        await self.ledger.run(step, f"notify:{key}", hold)
        log.info("notification held", extra={**self.log_extra, "kind": kind, "status": status})
        return delivery.Held("", "", status)
