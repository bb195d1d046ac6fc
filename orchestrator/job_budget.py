"""A claimed job's AI spend: whether it may run an AI step, the halt and the admins' notice
when the org's monthly budget is spent, and the cost record of each model call."""

from __future__ import annotations

import logging

from blocks.job_status import budget_exhausted
from orchestrator import budget
from orchestrator.messages import JobMessages

log = logging.getLogger("orchestrator.runner")

ENGINE_STEP = "__engine__"  # effects and posts made by the engine itself, not by a step


class JobBudget(JobMessages):
    async def _budget_allows(self, estimate: float) -> bool:
        async with self._tx():
            return await budget.allows(self.conn, self.org_id, estimate, self.engine.clock())

    async def _halt_for_budget(self) -> None:
        now = self.engine.clock()
        async with self._tx():
            first = await budget.claim_notice(self.conn, self.org_id, now)
            total = await budget.budget(self.conn, self.org_id)
            used = await budget.spent(self.conn, self.org_id, now)
        if first:
            await self._tell_admins(budget.period_of(now), total, used)
        log.warning("budget exhausted; job halted", extra=self.log_extra)
        await self._finish("failed", "budget_exhausted")

    async def _tell_admins(self, period: str, total: float, used: float) -> None:
        if self.engine.delivery is None:
            return
        async with self._tx():
            rows = await budget.admins(self.conn, self.org_id)
        blocks = budget_exhausted(period, total, used)
        for uid, slack_id in rows:
            posted = await self._post_dm(
                ENGINE_STEP, f"budget:{period}:{uid}", slack_id, "AI budget spent", list(blocks)
            )
            await self._record(
                "budget_exhausted",
                f"budget:{self.org_id}:{period}:{uid}",
                "delivered",
                self.engine.clock(),
                user_id=uid,
                channel=posted["channel"],
                ts=posted["ts"],
            )

    async def record_cost(
        self, skill: str, model: str, cost: float, tokens_in: int, tokens_out: int
    ) -> None:
        async with self._tx():
            await budget.record_cost(
                self.conn,
                org_id=self.org_id,
                user_id=self.user_id,
                job_id=self.id,
                skill=skill,
                model=model,
                cost_usd=cost,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                at=self.engine.clock(),
            )
        self.state.meta.ai_cost_usd = round(self.state.meta.ai_cost_usd + cost, 6)
