"""The CRM port: what flows write after the rep approves, behind one interface.

`CrmPort` records the meeting (a meeting engagement and a note with the recap), adds tasks,
applies deal changes (properties and stage moves) and associates records. Two implementations:

- `SixtyCrm`: Sixty's own tables (`storage.crm`), the default and what the demo uses; today's
  behaviour, unchanged.
- `HubSpotCrm` (`flows.crm_writeback.hubspot`): Sixty's tables first, then HubSpot.

`crm_for(ctx)` picks HubSpot when the org has an active connection. A Salesforce adapter is one
more implementation here and a branch in `crm_for`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from orchestrator.context import StepContext
from storage import crm, hubspot


@dataclass(frozen=True)
class NewTask:
    title: str
    due_at: datetime | None
    owner_kind: str | None
    user_id: int | None
    deal_id: int | None = None
    contact_id: int | None = None
    meeting_id: int | None = None
    source: str = "intent"
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MeetingRecord:
    """A finished meeting as the CRM keeps it: the engagement and a note with the recap."""

    meeting_id: int
    title: str
    started_at: datetime
    ended_at: datetime
    recap: str
    deal_id: int | None = None
    contact_id: int | None = None
    user_id: int | None = None


class CrmPort(Protocol):
    name: str

    async def apply_deal_changes(self, ctx: StepContext, change_ids: list[int]) -> dict[str, Any]:
        """Apply proposed `crm_field_changes` the rep approved -> `{"applied": n, ...}`."""
        ...

    async def add_tasks(self, ctx: StepContext, tasks: Sequence[NewTask]) -> int:
        """Add the approved tasks (exactly once per step) -> how many."""
        ...

    async def sync_deal(self, ctx: StepContext, deal_id: int,
                        fields: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """Mirror deal fields a flow already wrote to Sixty's tables to the external CRM."""
        ...

    async def record_meeting(self, ctx: StepContext, meeting: MeetingRecord) -> dict[str, Any]:
        """Record the meeting and its recap note."""
        ...

    async def mirror_note(self, ctx: StepContext, key: str, text: str, *, deal_id: int | None,
                          contact_id: int | None, at: datetime) -> str | None:  # fmt: skip
        """A note a flow already logged in Sixty's tables (an activity), in the external CRM
        once per (step, key); the external id, or None."""
        ...

    async def associate(self, ctx: StepContext, from_type: str, from_id: int, to_type: str,
                        to_id: int) -> bool:  # fmt: skip
        """Associate two Sixty records (types as in `crm_links`) in the CRM."""
        ...


class SixtyCrm:
    """Sixty's own tables."""

    name = "sixty"

    async def apply_deal_changes(self, ctx: StepContext, change_ids: list[int]) -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            return {"applied": await crm.apply_proposed(s, change_ids=change_ids, now=ctx.now())}

    async def add_task_rows(self, ctx: StepContext, tasks: Sequence[NewTask]) -> list[int]:
        ids: list[int] = []
        async with ctx.db.transaction() as s:
            for t in tasks:
                row = await crm.add_task(
                    s, org_id=ctx.org_id, user_id=t.user_id, title=t.title, due_at=t.due_at,
                    owner_kind=t.owner_kind, deal_id=t.deal_id, contact_id=t.contact_id,
                    meeting_id=t.meeting_id, source=t.source, provenance=t.provenance,
                )  # fmt: skip
                assert row.id is not None
                ids.append(row.id)
        return ids

    async def add_tasks(self, ctx: StepContext, tasks: Sequence[NewTask]) -> int:
        async def write() -> int:
            return len(await self.add_task_rows(ctx, tasks))

        return int(await ctx.effect("approved-tasks", write))

    async def sync_deal(self, ctx: StepContext, deal_id: int,
                        fields: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """Sixty's tables are the CRM: the flow's own write is the whole change."""
        return {"written": []}

    async def mirror_note(self, ctx: StepContext, key: str, text: str, *, deal_id: int | None,
                          contact_id: int | None, at: datetime) -> str | None:  # fmt: skip
        """The activity the flow logged is Sixty's note."""
        return None

    async def record_meeting(self, ctx: StepContext, meeting: MeetingRecord) -> dict[str, Any]:
        """Sixty's tables already hold the meeting: `update_crm` logged it as an activity when
        the call ended (before any approval), so there is nothing more to write here."""
        return {"meeting_id": meeting.meeting_id}

    async def associate(self, ctx: StepContext, from_type: str, from_id: int, to_type: str,
                        to_id: int) -> bool:  # fmt: skip
        """Sixty's rows carry their links as columns (a task's deal_id, a deal's contacts),
        set when they are written; nothing else to record."""
        return False


async def crm_for(ctx: StepContext) -> CrmPort:
    """HubSpot when the org has an active HubSpot connection, else Sixty's tables."""
    async with ctx.db.session() as s:
        row = await hubspot.get_connection(s, ctx.org_id)
    if row is None or row.status != hubspot.ACTIVE:
        return SixtyCrm()
    from flows.crm_writeback.hubspot import HubSpotCrm

    return HubSpotCrm(row)
