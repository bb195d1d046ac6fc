"""Sixty CRM rows seen through the field map, and HubSpot records written into them.

`view(object_type, row)` is a row as the field map's Sixty-side dict (a contact's `name` split
into first and last name, a deal's HubSpot pipeline label from `properties`); `apply` writes
field values back. `Upserter` puts HubSpot records into Sixty's tables for one org: find the
row by link, else by dedupe key (company domain, contact email; deals and engagements have
none), else create it, and link it (`crm_links`). It keeps the org's links and keys in memory
so an import of tens of thousands of records does one lookup per page, not per record.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.hubspot_models import CrmObject, parse_time
from skills.crm_field_map import SyncContext, from_hubspot, inbound_changes
from storage import hubspot
from storage.hubspot_models import CrmLink
from storage.models import Activity, Company, Contact, Deal, DealContact

MODELS: dict[str, Any] = {"company": Company, "contact": Contact, "deal": Deal,
                          "note": Activity, "meeting": Activity}  # fmt: skip
SUMMARY_MAX = 4000
# the links an object's associations are resolved through
DEPENDS_ON = {"contact": ("company",), "deal": ("company", "contact"),
              "note": ("contact", "deal"), "meeting": ("contact", "deal")}  # fmt: skip
_TAGS = re.compile(r"<[^>]+>")


def view(object_type: str, row: Any) -> dict[str, Any]:
    if object_type == "company":
        return {"name": row.name, "domain": row.domain, "industry": row.industry,
                "location": row.location}  # fmt: skip
    if object_type == "contact":
        first, _, last = (row.name or "").partition(" ")
        return {"email": row.email, "first_name": first or None, "last_name": last or None,
                "title": row.title}  # fmt: skip
    if object_type == "deal":
        return {"name": row.name, "amount": row.amount, "close_date": row.close_date,
                "owner_id": row.owner_id, "stage": row.stage,
                "pipeline": (row.properties or {}).get("hubspot_pipeline")}  # fmt: skip
    return {"summary": row.summary}


def apply(object_type: str, row: Any, values: dict[str, Any], *, now: datetime) -> None:
    """Write field-map values onto a Sixty row (only the keys given)."""
    values = dict(values)
    if object_type == "contact" and ("first_name" in values or "last_name" in values):
        old_first, _, old_last = (row.name or "").partition(" ")
        first = values.pop("first_name", old_first)
        last = values.pop("last_name", old_last)
        name = f"{first or ''} {last or ''}".strip()
        row.name = name or values.get("email") or row.email or "(no name)"
    if object_type == "deal":
        props = dict(row.properties or {})
        if "pipeline" in values:
            props["hubspot_pipeline"] = values.pop("pipeline")
        edits = dict(row.field_edits or {})
        for name in values:
            edits[name] = {"by": "hubspot", "at": now.isoformat()}
        if "stage" in values and values["stage"] != row.stage:
            row.stage_changed_at = now
        row.properties, row.field_edits, row.updated_at = props, edits, now
    for name, value in values.items():
        if object_type == "company" and name == "name" and not value:
            continue
        if object_type == "deal" and name in ("name", "stage") and not value:
            continue
        setattr(row, name, value)


def stage_properties(rec: CrmObject, ctx: SyncContext) -> dict[str, Any]:
    """HubSpot's own stage and pipeline, kept on a Sixty deal (HubSpot owns these copies)."""
    info = ctx.stage(rec.get("dealstage"))
    return {"hubspot_stage_id": rec.get("dealstage"),
            "hubspot_stage_label": info.label if info else rec.get("dealstage")}  # fmt: skip


def note_text(body: str | None) -> str:
    text = html.unescape(_TAGS.sub(" ", body or ""))
    return re.sub(r"\s+", " ", text).strip()[:SUMMARY_MAX]


class Upserter:
    """HubSpot records into one org's Sixty tables (see the module docstring)."""

    def __init__(self, org_id: int, ctx: SyncContext, *, now: datetime,
                 field_map: dict[str, str] | None = None) -> None:  # fmt: skip
        self.org_id = org_id
        self.ctx = ctx
        self.now = now
        self.overrides = field_map or {}
        self.links: dict[str, dict[str, int]] = {}
        self.linked_ids: dict[str, set[int]] = {}
        self.keys: dict[str, dict[str, int]] = {}
        self.created = dict.fromkeys(MODELS, 0)
        self.updated = dict.fromkeys(MODELS, 0)

    async def load(self, session: AsyncSession, object_type: str) -> None:
        """The org's links of `object_type`, and its dedupe keys (domain / email)."""
        self.links[object_type] = await hubspot.links_of(session, self.org_id, object_type)
        self.linked_ids[object_type] = set(self.links[object_type].values())
        keys: dict[str, int] = {}
        if object_type == "company":
            stmt = select(Company.id, Company.domain).where(
                Company.org_id == self.org_id, col(Company.domain).is_not(None)
            )
            for cid, domain in (await session.exec(stmt)).all():
                keys.setdefault(str(domain).lower(), int(cid or 0))
        elif object_type == "contact":
            cstmt = select(Contact.id, Contact.email).where(
                Contact.org_id == self.org_id, col(Contact.email).is_not(None)
            )
            for cid, email in (await session.exec(cstmt)).all():
                keys.setdefault(str(email).lower(), int(cid or 0))
        self.keys[object_type] = keys

    def _dedupe_key(self, object_type: str, values: dict[str, Any]) -> str | None:
        key = values.get("domain") if object_type == "company" else (
            values.get("email") if object_type == "contact" else None)  # fmt: skip
        return str(key).lower() if key else None

    def sixty_id(self, object_type: str, external_id: str) -> int | None:
        return self.links.get(object_type, {}).get(external_id)

    async def upsert(self, session: AsyncSession, object_type: str,
                     records: Sequence[CrmObject]) -> list[int]:  # fmt: skip
        """Each record's Sixty id (created, matched by dedupe key, or linked already)."""
        for needed in (object_type, *DEPENDS_ON.get(object_type, ())):
            if needed not in self.links:
                await self.load(session, needed)
        links, linked = self.links[object_type], self.linked_ids[object_type]
        model = MODELS[object_type]
        known = [links[r.id] for r in records if r.id in links]
        rows = {}
        if known:
            stmt = select(model).where(col(model.id).in_(known))
            rows = {r.id: r for r in (await session.exec(stmt)).all()}
        new_links: list[tuple[int, str]] = []
        pending: list[tuple[CrmObject, Any]] = []
        by_ext: dict[str, Any] = {}
        for rec in records:
            row = rows.get(links.get(rec.id, -1))
            if row is None and object_type in ("company", "contact"):
                values = from_hubspot(object_type, rec.properties, self.ctx, self.overrides)
                match = self.keys[object_type].get(self._dedupe_key(object_type, values) or "")
                if match is not None and match not in linked:
                    row = await session.get(model, match)
                    if row is not None:
                        new_links.append((match, rec.id))
                        linked.add(match)
                        links[rec.id] = match
            if row is None:
                row = self._new(object_type, rec)
                session.add(row)
                pending.append((rec, row))
                self.created[object_type] += 1
            else:
                self._update(object_type, row, rec)
                session.add(row)
                self.updated[object_type] += 1
            by_ext[rec.id] = row
        if pending:
            await session.flush()
            for rec, row in pending:
                links[rec.id] = int(row.id)
                linked.add(int(row.id))
                new_links.append((int(row.id), rec.id))
                key = self._dedupe_key(object_type, view(object_type, row))
                if key:
                    self.keys[object_type].setdefault(key, int(row.id))
        if new_links:  # one executemany, not an ORM insert per link
            await session.execute(insert(CrmLink), [
                {"org_id": self.org_id, "object_type": object_type, "sixty_id": sixty_id,
                 "external_id": ext, "created_at": self.now} for sixty_id, ext in new_links])  # fmt: skip
        await self._associate(session, object_type, records, by_ext)
        await session.flush()
        return [links[r.id] for r in records]

    def _new(self, object_type: str, rec: CrmObject) -> Any:
        now = self.now
        if object_type in ("note", "meeting"):
            return self._engagement(object_type, rec)
        values = from_hubspot(object_type, rec.properties, self.ctx, self.overrides)
        if object_type == "company":
            row: Any = Company(org_id=self.org_id, name=values.get("name") or values.get("domain")
                               or f"HubSpot company {rec.id}", created_at=now)  # fmt: skip
        elif object_type == "contact":
            row = Contact(org_id=self.org_id, name="", created_at=now)
        else:
            row = Deal(org_id=self.org_id, name=values.get("name") or f"HubSpot deal {rec.id}",
                       created_at=now, updated_at=now, stage_changed_at=now)  # fmt: skip
            row.properties = stage_properties(rec, self.ctx)
            values["stage"] = values.get("stage") or "discovery"
        apply(object_type, row, values, now=now)
        if object_type in ("contact", "deal"):  # set now: no UPDATE after the INSERT
            row.company_id = self._first("company", rec.associations.get("companies"))
        if object_type == "deal":
            row.field_edits = {}
            row.primary_contact_id = self._first("contact", rec.associations.get("contacts"))
        return row

    def _first(self, object_type: str, external_ids: list[str] | None) -> int | None:
        ids = (self.sixty_id(object_type, x) for x in external_ids or [])
        return next((i for i in ids if i is not None), None)

    def _update(self, object_type: str, row: Any, rec: CrmObject) -> None:
        if object_type in ("note", "meeting"):
            return  # engagements are imported once; Sixty owns them afterwards
        changes = inbound_changes(object_type, view(object_type, row), rec.properties, self.ctx,
                                  self.overrides)  # fmt: skip
        if object_type == "deal":
            props = stage_properties(rec, self.ctx)
            if any((row.properties or {}).get(k) != v for k, v in props.items()):
                row.properties = {**(row.properties or {}), **props}
                row.updated_at = self.now
        if changes:
            apply(object_type, row, changes, now=self.now)

    def _engagement(self, kind: str, rec: CrmObject) -> Activity:
        when = parse_time(rec.get("hs_timestamp")) or rec.created_at or self.now
        if kind == "note":
            summary = note_text(rec.get("hs_note_body"))
        else:
            title = rec.get("hs_meeting_title") or "Meeting"
            summary = (title + ": " + note_text(rec.get("hs_meeting_body"))).rstrip(": ")
        user = self.ctx.owner_to_user.get(rec.get("hubspot_owner_id") or "")
        deals = rec.associations.get("deals") or []
        contacts = rec.associations.get("contacts") or []
        return Activity(org_id=self.org_id, kind=kind, occurred_at=when, summary=summary[:SUMMARY_MAX],
                        source="hubspot", user_id=user,
                        deal_id=self.sixty_id("deal", deals[0]) if deals else None,
                        contact_id=self.sixty_id("contact", contacts[0]) if contacts else None,
                        provenance={"hubspot_id": rec.id, "hubspot_type": kind})  # fmt: skip

    async def _associate(self, session: AsyncSession, object_type: str,
                         records: Sequence[CrmObject], by_ext: dict[str, Any]) -> None:  # fmt: skip
        """Contact -> company, deal -> company / primary contact / deal contacts."""
        if object_type not in ("contact", "deal"):
            return
        ids = [int(r.id) for r in by_ext.values() if r.id is not None]
        pairs: set[tuple[int, int]] = set()
        if object_type == "deal" and ids:
            stmt = select(DealContact.deal_id, DealContact.contact_id).where(
                col(DealContact.deal_id).in_(ids)
            )
            pairs = {(d, c) for d, c in (await session.exec(stmt)).all()}
        for rec in records:
            row = by_ext.get(rec.id)
            if row is None:
                continue
            companies = [
                self.sixty_id("company", c) for c in rec.associations.get("companies") or []
            ]
            company = next((c for c in companies if c is not None), None)
            if company is not None and row.company_id != company:
                row.company_id = company
                session.add(row)
            if object_type == "deal":
                contacts = [c for c in (self.sixty_id("contact", x)
                                        for x in rec.associations.get("contacts") or [])
                            if c is not None]  # fmt: skip
                if contacts and row.primary_contact_id is None:
                    row.primary_contact_id = contacts[0]
                    session.add(row)
                for c in contacts:
                    if (row.id, c) not in pairs:
                        pairs.add((row.id, c))
                        session.add(DealContact(deal_id=row.id, contact_id=c))


async def count_rows(session: AsyncSession, model: Any, org_id: int) -> int:
    stmt = select(func.count()).select_from(model).where(model.org_id == org_id)
    return int((await session.exec(stmt)).one())


def engagement_cutoff(now: datetime, days: int = 90) -> datetime:
    return now - timedelta(days=days)
