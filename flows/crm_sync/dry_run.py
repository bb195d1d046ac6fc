"""The dry-run diff: for every linked pair, what a sync would change in each direction, without
writing anything. HubSpot -> Sixty for HubSpot-owned fields (HubSpot's current values, read in
batches of 100), Sixty -> HubSpot for Sixty-owned fields (a deal's stage), and the Sixty notes
and tasks not yet in HubSpot (Sixty creates those). `format_diff` renders it for the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from blocks.text import plural
from connectors.hubspot import HubSpotClient
from flows.crm_sync.connection import sync_context
from flows.crm_sync.import_portal import PHASES
from flows.crm_sync.records import MODELS, view
from skills.crm_field_map import HUBSPOT_TYPES, FieldDiff, SyncContext, diff, hubspot_properties
from storage import hubspot
from storage.engine import Database
from storage.models import Activity, Task

DIFF_TYPES = ("company", "contact", "deal")


@dataclass
class DryRun:
    diffs: list[FieldDiff] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)
    gone: dict[str, int] = field(default_factory=dict)  # linked, no longer in HubSpot
    creates: dict[str, int] = field(default_factory=dict)  # Sixty rows HubSpot does not have

    def count(self, direction: str) -> int:
        return sum(1 for d in self.diffs if d.direction == direction)


async def dry_run(db: Database, client: HubSpotClient, org_id: int, *,
                  ctx: SyncContext | None = None) -> DryRun:  # fmt: skip
    out = DryRun()
    if ctx is None:
        ctx = await sync_context(db, client, org_id)
    async with db.session() as s:
        conn = await hubspot.get_connection(s, org_id)
    overrides = hubspot.sync_settings(conn)["field_map"] if conn is not None else {}
    extras = {p[0]: p[2] for p in PHASES}
    for kind in DIFF_TYPES:
        async with db.session() as s:
            links = await hubspot.links_of(s, org_id, kind)
        props = list(dict.fromkeys([*hubspot_properties(kind), *extras.get(kind, ())]))
        records = {r.id: r for r in await client.batch_read(HUBSPOT_TYPES[kind], list(links),
                                                            properties=props)}  # fmt: skip
        model = MODELS[kind]
        async with db.session() as s:
            ids = list(links.values())
            rows = {r.id: r for r in (await s.exec(
                select(model).where(col(model.id).in_(ids)))).all()} if ids else {}  # fmt: skip
        for ext, sixty_id in links.items():
            rec, row = records.get(ext), rows.get(sixty_id)
            if rec is None or row is None:
                out.gone[kind] = out.gone.get(kind, 0) + 1
                continue
            out.compared[kind] = out.compared.get(kind, 0) + 1
            out.diffs += diff(kind, sixty_id, ext, view(kind, row), rec.properties, ctx, overrides)
    async with db.session() as s:
        notes = await hubspot.links_of(s, org_id, "note")
        tasks = await hubspot.links_of(s, org_id, "task")
        note_ids = (await s.exec(select(Activity.id).where(
            Activity.org_id == org_id, Activity.kind == "note",
            Activity.source != "hubspot"))).all()  # fmt: skip
        task_ids = (await s.exec(select(Task.id).where(Task.org_id == org_id))).all()
    out.creates["note"] = len(set(note_ids) - set(notes.values()))
    out.creates["task"] = len(set(task_ids) - set(tasks.values()))
    return out


def _show(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def format_diff(result: DryRun, *, limit: int = 200) -> list[str]:
    """Readable lines: one per field change in each direction, then the totals."""
    lines: list[str] = []
    for direction, title in (("to_sixty", "HubSpot -> Sixty (HubSpot owns these fields)"),
                             ("to_hubspot", "Sixty -> HubSpot (Sixty owns these fields)")):  # fmt: skip
        rows: Sequence[FieldDiff] = [d for d in result.diffs if d.direction == direction]
        lines.append(f"{title}: {len(rows)}")
        for d in rows[:limit]:
            old, new = ((d.sixty_value, d.hubspot_value) if direction == "to_sixty"
                        else (d.hubspot_value, d.sixty_value))  # fmt: skip
            lines.append(f"  {d.object_type} {d.sixty_id} (HubSpot {d.external_id}) "
                         f"{d.field if direction == 'to_sixty' else d.hubspot_property}: "
                         f"{_show(old)} -> {_show(new)}")  # fmt: skip
        if len(rows) > limit:
            lines.append(f"  … and {len(rows) - limit} more")
    for kind, n in result.creates.items():
        if n:
            lines.append(f"Sixty -> HubSpot: {plural(n, kind)} to create")
    for kind, n in result.gone.items():
        what = plural(n, "company", "companies") if kind == "company" else plural(n, kind)
        lines.append(f"Linked but gone from HubSpot: {what} (kept in Sixty)")
    lines.append("Dry run: nothing was written.")
    return lines
