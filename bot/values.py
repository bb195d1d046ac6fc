"""What each Slack button, select and modal carries, read by one typed parser.

Values on the wire are short strings: an id, `job:code`, `pending:n`, a JSON object, a comma list.
Each kind is a frozen pydantic model that says how its string splits into fields (`fields_of`) and
which fields are ids of what (`REFS`, checked against the clicking user by `bot/authz.py`).
`parse` turns a raw string (at most `BUTTON_VALUE_MAX` characters) into that model or raises
`BadValue`; it is the only place a value or private_metadata is decoded (JSON included).
Which model each action_id / callback_id carries: `bot/value_routes.py`. No I/O here.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from blocks.text import BUTTON_VALUE_MAX
from storage.access import Ref
from storage.users import PROVIDERS


class BadValue(ValueError):
    """A value that is missing, malformed or of the wrong type; the text is safe to show."""


def _not_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("an id is a number")
    return v


Id = Annotated[int, BeforeValidator(_not_bool), Field(gt=0, lt=2**62)]
PendingId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ActionValue(BaseModel):
    """A parsed value. `REFS` maps field name -> what the id (or list of ids) points at."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    REFS: ClassVar[dict[str, Ref]] = {}

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        """The wire string as the dict the model validates."""
        raise NotImplementedError

    def ids(self) -> dict[Ref, set[Any]]:
        """Every id this value carries, by kind."""
        out: dict[Ref, set[Any]] = {}
        for name, ref in self.REFS.items():
            got = getattr(self, name)
            items = got if isinstance(got, list | tuple) else [got]
            out.setdefault(ref, set()).update(i for i in items if i is not None)
        return out


class NoValue(ActionValue):
    """Buttons whose value is a fixed word or absent: they act on the clicking user only."""

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {}


class PendingRef(ActionValue):
    REFS = {"pending_id": Ref.PENDING}
    pending_id: PendingId

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"pending_id": raw}


class TaskRef(ActionValue):
    """`pending:n`: one task of a task-list gate."""

    REFS = {"pending_id": Ref.PENDING}
    pending_id: PendingId
    n: Annotated[int, BeforeValidator(_not_bool), Field(ge=0, lt=1000)]

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        pending_id, sep, n = raw.rpartition(":")
        return {"pending_id": pending_id, "n": n} if sep else {"pending_id": raw}


class JobRef(ActionValue):
    REFS = {"job_id": Ref.JOB}
    job_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"job_id": raw}


class PickerRef(ActionValue):
    """`job` or `job:code`: a time picker (a `calendar_find_times` job) and what was clicked."""

    REFS = {"job_id": Ref.JOB}
    job_id: Id
    code: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_./+-]*$")] = ""

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        job_id, _, code = raw.partition(":")
        return {"job_id": job_id, "code": code}


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(zone: str) -> str:
    if zone not in _zones():
        raise ValueError("not a time zone")
    return zone


class PickerZone(PickerRef):
    """`job:Area/City` from the picker's time zone select."""

    code: Annotated[str, AfterValidator(_known_zone)]


class DealRef(ActionValue):
    REFS = {"deal_id": Ref.DEAL}
    deal_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"deal_id": raw}


class DealsRef(ActionValue):
    """`1,2,3`: the deals of a batch review."""

    REFS = {"deal_ids": Ref.DEAL}
    deal_ids: Annotated[list[Id], Field(max_length=50)]

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"deal_ids": raw.split(",") if raw else []}


class EventRef(ActionValue):
    REFS = {"event_id": Ref.EVENT}
    event_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"event_id": raw}


class SendRef(ActionValue):
    REFS = {"send_id": Ref.SEND}
    send_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"send_id": raw}


class ProposalRef(ActionValue):
    REFS = {"proposal_id": Ref.PROPOSAL}
    proposal_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"proposal_id": raw}


class AnalysisRef(ActionValue):
    """A call's coaching analysis: the rep's own, or a rep's the clicker manages."""

    REFS = {"analysis_id": Ref.COACHING_ANALYSIS}
    analysis_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"analysis_id": raw}


class CampaignSuggestionRef(ActionValue):
    """A campaign digest's A/B suggestion (`storage.campaign_suggestions`), the rep's own."""

    REFS = {"suggestion_id": Ref.CAMPAIGN_SUGGESTION}
    suggestion_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"suggestion_id": raw}


class NotificationRef(ActionValue):
    REFS = {"notification_id": Ref.NOTIFICATION}
    notification_id: Id

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"notification_id": raw}


class BriefItem(ActionValue):
    """`{"message_id", "contact_id", "deal_id"}`: an email in the morning brief."""

    REFS = {"message_id": Ref.MESSAGE, "contact_id": Ref.CONTACT, "deal_id": Ref.DEAL}
    message_id: Id
    contact_id: Id | None = None
    deal_id: Id | None = None

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return json.loads(raw)


class Provider(ActionValue):
    provider: Literal[PROVIDERS]  # type: ignore[valid-type]

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"provider": raw}


class SlotIndex(ActionValue):
    """The time picker's slot select (read from the message state when a button is clicked)."""

    index: Annotated[int, BeforeValidator(_not_bool), Field(ge=0, lt=1000)]

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"index": raw}


class MuteKind(ActionValue):
    kind: Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]

    @classmethod
    def fields_of(cls, raw: str) -> Any:
        return {"kind": raw}


PROBLEM = "That button's data is not valid, so I did nothing. Use the buttons on my latest message, or `/60 help`."


def parse(kind: type[ActionValue], raw: str | None) -> ActionValue:
    """`raw` as a `kind`, or `BadValue` (missing, too long, not JSON, wrong types)."""
    if kind is NoValue:
        return NoValue()
    if not raw or len(raw) > BUTTON_VALUE_MAX:
        raise BadValue(PROBLEM)
    try:
        return kind.model_validate(kind.fields_of(raw))
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        raise BadValue(PROBLEM) from exc
