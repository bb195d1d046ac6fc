"""Typed records for the HubSpot connector (2026-09 CRM shapes), parsed from API JSON.

Property values are HubSpot's strings (or None). They are kept out of every `repr` (they hold
addresses, names and note bodies), so a record can be logged without leaking them.

Shapes (HubSpot-public-api-spec-collection, NEXT_BUILDS.md D1):
- object: `{id, properties{}, propertiesWithHistory{prop: [{value, timestamp, sourceType,
  sourceId, sourceLabel, updatedByUserId}]}, createdAt, updatedAt, archived, associations?}`.
- batch answer: `{status, results[], errors[{status, category, message, context,
  subCategory}], numErrors}` (207 when some items failed).
- owners: `{id, userId, email, firstName, lastName, archived, teams}`.
- pipelines: `{id, label, displayOrder, stages[{id, label, displayOrder, metadata{}}]}`.
- associations (v4 read): `{toObjectId, associationTypes[{category, typeId, label}]}`.
- webhook event: `{eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType,
  attemptNumber, objectId, objectTypeId?, propertyName, propertyValue, changeSource, sourceId,
  changeFlag, isSensitive}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

HUMAN_SOURCE_TYPES = frozenset({"CRM_UI", "MOBILE_IOS", "MOBILE_ANDROID"})


def parse_time(value: Any) -> datetime | None:
    """HubSpot times: ISO-8601 (`2026-11-23T09:00:00.000Z`) or epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class HistoryEntry:
    value: str | None = field(repr=False)
    timestamp: datetime | None
    source_type: str
    source_id: str | None
    source_label: str | None
    updated_by_user_id: int | None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> HistoryEntry:
        user = doc.get("updatedByUserId")
        return cls(value=_str(doc.get("value")), timestamp=parse_time(doc.get("timestamp")),
                   source_type=str(doc.get("sourceType") or ""),
                   source_id=_str(doc.get("sourceId")), source_label=_str(doc.get("sourceLabel")),
                   updated_by_user_id=int(user) if user not in (None, "") else None)  # fmt: skip

    @property
    def user_id(self) -> int | None:
        """The HubSpot user behind the change: `updatedByUserId`, else `sourceId` `userId:N`."""
        if self.updated_by_user_id is not None:
            return self.updated_by_user_id
        if self.source_id and self.source_id.startswith("userId:"):
            tail = self.source_id.split(":", 1)[1]
            return int(tail) if tail.isdigit() else None
        return None

    @property
    def is_human_edit(self) -> bool:
        """Made by a person in HubSpot's app (web or mobile), attributable to a user."""
        return self.source_type in HUMAN_SOURCE_TYPES and self.user_id is not None


@dataclass(frozen=True)
class CrmObject:
    id: str
    properties: dict[str, str | None] = field(default_factory=dict, repr=False)
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict, repr=False)
    associations: dict[str, list[str]] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived: bool = False

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> CrmObject:
        props = doc.get("properties") or {}
        hist = doc.get("propertiesWithHistory") or {}
        assoc: dict[str, list[str]] = {}
        for to_type, block in (doc.get("associations") or {}).items():
            rows = block.get("results") if isinstance(block, dict) else None
            assoc[to_type] = [str(r.get("id") or r.get("toObjectId")) for r in rows or []
                              if isinstance(r, dict)]  # fmt: skip
        return cls(
            id=str(doc.get("id") or ""),
            properties={str(k): _str(v) for k, v in props.items()},
            history={
                str(k): [HistoryEntry.from_api(e) for e in v if isinstance(e, dict)]
                for k, v in hist.items()
                if isinstance(v, list)
            },
            associations=assoc,
            created_at=parse_time(doc.get("createdAt")),
            updated_at=parse_time(doc.get("updatedAt")),
            archived=bool(doc.get("archived", False)),
        )

    def get(self, name: str) -> str | None:
        return self.properties.get(name)

    def latest(self, name: str) -> HistoryEntry | None:
        """The newest history entry of `name` (HubSpot lists newest first; sorted anyway)."""
        rows = [e for e in self.history.get(name, []) if e.timestamp is not None]
        return max(rows, key=lambda e: e.timestamp or datetime.min.replace(tzinfo=UTC),
                   default=None)  # fmt: skip


@dataclass(frozen=True)
class AssociationType:
    category: str  # HUBSPOT_DEFINED | USER_DEFINED | INTEGRATOR_DEFINED
    type_id: int
    label: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {"associationCategory": self.category, "associationTypeId": self.type_id}


# HUBSPOT_DEFINED type ids (EXTERNAL_APIS.md 7; the unconfirmed ones are looked up in tests
# through the labels endpoint, not relied on here)
NOTE_TO_CONTACT = AssociationType("HUBSPOT_DEFINED", 202)
CONTACT_TO_COMPANY = AssociationType("HUBSPOT_DEFINED", 279)


@dataclass(frozen=True)
class AssociationSpec:
    """An inline association on create: `{to{id}, types[…]}`."""

    to_id: str
    types: tuple[AssociationType, ...]

    def to_api(self) -> dict[str, Any]:
        return {"to": {"id": self.to_id}, "types": [t.to_api() for t in self.types]}


@dataclass(frozen=True)
class Association:
    to_id: str
    types: tuple[AssociationType, ...]

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Association:
        types = tuple(AssociationType(str(t.get("category")), int(t.get("typeId") or 0),
                                      _str(t.get("label")))
                      for t in doc.get("associationTypes") or [] if isinstance(t, dict))  # fmt: skip
        return cls(to_id=str(doc.get("toObjectId")), types=types)


@dataclass(frozen=True)
class ObjectInput:
    """One record to create."""

    properties: dict[str, str] = field(repr=False)
    associations: tuple[AssociationSpec, ...] = ()
    trace_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"properties": dict(self.properties),
                               "associations": [a.to_api() for a in self.associations]}  # fmt: skip
        if self.trace_id:
            doc["objectWriteTraceId"] = self.trace_id
        return doc


@dataclass(frozen=True)
class ObjectUpdate:
    """One record to update (by id, or by a unique `id_property` value: upsert)."""

    id: str
    properties: dict[str, str] = field(repr=False)
    id_property: str | None = None
    trace_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "properties": dict(self.properties)}
        if self.id_property:
            doc["idProperty"] = self.id_property
        if self.trace_id:
            doc["objectWriteTraceId"] = self.trace_id
        return doc


@dataclass(frozen=True)
class BatchError:
    status: str
    category: str
    message: str
    context: dict[str, list[str]] = field(default_factory=dict)
    sub_category: str | None = None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> BatchError:
        ctx = doc.get("context") or {}
        return cls(
            status=str(doc.get("status") or "error"),
            category=str(doc.get("category") or ""),
            message=str(doc.get("message") or "")[:500],
            context={str(k): [str(x) for x in v] for k, v in ctx.items() if isinstance(v, list)},
            sub_category=_str(doc.get("subCategory")),
        )

    @property
    def needs_a_person(self) -> bool:
        return self.category == "VALIDATION_ERROR"


@dataclass
class BatchResult:
    results: list[CrmObject] = field(default_factory=list)
    errors: list[BatchError] = field(default_factory=list)
    calls: int = 0

    def extend(self, doc: Any) -> None:
        self.calls += 1
        if not isinstance(doc, dict):
            return
        self.results += [CrmObject.from_api(r) for r in doc.get("results") or []
                         if isinstance(r, dict)]  # fmt: skip
        self.errors += [BatchError.from_api(e) for e in doc.get("errors") or []
                        if isinstance(e, dict)]  # fmt: skip

    @property
    def needs_a_person(self) -> list[BatchError]:
        return [e for e in self.errors if e.needs_a_person]


@dataclass(frozen=True)
class Owner:
    id: str
    user_id: int | None
    first_name: str = ""
    last_name: str = ""
    email: str = field(default="", repr=False)
    archived: bool = False

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Owner:
        user = doc.get("userId")
        return cls(id=str(doc.get("id")), user_id=int(user) if user not in (None, "") else None,
                   first_name=str(doc.get("firstName") or ""),
                   last_name=str(doc.get("lastName") or ""),
                   email=str(doc.get("email") or "").lower(),
                   archived=bool(doc.get("archived", False)))  # fmt: skip

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class PipelineStage:
    id: str
    label: str
    display_order: int
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_closed(self) -> bool:
        return str(self.metadata.get("isClosed", "")).lower() == "true"

    @property
    def probability(self) -> float | None:
        try:
            return float(self.metadata["probability"])
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    display_order: int
    stages: tuple[PipelineStage, ...]

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Pipeline:
        stages = tuple(sorted((
            PipelineStage(str(s.get("id")), str(s.get("label") or ""),
                          int(s.get("displayOrder") or 0),
                          {str(k): str(v) for k, v in (s.get("metadata") or {}).items()})
            for s in doc.get("stages") or [] if isinstance(s, dict)),
            key=lambda s: s.display_order))  # fmt: skip
        return cls(str(doc.get("id")), str(doc.get("label") or ""),
                   int(doc.get("displayOrder") or 0), stages)  # fmt: skip

    def stage_label(self, stage_id: str) -> str | None:
        return next((s.label for s in self.stages if s.id == stage_id), None)


@dataclass(frozen=True)
class WebhookEvent:
    event_id: int
    subscription_type: str
    portal_id: int
    object_id: int
    occurred_at: datetime | None
    property_name: str | None = None
    property_value: str | None = field(default=None, repr=False)
    change_source: str | None = None
    source_id: str | None = None
    object_type_id: str | None = None
    attempt_number: int = 0
    change_flag: str | None = None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> WebhookEvent:
        return cls(event_id=int(doc.get("eventId") or 0),
                   subscription_type=str(doc.get("subscriptionType") or ""),
                   portal_id=int(doc.get("portalId") or 0), object_id=int(doc.get("objectId") or 0),
                   occurred_at=parse_time(doc.get("occurredAt")),
                   property_name=_str(doc.get("propertyName")),
                   property_value=_str(doc.get("propertyValue")),
                   change_source=_str(doc.get("changeSource")), source_id=_str(doc.get("sourceId")),
                   object_type_id=_str(doc.get("objectTypeId")),
                   attempt_number=int(doc.get("attemptNumber") or 0),
                   change_flag=_str(doc.get("changeFlag")))  # fmt: skip


@dataclass(frozen=True)
class JournalEntry:
    """One journal position: `currentOffset`, and the entry's JSON file fetched from the
    pre-signed `url` (events in the webhook event shape)."""

    offset: str
    expires_at: datetime | None
    events: tuple[WebhookEvent, ...] = ()


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    hub_id: int | None = None
    scopes: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, doc: dict[str, Any], now: datetime) -> TokenGrant:
        """Token endpoint answer (snake_case per the 2026-03 docs; camelCase also read)."""
        expires = int(doc.get("expires_in") or doc.get("expiresIn") or 1800)
        scopes = doc.get("scopes") or doc.get("scope") or ()
        if isinstance(scopes, str):
            scopes = scopes.split()
        hub = doc.get("hub_id") or doc.get("hubId")
        return cls(access_token=str(doc.get("access_token") or doc.get("accessToken") or ""),
                   refresh_token=_str(doc.get("refresh_token") or doc.get("refreshToken")),
                   expires_at=now + timedelta(seconds=expires),
                   hub_id=int(hub) if hub else None, scopes=tuple(scopes))  # fmt: skip

    def token_blob(self) -> dict[str, Any]:
        """What storage encrypts (`TokenCipher.encrypt`)."""
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat(), "hub_id": self.hub_id,
                "scopes": list(self.scopes)}  # fmt: skip

    @classmethod
    def from_blob(cls, blob: dict[str, Any]) -> TokenGrant:
        return cls(access_token=str(blob.get("access_token") or ""),
                   refresh_token=_str(blob.get("refresh_token")),
                   expires_at=datetime.fromisoformat(str(blob["expires_at"])),
                   hub_id=blob.get("hub_id"), scopes=tuple(blob.get("scopes") or ()))  # fmt: skip
