"""`HubSpotCrm`: the CRM port writing Sixty's tables first, then HubSpot.

- Ids: Sixty rows map to HubSpot records through `crm_links`; a deal no link names is left to
  Sixty's tables (reported as `not_linked`). New engagements (meeting, note, task) are linked
  as they are created, so a second attempt finds them.
- Fields: only Sixty-owned fields of the org's field map are written (`skills.crm_field_map`,
  with the org's owner overrides); a Sixty stage becomes the first stage of the deal's own
  pipeline that maps to it.
- Never overwrite a person: the deal's properties are read with their history before writing;
  one a person changed inside the protection window (`skills.crm_protection`) is not written
  but proposed to the rep (a `crm_conflict` follow-up job: "Dana changed ... Apply anyway?").
- Exactly once: every HubSpot call runs inside `ctx.effect(...)` keyed per object, so a replay
  after a crash returns the recorded result instead of writing again.
- No echo loops: every write is recorded in the write ledger (`storage.crm_write_ledger`).
- A write HubSpot refuses under a validation rule (`NeedsAPerson`) is not retried: the rep gets
  a DM with HubSpot's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from connectors.hubspot import HubSpotClient, NeedsAPerson
from connectors.hubspot_models import AssociationSpec, AssociationType, CrmObject, Owner, iso_ms
from flows.crm_sync.connection import client_for
from flows.crm_writeback.port import MeetingRecord, NewTask, SixtyCrm
from orchestrator.context import StepContext
from orchestrator.events import Event, EventSource, EventType
from skills.crm_field_map import (
    HUBSPOT_TYPES,
    SyncContext,
    convert_in,
    convert_out,
    fields_of,
    stage_infos,
)
from skills.crm_protection import Propose, decide, proposal_text, window_of
from storage import crm, crm_write_ledger, hubspot
from storage.crypto import settings_cipher
from storage.hubspot_models import CrmConnection
from storage.models import CrmFieldChange

# HUBSPOT_DEFINED default association type ids (from -> to), HubSpot's association docs
ASSOCIATION_TYPES = {("meetings", "deals"): 212, ("meetings", "contacts"): 200,
                     ("notes", "deals"): 214, ("notes", "contacts"): 202,
                     ("tasks", "deals"): 216, ("tasks", "contacts"): 204}  # fmt: skip
KEPT_HUBSPOTS = "kept HubSpot's value"
LABELS = {"dealstage": "Stage", "amount": "Amount", "closedate": "Close date",
          "dealname": "Deal name", "hubspot_owner_id": "Owner", "pipeline": "Pipeline"}  # fmt: skip


def _plural(object_type: str) -> str:
    return HUBSPOT_TYPES.get(object_type, object_type)


class HubSpotCrm:
    """Sixty's tables, then the org's HubSpot portal."""

    name = "hubspot"

    def __init__(self, connection: CrmConnection, *, client: HubSpotClient | None = None) -> None:
        self.connection = connection
        self.settings = hubspot.sync_settings(connection)
        self.sixty = SixtyCrm()
        self._client = client
        self._sync: SyncContext | None = None
        self._owners: list[Owner] | None = None

    def client(self, ctx: StepContext) -> HubSpotClient:
        if self._client is None:
            self._client = client_for(self.connection, db=ctx.db, settings=ctx.settings,
                                      cipher=settings_cipher(ctx.settings))  # fmt: skip
        return self._client

    async def sync_context(self, ctx: StepContext) -> SyncContext:
        if self._sync is None:
            pipes = await self.client(ctx).pipelines("deals")
            self._sync = SyncContext(stages=tuple(stage_infos(pipes)))
        return self._sync

    async def owner_name(self, ctx: StepContext, user_id: int | None) -> str:
        if user_id is None:
            return "Someone"
        if self._owners is None:
            self._owners = await self.client(ctx).owners()
        found = next((o for o in self._owners if o.user_id == user_id), None)
        return (found.first_name or found.name) if found and found.name else "Someone"

    async def _external(
        self, ctx: StepContext, object_type: str, sixty_id: int | None
    ) -> str | None:
        if sixty_id is None:
            return None
        async with ctx.db.session() as s:
            return await hubspot.external_id_for(s, ctx.org_id, object_type, sixty_id)

    async def _record(self, ctx: StepContext, object_type: str, external_id: str,
                      properties: dict[str, Any], link: tuple[str, int] | None = None) -> None:  # fmt: skip
        async with ctx.db.transaction() as s:
            await crm_write_ledger.record_writes(
                s, org_id=ctx.org_id, object_type=object_type, external_id=external_id,
                properties=properties, now=ctx.now())  # fmt: skip
            if link is not None:
                await hubspot.link(s, ctx.org_id, link[0], link[1], external_id)
            await crm_write_ledger.prune(s, now=ctx.now())  # rows past 24 h (indexed delete)

    async def _associations(self, ctx: StepContext, from_type: str, deal_id: int | None,
                            contact_id: int | None) -> list[AssociationSpec]:  # fmt: skip
        out = []
        for to_type, sixty_id in (("deals", deal_id), ("contacts", contact_id)):
            ext = await self._external(ctx, to_type[:-1], sixty_id)
            type_id = ASSOCIATION_TYPES.get((from_type, to_type))
            if ext and type_id:
                out.append(AssociationSpec(ext, (AssociationType("HUBSPOT_DEFINED", type_id),)))
        return out

    async def _needs_a_person(self, ctx: StepContext, what: str, message: str, key: str) -> None:
        text = (f"HubSpot refused {what}: “{message}”. This needs a person: fix the record or "
                "the rule in HubSpot; Sixty will not retry it.")  # fmt: skip
        await ctx.notify("crm_needs_person", text, key=f"needs-person:{key}")

    # ------------------------------------------------------------------ deals

    async def write_deal_fields(self, ctx: StepContext, deal_id: int, fields: dict[str, Any], *,
                                force: bool = False, key: str = "") -> dict[str, Any]:  # fmt: skip
        """Write Sixty's values of `fields` (Sixty field -> value) to the deal's HubSpot record,
        once per (step, deal, key). Protected properties are proposed (not written) unless
        `force` (the rep chose "apply anyway"). -> {written, proposed, skipped, needs_person}."""
        ext = await self._external(ctx, "deal", deal_id)
        if ext is None:
            return {"not_linked": True, "written": [], "proposed": []}
        overrides = self.settings.get("field_map") or {}
        specs = {s.sixty: s for s in fields_of("deal", overrides) if s.owner == "sixty"}
        mine = {f: v for f, v in fields.items() if f in specs}
        skipped = sorted(set(fields) - set(mine))
        window = window_of(self.settings.get("protection_window_days"))

        async def write() -> dict[str, Any]:
            client = self.client(ctx)
            props = [specs[f].hubspot for f in mine]
            if not props:
                return {"written": [], "proposed": [], "skipped": skipped}
            record: CrmObject = await client.get_object(
                "deals", ext, properties=[*props, "pipeline"], properties_with_history=props
            )
            sync = await self.sync_context(ctx)
            pipeline = record.get("pipeline")
            changes: dict[str, str] = {}
            proposed: list[dict[str, Any]] = []
            for f, value in mine.items():
                spec = specs[f]
                out = convert_out(spec, value, sync, pipeline)
                if out is None:
                    skipped.append(f)
                    continue
                if record.get(spec.hubspot) == out:
                    continue
                verdict = decide(record.history.get(spec.hubspot, []), now=ctx.now(), window=window)
                if isinstance(verdict, Propose) and not force:
                    current = verdict.current_value
                    if spec.kind == "stage" and sync.stage(current):
                        current = sync.stage(current).label  # type: ignore[union-attr]
                    ours = (sync.stage(out).label if spec.kind == "stage" and sync.stage(out)  # type: ignore[union-attr]
                            else str(value))  # fmt: skip
                    proposed.append({"field": f, "property": spec.hubspot, "value": value,
                                     "hubspot_value": out, "theirs": current, "ours": ours,
                                     "user_id": verdict.user_id,
                                     "changed_at": verdict.changed_at.isoformat()})  # fmt: skip
                    continue
                changes[spec.hubspot] = out
            result: dict[str, Any] = {"written": sorted(changes), "proposed": proposed,
                                      "skipped": skipped}  # fmt: skip
            if changes:
                try:
                    await client.update("deals", ext, changes)
                except NeedsAPerson as exc:
                    return {**result, "written": [], "needs_person": str(exc)}
                await self._record(ctx, "deals", ext, changes)
            for p in proposed:
                p["who"] = await self.owner_name(ctx, p["user_id"])
            return result

        outcome = dict(await ctx.effect(f"hubspot:deal:{ext}{':' + key if key else ''}", write))
        if outcome.get("needs_person"):
            await self._needs_a_person(ctx, "a deal update", outcome["needs_person"], f"deal:{ext}")
        for p in outcome.get("proposed") or []:
            ctx.queue_followup(Event(
                type=EventType.CRM_CONFLICT, source=EventSource.ORCHESTRATOR_CHAIN,
                org_id=ctx.org_id, user_id=ctx.user_id, parent_job_id=ctx.job_id,
                payload={**p, "deal_id": deal_id, "external_id": ext},
                idempotency_key=f"{EventType.CRM_CONFLICT}:{ctx.job_id}:{ext}:{p['property']}",
            ))  # fmt: skip
        return outcome

    async def sync_deal(self, ctx: StepContext, deal_id: int,
                        fields: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        return await self.write_deal_fields(ctx, deal_id, fields)

    async def apply_deal_changes(self, ctx: StepContext, change_ids: list[int]) -> dict[str, Any]:
        result = await self.sixty.apply_deal_changes(ctx, change_ids)
        by_deal: dict[int, dict[str, Any]] = {}
        async with ctx.db.session() as s:
            for cid in change_ids:
                row = await s.get(CrmFieldChange, cid)
                if row is not None and row.status == "applied":
                    by_deal.setdefault(row.deal_id, {})[row.field] = row.new_value
        pushed = {str(d): await self.write_deal_fields(ctx, d, f) for d, f in by_deal.items()}
        return {**result, "hubspot": pushed}

    # ------------------------------------------------------------------ tasks

    async def add_tasks(self, ctx: StepContext, tasks: Sequence[NewTask]) -> int:
        async def rows() -> list[int]:
            return await self.sixty.add_task_rows(ctx, tasks)

        ids = list(await ctx.effect("approved-tasks", rows))
        for task, sixty_id in zip(tasks, ids, strict=True):
            await self.push_task(ctx, sixty_id, task)
        return len(ids)

    async def push_task(self, ctx: StepContext, sixty_id: int, task: NewTask) -> str | None:
        async def create() -> str | None:
            if (found := await self._external(ctx, "task", sixty_id)) is not None:
                return found
            assoc = await self._associations(ctx, "tasks", task.deal_id, task.contact_id)
            due = task.due_at or ctx.now()
            try:
                made = await self.client(ctx).create_task(subject=task.title, due=due,
                                                          associations=assoc)  # fmt: skip
            except NeedsAPerson as exc:
                return f"!{exc}"
            await self._record(ctx, "tasks", made.id,
                               {"hs_task_subject": task.title, "hs_timestamp": iso_ms(due)},
                               link=("task", sixty_id))  # fmt: skip
            return made.id

        got = await ctx.effect(f"hubspot:task:{sixty_id}", create)
        if isinstance(got, str) and got.startswith("!"):
            await self._needs_a_person(ctx, f"the task “{task.title}”", got[1:], f"task:{sixty_id}")
            return None
        return got if isinstance(got, str) else None

    # ------------------------------------------------------------------ meetings

    async def record_meeting(self, ctx: StepContext, meeting: MeetingRecord) -> dict[str, Any]:
        """The meeting engagement and a note with the recap, both on the deal and contact;
        linked to the Sixty meeting so a second approval in the same call adds nothing."""

        async def engagement() -> str | None:
            if (found := await self._external(ctx, "meeting", meeting.meeting_id)) is not None:
                return found
            assoc = await self._associations(ctx, "meetings", meeting.deal_id, meeting.contact_id)
            made = await self.client(ctx).create_meeting(
                title=meeting.title, start=meeting.started_at, end=meeting.ended_at,
                outcome="COMPLETED", associations=assoc)  # fmt: skip
            await self._record(ctx, "meetings", made.id, {"hs_meeting_title": meeting.title},
                               link=("meeting", meeting.meeting_id))  # fmt: skip
            return made.id

        async def note() -> str | None:
            if (found := await self._external(ctx, "note", meeting.meeting_id)) is not None:
                return found
            assoc = await self._associations(ctx, "notes", meeting.deal_id, meeting.contact_id)
            body = meeting.recap[:65_536]
            made = await self.client(ctx).create_note(body=body, timestamp=meeting.started_at,
                                                      associations=assoc)  # fmt: skip
            await self._record(ctx, "notes", made.id, {"hs_note_body": body},
                               link=("note", meeting.meeting_id))  # fmt: skip
            return made.id

        try:
            meeting_ext = await ctx.effect(f"hubspot:meeting:{meeting.meeting_id}", engagement)
            note_ext = await ctx.effect(f"hubspot:note:{meeting.meeting_id}", note)
        except NeedsAPerson as exc:
            await self._needs_a_person(ctx, "the meeting notes", str(exc),
                                       f"meeting:{meeting.meeting_id}")  # fmt: skip
            return {"meeting_id": meeting.meeting_id, "needs_person": str(exc)}
        return {"meeting_id": meeting.meeting_id, "hubspot_meeting": meeting_ext,
                "hubspot_note": note_ext}  # fmt: skip

    async def mirror_note(self, ctx: StepContext, key: str, text: str, *, deal_id: int | None,
                          contact_id: int | None, at: datetime) -> str | None:  # fmt: skip
        async def create() -> str | None:
            assoc = await self._associations(ctx, "notes", deal_id, contact_id)
            if not assoc:
                return None  # neither the deal nor the contact is in HubSpot
            try:
                made = await self.client(ctx).create_note(body=text[:65_536], timestamp=at,
                                                          associations=assoc)  # fmt: skip
            except NeedsAPerson as exc:
                return f"!{exc}"
            await self._record(ctx, "notes", made.id, {"hs_note_body": text[:65_536]})
            return made.id

        got = await ctx.effect(f"hubspot:note:{key}", create)
        if isinstance(got, str) and got.startswith("!"):
            await self._needs_a_person(ctx, "a note", got[1:], f"note:{key}")
            return None
        return got if isinstance(got, str) else None

    async def keep_hubspot_value(self, ctx: StepContext, deal_id: int,
                                 field: str) -> dict[str, Any]:  # fmt: skip
        """The rep kept HubSpot's value of a deal field (a `crm_conflict` skipped): Sixty's
        field takes HubSpot's current value, re-read now, recorded in `crm_field_changes` with
        provenance "kept HubSpot's value". Once per (step, deal, field)."""
        ext = await self._external(ctx, "deal", deal_id)
        spec = next((s for s in fields_of("deal", self.settings.get("field_map") or {})
                     if s.sixty == field), None)  # fmt: skip
        if ext is None or spec is None:
            return {"changed": False, "reason": "not linked" if ext is None else "not mapped"}

        async def read() -> str | None:
            record = await self.client(ctx).get_object("deals", ext, properties=[spec.hubspot])
            return record.get(spec.hubspot)

        raw = await ctx.effect(f"hubspot:read:{ext}:{spec.hubspot}", read)
        value = convert_in(spec, raw, await self.sync_context(ctx))
        if isinstance(value, date | datetime):
            value = value.isoformat()
        if value is None and field in ("stage", "name"):
            return {"changed": False, "reason": "HubSpot's value has no Sixty equivalent"}

        async def write() -> dict[str, Any]:
            async with ctx.db.transaction() as s:
                deal = await crm.lock_deal(s, deal_id=deal_id)
                if deal is None:
                    return {"changed": False, "reason": "deal deleted"}
                old = deal.stage if field == "stage" else (deal.properties or {}).get(field)
                if old == value:
                    return {"changed": False, "value": value}
                row = await crm.record_field_change(
                    s, deal=deal, name=field, new=value, apply=True, job_id=ctx.job_id,
                    now=ctx.now(), provenance={"source": "hubspot", "reason": KEPT_HUBSPOTS,
                                               "property": spec.hubspot, "external_id": ext},
                )  # fmt: skip
                edits = dict(deal.field_edits or {})
                edits[field] = {"by": "hubspot", "at": ctx.now().isoformat()}
                deal.field_edits = edits
                s.add(deal)
                return {"changed": True, "value": value, "change_id": row.id}

        return dict(await ctx.effect(f"keep-hubspot:{deal_id}:{field}", write))

    # ------------------------------------------------------------------ associations

    async def associate(self, ctx: StepContext, from_type: str, from_id: int, to_type: str,
                        to_id: int) -> bool:  # fmt: skip
        src = await self._external(ctx, from_type, from_id)
        dst = await self._external(ctx, to_type, to_id)
        if src is None or dst is None:
            return False

        async def put() -> bool:
            await self.client(ctx).associate_default(_plural(from_type), src, _plural(to_type), dst)
            return True

        return bool(await ctx.effect(f"hubspot:assoc:{from_type}:{src}:{to_type}:{dst}", put))


def recap_note(title: str, lines: Sequence[str]) -> str:
    """The recap as a HubSpot note body (HubSpot renders simple HTML)."""
    from html import escape

    items = "".join(f"<li>{escape(line)}</li>" for line in lines if line)
    return f"<p><strong>{escape(title)}</strong> (notes by Sixty)</p>" + (
        f"<ul>{items}</ul>" if items else ""
    )


def conflict_text(p: dict[str, Any]) -> str:
    return proposal_text(who=str(p.get("who") or "Someone"),
                         label=LABELS.get(str(p.get("property")), str(p.get("field"))),
                         theirs=str(p.get("theirs") or ""), ours=str(p.get("ours") or ""),
                         changed_at=datetime.fromisoformat(str(p["changed_at"])))  # fmt: skip
