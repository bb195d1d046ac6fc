"""Approval gates of a claimed job: open them, show them, park the job, take in the answers.

A sequence asks with `await wf.approval(kind, payload)`; gates asked in one run (one, or several
under `wf.gather`) are opened together: one pending action row each, with the checkpoint, in
one transaction. They are shown together (or all deferred, for a proactive job in quiet hours,
a pause or over the cap), and the job parks until any of them is answered. On the next run
every answered gate has its card updated to show the answer and is recorded in
`JobState.approvals`, where the replayed `wf.approval` finds it.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blocks.approval import (
    ApprovalView,
    approval_message,
    expired_message,
    fallback_text,
    resolved_message,
)
from orchestrator.context import apply_edits
from orchestrator.job_budget import ENGINE_STEP, JobBudget
from orchestrator.state import Answer, Gate
from orchestrator.store import LeaseLost, dumps, loads

log = logging.getLogger("orchestrator.runner")


@dataclass(frozen=True)
class NewGate:
    """A gate the sequence asked for in this run, not opened yet."""

    key: str
    name: str
    kind: str
    payload: dict[str, Any]
    expires_s: float
    on_expire: str
    owner: int | None = None  # who answers it (default: the job's user), e.g. the rep's manager


class JobGates(JobBudget):
    async def open_gates(self, new: list[NewGate]) -> None:
        """Insert one pending action per new gate, with the checkpoint, in one transaction."""
        st = self.state
        for g in new:
            st.gates[g.name] = Gate(
                id=uuid.uuid4().hex, name=g.name, kind=g.kind, key=g.key, expires_s=g.expires_s
            )
            st.at[g.key] = g.name
            st.meta.gates += 1
        async with self._tx():
            for g in new:
                await self._insert_gate(st.gates[g.name].id, g)
            await self._exec_fenced(
                self.sql.checkpoint, {"ctx": dumps(st), "cur": self.cur, "lease": self.lease}
            )
        log.info("approval gates opened", extra={**self.log_extra, "gates": len(new)})

    async def _insert_gate(self, pa: str, g: NewGate) -> None:
        """One pending action row, fenced on this job's lease (inside the caller's transaction)."""
        owner = g.owner if g.owner is not None else self.user_id
        params = self._fence(pa=pa, org=self.org_id, owner=owner, step=g.name, kind=g.kind,
                             payload=dumps(g.payload), on_expire=g.on_expire, expires=g.expires_s)  # fmt: skip
        res = await self.conn.exec_driver_sql(self.sql.insert_gate, params)
        if res.rowcount != 1:
            raise LeaseLost(self.id)

    async def _gate_posted_in_tx(self, g: Gate, posted: dict[str, str], now: datetime) -> None:
        """Where gate `g` is shown: in the state, the delivery record and its pending action."""
        g.posted, g.channel, g.ts = True, posted["channel"], posted["ts"]
        await self._record_in_tx("approval", f"gate:{g.id}", "delivered", now,
                                 channel=posted["channel"], ts=posted["ts"])  # fmt: skip
        await self.conn.exec_driver_sql(
            self.sql.gate_posted,
            {"pa": g.id, "channel": posted["channel"], "ts": posted["ts"], "expires": g.expires_s},
        )

    async def _answerer_slack_id(self, owner: int | None) -> str | None:
        """The Slack user a gate is shown to: the job's user, or the one it names (a manager)."""
        if owner is None or owner == self.user_id:
            return self._slack_user()
        async with self._tx():
            res = await self.conn.exec_driver_sql(self.sql.user_slack_id, {"u": owner})
            found = res.first()
        return str(found.slack_user_id) if found is not None and found.slack_user_id else None

    async def _gate_row(self, pa: str) -> Any:
        async with self._tx():
            res = await self.conn.exec_driver_sql(self.sql.gate_row, {"pa": pa})
            return res.first()

    async def park_on_gates(self) -> None:
        """Show every open gate not shown yet (all together, or all deferred), then park."""
        gates = self.state.gates
        unposted = [g for g in gates.values() if not g.posted]
        now = self.engine.clock()
        begun = any(self.ledger.recorded(ENGINE_STEP, f"gate:{g.id}") is not None for g in unposted)
        if unposted and not begun:  # gates whose posting began are finished, not re-decided
            r = await self._route("approval", now)
            if r.until is not None:  # proactive, in quiet hours, a pause or over the cap
                for g in unposted:
                    await self._record("approval", f"gate:{g.id}", "deferred", now)
                await self._release_at(r.until)
                return
        for g in unposted:
            row = await self._gate_row(g.id)
            slack_id = await self._answerer_slack_id(row.owner_user_id)
            assert slack_id is not None
            view = ApprovalView.from_payload(g.id, row.kind, loads(row.payload) or {})
            posted = await self._post_dm(
                ENGINE_STEP,
                f"gate:{g.id}",
                slack_id,
                fallback_text(view),
                list(approval_message(view)),
            )
            async with self._tx():
                await self._gate_posted_in_tx(g, posted, now)
        async with self._tx():  # one transaction: children, then parked until an answer
            await self._spawn_children()
            await self._exec_fenced(
                self.sql.pause_group,
                {"ctx": dumps(self.state), "cur": self.cur, "open": len(gates)},
            )
        self.engine.wake_local()
        log.info("job awaiting approval", extra={**self.log_extra, "gates": len(gates)})

    async def gate_rows(self) -> dict[str, Any]:
        """The pending action row of each open gate (inside the caller's transaction)."""
        rows = {}
        for g in self.state.gates.values():
            res = await self.conn.exec_driver_sql(self.sql.gate_row, {"pa": g.id})
            rows[g.id] = res.first()
        return rows

    async def take_answers(self, rows: dict[str, Any]) -> None:
        """Record every answered gate (its card updated to show the answer); open ones stay.
        `rows`: `gate_rows()`, read with the job's other state in one transaction."""
        st = self.state
        for name, g in list(st.gates.items()):
            row = rows.get(g.id)
            if row is None or row.status == "pending":
                continue
            payload = loads(row.payload) or {}
            mods = loads(row.modifications)
            await self._show_resolution(row, g, payload)
            del st.gates[name]
            if row.resolved_by and row.status in ("approved", "edited", "skipped"):
                st.meta.clicked = True  # what the job says from now on answers the rep
            st.approvals[name] = Answer(
                status=row.status,
                decision=row.decision or row.status,
                actor=row.resolved_by,
                payload=apply_edits(payload, mods)
                if row.status in ("approved", "edited")
                else payload,
                mods=mods,
            )
            st.log.append({"step": name, "status": row.status, "at": time.time()})

    async def _show_resolution(self, row: Any, g: Gate, payload: dict[str, Any]) -> None:
        d = self.engine.delivery
        channel, ts = row.channel or g.channel, row.message_ts or g.ts
        if d is None or not channel or not ts:
            return
        view = ApprovalView.from_payload(row.id, row.kind, payload)
        if row.status == "expired":
            blocks = expired_message(view, row.on_expire)
        else:
            at = row.resolved_at
            if isinstance(at, str):
                at = datetime.fromisoformat(at[:26]).replace(tzinfo=self.engine.clock().tzinfo)
            tz = ((self.state.tiers.get("1") or {}).get("user") or {}).get("timezone") or "UTC"
            blocks = resolved_message(
                view, row.decision or row.status, row.resolved_by or "", at, tz
            )
        dicts = [b.to_dict() for b in blocks]
        # chat.update with the same content is idempotent: no ledger row (and no commit) needed
        await self.settle()
        await d.update_message(channel, ts, fallback_text(view), dicts)
