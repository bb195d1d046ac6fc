"""Import a HubSpot portal into Sixty: owners mapped to Sixty users by email, then companies
(deduplicated by domain), contacts (by email, with their company), deals (pipeline and stage
labels mapped onto Sixty's stage names, HubSpot's label kept), and the last 90 days of notes
and meetings, each linked by its HubSpot id in `crm_links`.

Reads are paged 100 at a time (`GET /crm/objects/…` with `associations=`), one transaction per
page, so a long import shows progress in App Home (`crm_connections.import_progress`) and a
rerun finds every record by its link and changes nothing twice. Nothing is written to HubSpot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.hubspot import HubSpotClient
from connectors.hubspot_models import CrmObject, parse_time
from flows.crm_sync.connection import sync_context
from flows.crm_sync.records import Upserter, engagement_cutoff
from skills.crm_field_map import SyncContext, hubspot_properties
from storage import hubspot
from storage.engine import Database

log = logging.getLogger(__name__)

PHASES = (
    # (Sixty type, HubSpot type, extra properties, associations)
    ("company", "companies", (), ()),
    ("contact", "contacts", (), ("companies",)),
    ("deal", "deals", ("dealstage", "pipeline"), ("companies", "contacts")),
    ("note", "notes", ("hs_timestamp", "hs_note_body", "hubspot_owner_id"), ("contacts", "deals")),
    ("meeting", "meetings", ("hs_timestamp", "hs_meeting_title", "hs_meeting_body",
                             "hubspot_owner_id"), ("contacts", "deals")),
)  # fmt: skip
MAX_PAGES = 100_000


@dataclass
class ImportResult:
    owners_mapped: int = 0
    owners_total: int = 0
    done: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)


def _progress(phase: str, result: ImportResult) -> dict[str, Any]:
    return {"phase": phase, "done": dict(result.done), "created": dict(result.created),
            "owners_mapped": result.owners_mapped, "owners_total": result.owners_total}  # fmt: skip


async def import_portal(db: Database, client: HubSpotClient, org_id: int, *,
                        clock: Callable[[], datetime],
                        ctx: SyncContext | None = None) -> ImportResult:  # fmt: skip
    """Import (or re-import) the org's portal; progress is stored after every page."""
    result = ImportResult()
    if ctx is None:
        ctx = await sync_context(db, client, org_id)
    result.owners_total = ctx.owners_seen
    result.owners_mapped = len(ctx.owner_to_user)
    async with db.session() as s:
        conn = await hubspot.get_connection(s, org_id)
    overrides = hubspot.sync_settings(conn)["field_map"] if conn is not None else {}
    upserter = Upserter(org_id, ctx, now=clock(), field_map=overrides)
    cutoff = engagement_cutoff(clock())
    await _mark(db, org_id, "running", _progress("owners", result), clock())
    try:
        for sixty_type, hs_type, extra, assoc in PHASES:
            props = list(dict.fromkeys([*hubspot_properties(sixty_type), *extra]))
            result.done[sixty_type] = 0
            page: list[CrmObject] = []
            async for rec in client.iter_objects(hs_type, properties=props, associations=assoc,
                                                 max_pages=MAX_PAGES):  # fmt: skip
                if sixty_type in ("note", "meeting"):
                    when = parse_time(rec.get("hs_timestamp")) or rec.created_at
                    if when is None or when < cutoff:
                        continue
                page.append(rec)
                if len(page) >= 100:
                    await _page(db, upserter, sixty_type, page, result, clock())
                    page = []
            if page:
                await _page(db, upserter, sixty_type, page, result, clock())
    except Exception:
        await _mark(db, org_id, "failed", _progress("failed", result), clock())
        raise
    result.created, result.updated = dict(upserter.created), dict(upserter.updated)
    await _mark(db, org_id, "done", _progress("done", result), clock())
    log.info("hubspot import done", extra={"org_id": org_id, "done": result.done})
    return result


async def _page(db: Database, upserter: Upserter, sixty_type: str, page: list[CrmObject],
                result: ImportResult, now: datetime) -> None:  # fmt: skip
    upserter.now = now
    async with db.transaction() as s:
        await upserter.upsert(s, sixty_type, page)
        result.done[sixty_type] += len(page)
        result.created = dict(upserter.created)
        conn = await hubspot.get_connection(s, upserter.org_id)
        if conn is not None:
            await hubspot.record_import_progress(s, conn, status="running",
                                                 progress=_progress(sixty_type, result), now=now)  # fmt: skip


async def _mark(db: Database, org_id: int, status: str, progress: dict[str, Any],
                now: datetime) -> None:  # fmt: skip
    async with db.transaction() as s:
        conn = await hubspot.get_connection(s, org_id)
        if conn is not None:
            await hubspot.record_import_progress(s, conn, status=status, progress=progress, now=now)
