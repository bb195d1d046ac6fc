"""The CRM field map: which Sixty field matches which HubSpot property, and who owns it.

Pure (no I/O beyond reading the packaged data file `crm_field_map.json` once). One owner per
field: a HubSpot-owned field takes HubSpot's value into Sixty (import, inbound changes) and is
never written to HubSpot by Sixty; a Sixty-owned field is written to HubSpot by Sixty
(outbound writes) and HubSpot's changes to it are not applied to Sixty after the import.

Decisions (shown to admins by `sixty crm fields`):
- company name/domain/industry/city, contact email/name/job title, deal name/amount/close
  date/owner/pipeline: HubSpot owns them (the CRM of record; reps edit them there).
- deal stage (`dealstage`): Sixty owns it. A stage move happens in Sixty only when the rep
  approves it, and Sixty writes that move to HubSpot; the import takes HubSpot's stage once
  (mapped onto Sixty's stage names, keeping HubSpot's label in `properties`). HubSpot's current
  label keeps being copied to `properties["hubspot_stage_label"]` so a move made in HubSpot is
  visible (and shows in the dry-run diff).
- notes and tasks: created by Sixty (Sixty owns them; HubSpot's are imported once).
An org may override an owner (`crm_connections.settings["field_map"]`:
`{"deal.amount": "sixty"}`).

Values are compared in the Sixty shape (`from_hubspot`), so "1200" and 1200.0 are equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("crm_field_map.json")
OWNERS = ("sixty", "hubspot")
OBJECT_TYPES = ("company", "contact", "deal", "note", "task")
HUBSPOT_TYPES = {"company": "companies", "contact": "contacts", "deal": "deals",
                 "note": "notes", "task": "tasks", "meeting": "meetings"}  # fmt: skip
SIXTY_STAGES = ("discovery", "qualification", "demo", "proposal", "negotiation",
                "closed_won", "closed_lost")  # fmt: skip
OPEN_STAGES = SIXTY_STAGES[:5]
# keyword in a HubSpot stage label -> Sixty stage (first match wins, in this order)
_STAGE_WORDS = (
    ("lost", "closed_lost"), ("won", "closed_won"), ("negotiat", "negotiation"),
    ("contract", "negotiation"), ("proposal", "proposal"), ("quote", "proposal"),
    ("decision", "proposal"), ("demo", "demo"), ("presentation", "demo"),
    ("qualif", "qualification"), ("discover", "discovery"), ("appointment", "discovery"),
)  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    object_type: str
    sixty: str
    hubspot: str
    owner: str  # sixty | hubspot
    kind: str  # text | domain | email | number | date | owner | pipeline | stage

    @property
    def key(self) -> str:
        return f"{self.object_type}.{self.sixty}"


@dataclass(frozen=True)
class StageInfo:
    """One HubSpot deal stage with the Sixty stage it maps to."""

    pipeline_id: str
    pipeline_label: str
    stage_id: str
    label: str
    sixty_stage: str


@dataclass(frozen=True)
class SyncContext:
    """What value conversion needs: owners <-> Sixty users, and the portal's deal stages."""

    owner_to_user: Mapping[str, int] = field(default_factory=dict)
    stages: Sequence[StageInfo] = ()
    owners_seen: int = 0  # HubSpot owners listed (mapped or not)

    def stage(self, stage_id: str | None) -> StageInfo | None:
        return next((s for s in self.stages if s.stage_id == stage_id), None)

    def user_to_owner(self, user_id: int | None) -> str | None:
        return next((o for o, u in self.owner_to_user.items() if u == user_id), None)

    def pipeline_label(self, pipeline_id: str | None) -> str | None:
        return next((s.pipeline_label for s in self.stages if s.pipeline_id == pipeline_id), None)


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: `direction` is `to_sixty` or `to_hubspot`."""

    object_type: str
    sixty_id: int | None
    external_id: str | None
    field: str
    hubspot_property: str
    direction: str
    sixty_value: Any
    hubspot_value: Any


@cache
def _data() -> dict[str, list[dict[str, str]]]:
    doc = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def field_map(overrides: Mapping[str, str] | None = None) -> list[FieldSpec]:
    """Every mapped field, with the org's owner overrides (`{"deal.amount": "sixty"}`) applied.
    An override naming an unknown field or owner raises ValueError."""
    return list(_field_map(tuple(sorted((overrides or {}).items()))))


@cache
def _field_map(overrides: tuple[tuple[str, str], ...]) -> tuple[FieldSpec, ...]:
    specs = [FieldSpec(t, d["sixty"], d["hubspot"], d["owner"], d["kind"])
             for t, rows in _data().items() for d in rows]  # fmt: skip
    by_key = {s.key: s for s in specs}
    for key, owner in overrides:
        if key not in by_key:
            raise ValueError(f"unknown CRM field {key!r}")
        if owner not in OWNERS:
            raise ValueError(f"owner of {key} must be sixty or hubspot, not {owner!r}")
        s = by_key[key]
        by_key[key] = FieldSpec(s.object_type, s.sixty, s.hubspot, owner, s.kind)
    return tuple(by_key[s.key] for s in specs)


def fields_of(object_type: str, overrides: Mapping[str, str] | None = None) -> list[FieldSpec]:
    return [s for s in field_map(overrides) if s.object_type == object_type]


def hubspot_properties(object_type: str) -> list[str]:
    """The HubSpot properties to read for `object_type` (mapped ones plus the dedupe keys)."""
    return [s.hubspot for s in fields_of(object_type)]


# --------------------------------------------------------------------------- stages


def sixty_stage_for(label: str, *, is_closed: bool = False, probability: float | None = None,
                    position: float = 0.0) -> str:  # fmt: skip
    """The Sixty stage a HubSpot stage label means. Closed stages by probability (1 won, 0
    lost) when the label says nothing; other unknown labels by their position in the pipeline
    (0..1 over the open stages)."""
    low = label.lower()
    for word, stage in _STAGE_WORDS:
        if word in low:
            return stage
    if is_closed:
        return "closed_won" if (probability or 0.0) >= 0.5 else "closed_lost"
    index = min(len(OPEN_STAGES) - 1, max(0, int(position * len(OPEN_STAGES))))
    return OPEN_STAGES[index]


def stage_infos(pipelines: Sequence[Any]) -> list[StageInfo]:
    """StageInfo for every stage of `connectors.hubspot_models.Pipeline`-shaped values."""
    out: list[StageInfo] = []
    for pipe in pipelines:
        open_stages = [s for s in pipe.stages if not s.is_closed]
        for st in pipe.stages:
            pos = open_stages.index(st) / max(1, len(open_stages)) if st in open_stages else 0.0
            out.append(StageInfo(pipe.id, pipe.label, st.id, st.label,
                                 sixty_stage_for(st.label, is_closed=st.is_closed,
                                                 probability=st.probability, position=pos)))  # fmt: skip
    return out


def hubspot_stage_for(sixty_stage: str, pipeline_id: str | None, ctx: SyncContext) -> str | None:
    """The first stage of the deal's pipeline that maps to `sixty_stage` (for writing)."""
    for s in ctx.stages:
        if s.pipeline_id == pipeline_id and s.sixty_stage == sixty_stage:
            return s.stage_id
    return None


# --------------------------------------------------------------------------- values


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _to_date(value: str | None) -> date | None:
    value = _clean(value)
    if value is None:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000).date()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _to_number(value: str | None) -> float | None:
    text = _clean(value)
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?([^/\s]+)")


def normalise_domain(value: str | None) -> str | None:
    value = _clean(value)
    m = _DOMAIN.match(value.lower()) if value else None
    return m.group(1) if m else None


def convert_in(spec: FieldSpec, value: str | None, ctx: SyncContext) -> Any:
    """A HubSpot property value in Sixty's shape."""
    if spec.kind == "number":
        return _to_number(value)
    if spec.kind == "date":
        return _to_date(value)
    if spec.kind == "domain":
        return normalise_domain(value)
    if spec.kind == "email":
        return (_clean(value) or "").lower() or None
    if spec.kind == "owner":
        return ctx.owner_to_user.get(value or "")
    if spec.kind == "pipeline":
        return ctx.pipeline_label(value) or _clean(value)
    if spec.kind == "stage":
        info = ctx.stage(value)
        return info.sixty_stage if info else None
    return _clean(value)


def convert_out(spec: FieldSpec, value: Any, ctx: SyncContext,
                pipeline_id: str | None = None) -> str | None:  # fmt: skip
    """A Sixty value as the HubSpot property value to write."""
    if value is None:
        return None
    if spec.kind == "number":
        return f"{float(value):g}"
    if spec.kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if spec.kind == "owner":
        return ctx.user_to_owner(int(value))
    if spec.kind == "stage":
        return hubspot_stage_for(str(value), pipeline_id, ctx)
    return str(value)


def from_hubspot(object_type: str, props: Mapping[str, str | None], ctx: SyncContext,
                 overrides: Mapping[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Every mapped field of a HubSpot record, in Sixty's shape (what an import creates)."""
    return {s.sixty: convert_in(s, props.get(s.hubspot), ctx)
            for s in fields_of(object_type, overrides)}  # fmt: skip


def inbound_changes(object_type: str, sixty: Mapping[str, Any],
                    props: Mapping[str, str | None], ctx: SyncContext,
                    overrides: Mapping[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The HubSpot-owned fields whose HubSpot value differs from Sixty's: field -> new value.
    An owner HubSpot names that maps to no Sixty user leaves Sixty's owner alone."""
    out: dict[str, Any] = {}
    for s in fields_of(object_type, overrides):
        if s.owner != "hubspot" or s.hubspot not in props:
            continue
        new = convert_in(s, props.get(s.hubspot), ctx)
        if s.kind == "owner" and new is None and props.get(s.hubspot):
            continue
        if new != sixty.get(s.sixty):
            out[s.sixty] = new
    return out


def outbound_changes(object_type: str, sixty: Mapping[str, Any],
                     props: Mapping[str, str | None], ctx: SyncContext,
                     overrides: Mapping[str, str] | None = None) -> dict[str, str | None]:  # fmt: skip
    """The Sixty-owned fields whose Sixty value differs from HubSpot's: property -> value to
    write. A value Sixty cannot express in HubSpot (a stage with no matching HubSpot stage)
    is left out."""
    out: dict[str, str | None] = {}
    pipeline_id = props.get("pipeline")
    for s in fields_of(object_type, overrides):
        if s.owner != "sixty":
            continue
        mine = sixty.get(s.sixty)
        if mine is None or convert_in(s, props.get(s.hubspot), ctx) == mine:
            continue
        value = convert_out(s, mine, ctx, pipeline_id)
        if value is not None:
            out[s.hubspot] = value
    return out


def diff(object_type: str, sixty_id: int | None, external_id: str | None,
         sixty: Mapping[str, Any], props: Mapping[str, str | None], ctx: SyncContext,
         overrides: Mapping[str, str] | None = None) -> list[FieldDiff]:  # fmt: skip
    """Both directions for one linked pair, one `FieldDiff` per differing owned field."""
    specs = {s.sixty: s for s in fields_of(object_type, overrides)}
    rows = [FieldDiff(object_type, sixty_id, external_id, f, specs[f].hubspot, "to_sixty",
                      sixty.get(f), v)
            for f, v in inbound_changes(object_type, sixty, props, ctx, overrides).items()]  # fmt: skip
    by_prop = {s.hubspot: s for s in specs.values()}
    rows += [FieldDiff(object_type, sixty_id, external_id, by_prop[p].sixty, p, "to_hubspot",
                       sixty.get(by_prop[p].sixty), props.get(p))
             for p, _v in outbound_changes(object_type, sixty, props, ctx, overrides).items()]  # fmt: skip
    return rows


def describe(overrides: Mapping[str, str] | None = None) -> list[str]:
    """One line per field for admins: `deal  amount <- amount (HubSpot owns)`."""
    lines = []
    for s in field_map(overrides):
        arrow = "<-" if s.owner == "hubspot" else "->"
        who = "HubSpot owns" if s.owner == "hubspot" else "Sixty owns"
        lines.append(f"{s.object_type:<8} {s.sixty:<11} {arrow} {s.hubspot:<17} ({who})")
    return lines
