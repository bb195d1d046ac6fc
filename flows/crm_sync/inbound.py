"""Inbound HubSpot changes (webhook deliveries and the Webhooks Journal) applied to Sixty.

Events arrive out of order and more than once, so an event is only a hint: each event id is
recorded once per org (`crm_inbound_events`; a repeat is dropped), and for every object named
by a new event the CURRENT record is re-read from HubSpot (batch read) and only the fields
HubSpot owns (`skills.crm_field_map`) are applied. Whatever order the events came in, Sixty
ends at HubSpot's current state. A record that is gone from HubSpot (deleted or merged) is
unlinked; the Sixty row stays. A record created in HubSpot is created in Sixty (deduplicated
by domain / email). Before applying, `storage.crm_write_ledger.is_our_echo` is asked whether
the change is only the echo of Sixty's own write (then it is skipped).

`poll_journal` reads the journal from the stored offset (the earliest kept when none) and
feeds every entry to the same handler, storing the offset after each entry; used when there
is no public URL and to replay after an outage (an expired offset restarts from the earliest
entry: the event ids already seen are dropped again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.hubspot import HubSpotClient, JournalOffsetExpired
from connectors.hubspot_models import WebhookEvent
from flows.crm_sync.connection import sync_context
from flows.crm_sync.records import Upserter
from skills.crm_field_map import HUBSPOT_TYPES, SyncContext, hubspot_properties
from storage import hubspot
from storage.crm_write_ledger import is_our_echo
from storage.engine import Database

log = logging.getLogger(__name__)

# objectTypeId -> Sixty type; legacy subscription prefixes too
TYPE_IDS = {"0-1": "contact", "0-2": "company", "0-3": "deal"}
PREFIXES = {"contact": "contact", "company": "company", "deal": "deal"}
EXTRA_PROPS = {"deal": ("dealstage", "pipeline")}
ASSOCIATIONS = {"contact": ("companies",), "deal": ("companies", "contacts")}
MAX_JOURNAL_ENTRIES = 500


@dataclass
class InboundResult:
    received: int = 0
    duplicates: int = 0
    ignored: int = 0
    applied: dict[str, int] = field(default_factory=dict)  # Sixty type -> records refreshed
    echoes: int = 0
    unlinked: int = 0


def object_type_of(event: WebhookEvent) -> str | None:
    if event.object_type_id in TYPE_IDS:
        return TYPE_IDS[event.object_type_id]
    prefix = event.subscription_type.split(".", 1)[0]
    return PREFIXES.get(prefix)


async def handle_events(db: Database, client: HubSpotClient, org_id: int,
                        events: Sequence[WebhookEvent], *, clock: Callable[[], datetime],
                        ctx: SyncContext | None = None) -> InboundResult:  # fmt: skip
    """Apply a batch of events for one org (see the module docstring)."""
    result = InboundResult(received=len(events))
    now = clock()
    fresh: list[WebhookEvent] = []
    async with db.transaction() as s:
        for ev in events:
            if await hubspot.mark_event_seen(s, org_id, str(ev.event_id), now=now):
                fresh.append(ev)
            else:
                result.duplicates += 1
    wanted: dict[str, dict[str, datetime | None]] = {}
    for ev in fresh:
        kind = object_type_of(ev)
        if kind is None:
            result.ignored += 1
            continue
        seen = wanted.setdefault(kind, {})
        prior = seen.get(str(ev.object_id))
        seen[str(ev.object_id)] = max((t for t in (prior, ev.occurred_at) if t), default=None)
    if wanted:
        if ctx is None:
            ctx = await sync_context(db, client, org_id)
        async with db.session() as s:
            conn = await hubspot.get_connection(s, org_id)
        overrides = hubspot.sync_settings(conn)["field_map"] if conn is not None else {}
        upserter = Upserter(org_id, ctx, now=now, field_map=overrides)
        for kind in ("company", "contact", "deal"):  # parents first, for associations
            if kind in wanted:
                await _refresh(db, client, upserter, kind, wanted[kind], result)
    async with db.transaction() as s:
        for ev in fresh:
            await hubspot.mark_event_processed(s, org_id, str(ev.event_id), now=clock())
        conn = await hubspot.get_connection(s, org_id)
        if conn is not None:
            await hubspot.mark_synced(s, conn, now=clock())
    log.info("hubspot inbound", extra={"org_id": org_id, "received": result.received,
                                       "duplicates": result.duplicates,
                                       "applied": result.applied, "echoes": result.echoes})  # fmt: skip
    return result


async def _refresh(db: Database, client: HubSpotClient, upserter: Upserter, kind: str,
                   objects: dict[str, datetime | None], result: InboundResult) -> None:  # fmt: skip
    props = list(dict.fromkeys([*hubspot_properties(kind), *EXTRA_PROPS.get(kind, ())]))
    hs_type = HUBSPOT_TYPES[kind]
    records = await client.batch_read(hs_type, list(objects), properties=props)
    if ASSOCIATIONS.get(kind):
        # batch read carries no associations: read them per record (few per delivery)
        records = [await client.get_object(hs_type, r.id, properties=props,
                                           associations=ASSOCIATIONS[kind]) for r in records]  # fmt: skip
    found = {r.id for r in records}
    async with db.transaction() as s:
        keep = []
        for rec in records:
            if await is_our_echo(s, org_id=upserter.org_id, object_type=kind, external_id=rec.id,
                                 properties=dict(rec.properties),
                                 occurred_at=objects.get(rec.id)):  # fmt: skip
                result.echoes += 1
                continue
            keep.append(rec)
        if keep:
            await upserter.upsert(s, kind, keep)
            result.applied[kind] = result.applied.get(kind, 0) + len(keep)
        for gone in set(objects) - found:
            sixty_id = await hubspot.sixty_id_for(s, upserter.org_id, kind, gone)
            if sixty_id is not None and await hubspot.unlink(s, upserter.org_id, kind, sixty_id):
                result.unlinked += 1
                upserter.links.get(kind, {}).pop(gone, None)


async def poll_journal(db: Database, client: HubSpotClient, org_id: int, *,
                       clock: Callable[[], datetime], ctx: SyncContext | None = None,
                       max_entries: int = MAX_JOURNAL_ENTRIES) -> InboundResult:  # fmt: skip
    """Read the journal from the stored offset and apply every entry (see the docstring)."""
    total = InboundResult()
    async with db.session() as s:
        conn = await hubspot.get_connection(s, org_id)
    if conn is None or conn.status != hubspot.ACTIVE:
        return total
    offset = conn.journal_offset
    for _ in range(max_entries):
        try:
            entry = await client.journal_next(offset)
        except JournalOffsetExpired:
            log.warning("hubspot journal offset expired; replaying from the earliest entry",
                        extra={"org_id": org_id})  # fmt: skip
            offset = None
            continue
        if entry is None:
            break
        events = [e for e in entry.events if not e.portal_id or str(e.portal_id) == conn.portal_id]
        got = await handle_events(db, client, org_id, events, clock=clock, ctx=ctx)
        _add(total, got)
        offset = entry.offset
        async with db.transaction() as s:
            row = await hubspot.get_connection(s, org_id)
            if row is not None:
                await hubspot.set_journal_offset(s, row, offset, now=clock())
    return total


def _add(total: InboundResult, got: InboundResult) -> None:
    total.received += got.received
    total.duplicates += got.duplicates
    total.ignored += got.ignored
    total.echoes += got.echoes
    total.unlinked += got.unlinked
    for k, v in got.applied.items():
        total.applied[k] = total.applied.get(k, 0) + v
