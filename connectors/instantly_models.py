"""Typed results of the Instantly API v2 and the index conventions between its surfaces.

Shapes follow Instantly's OpenAPI spec (Instantly-ai/instantly-starter-kit `spec/openapi.yaml`)
and the field lists in NEXT_BUILDS.md B1 / EXTERNAL_APIS.md section 2. Every parser is lenient:
unknown keys are ignored, missing counters read as 0, so a new API field never breaks a pull.

Index conventions (the trap this module exists to name):
- `GET /campaigns/analytics/steps` rows carry `step` and `variant` as **zero-based strings**
  ("0" = first step, variant "0" = A), possibly `null`.
- The campaign's `sequences[0].steps[i].variants[j]` arrays are zero-based positions too (what
  `PATCH /campaigns/{id}` edits).
- Webhook payloads carry `step` and `variant` **1-based** (step 1 = the first email, variant 1 = A).
`webhook_to_analytics` / `analytics_to_webhook` convert; `variant_letter` names a zero-based
variant the way Instantly's UI does (A..Z).

Email bodies and addresses are excluded from `repr` so a stray log line cannot leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Lead interest values (`interest_value` / `i_status` / `lt_interest_status`); None = plain lead.
INTEREST_OUT_OF_OFFICE = 0
INTEREST_INTERESTED = 1
INTEREST_MEETING_BOOKED = 2
INTEREST_MEETING_COMPLETED = 3
INTEREST_WON = 4
INTEREST_NOT_INTERESTED = -1
INTEREST_WRONG_PERSON = -2
INTEREST_LOST = -3
INTEREST_NO_SHOW = -4
INTEREST_NAMES: dict[int, str] = {
    0: "out_of_office", 1: "interested", 2: "meeting_booked", 3: "meeting_completed", 4: "won",
    -1: "not_interested", -2: "wrong_person", -3: "lost", -4: "no_show",
}  # fmt: skip

# The lead interest webhook events and the interest value each one sets (B1); `lead_neutral`
# resets the lead to a plain "Lead" (no value). Custom workspace labels are not listed.
EVENT_INTEREST: dict[str, int] = {
    "lead_interested": INTEREST_INTERESTED, "lead_not_interested": INTEREST_NOT_INTERESTED,
    "lead_meeting_booked": INTEREST_MEETING_BOOKED,
    "lead_meeting_completed": INTEREST_MEETING_COMPLETED, "lead_closed": INTEREST_WON,
    "lead_out_of_office": INTEREST_OUT_OF_OFFICE, "lead_wrong_person": INTEREST_WRONG_PERSON,
    "lead_no_show": INTEREST_NO_SHOW,
}  # fmt: skip
LABEL_EVENTS = frozenset({*EVENT_INTEREST, "lead_neutral"})

# Unibox `ue_type`: 1 sent by a campaign, 2 received, 3 sent manually (B1, third-party capture).
UE_CAMPAIGN_SENT, UE_RECEIVED, UE_MANUAL_SENT = 1, 2, 3

CAMPAIGN_STATUS: dict[int, str] = {
    0: "draft", 1: "active", 2: "paused", 3: "completed", 4: "running_subsequences",
    -1: "accounts_unhealthy", -2: "bounce_protect", -99: "account_suspended",
}  # fmt: skip


# ---------------------------------------------------------------- index conventions


def parse_index(value: Any) -> int | None:
    """A step/variant index as the API sends it ("0", 0, None) -> int or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def webhook_to_analytics(step: int, variant: int) -> tuple[int, int]:
    """Webhook (1-based) step/variant -> analytics and sequence-array (zero-based) indexes."""
    if step < 1 or variant < 1:
        raise ValueError("webhook step and variant are 1-based")
    return step - 1, variant - 1


def analytics_to_webhook(step: int, variant: int) -> tuple[int, int]:
    """Analytics / sequence-array (zero-based) step/variant -> webhook (1-based) numbering."""
    if step < 0 or variant < 0:
        raise ValueError("analytics step and variant are zero-based")
    return step + 1, variant + 1


def variant_letter(variant: int) -> str:
    """Zero-based variant index -> the UI's letter (0 -> "A"; A/Z testing allows 26)."""
    if not 0 <= variant < 26:
        raise ValueError("variant index out of A..Z")
    return chr(ord("A") + variant)


# ---------------------------------------------------------------- helpers


def _int(doc: dict[str, Any], key: str) -> int:
    value = doc.get(key)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return 0
    return 0


def _opt_int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    return None if value is None else _int(doc, key)


def _str(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    return value if isinstance(value, str) else ""


def _opt_str(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) else None


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (`2026-06-26T10:51:13.921Z`) -> aware datetime; None when absent or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------- accounts and campaigns


@dataclass(frozen=True)
class Account:
    """A sending mailbox (`GET /accounts` item); `email` is the key campaigns refer to."""

    email: str = field(repr=False)
    first_name: str
    last_name: str
    status: int | None
    warmup_status: int | None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Account:
        return cls(email=_str(doc, "email").lower(), first_name=_str(doc, "first_name"),
                   last_name=_str(doc, "last_name"), status=_opt_int(doc, "status"),
                   warmup_status=_opt_int(doc, "warmup_status"))  # fmt: skip


@dataclass(frozen=True)
class Variant:
    index: int  # zero-based position in the step's variants array
    subject: str = field(repr=False)
    body: str = field(repr=False)
    disabled: bool  # `v_disabled`

    @property
    def letter(self) -> str:
        return variant_letter(self.index)


@dataclass(frozen=True)
class Step:
    index: int  # zero-based position in sequences[0].steps
    type: str
    delay: int | None
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Campaign:
    """A campaign with its first sequence (Instantly uses only `sequences[0]`).

    `email_list` holds the sending accounts: the way campaigns map to reps. `raw` is the
    document as received, kept for read-modify-write PATCHes of `sequences`."""

    id: str
    name: str
    status: int | None
    email_list: tuple[str, ...] = field(repr=False)
    steps: tuple[Step, ...]
    auto_variant_trigger: str | None
    stop_on_reply: bool | None
    timestamp_created: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def status_name(self) -> str:
        return CAMPAIGN_STATUS.get(self.status, "unknown") if self.status is not None else "unknown"

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Campaign:
        sequences = doc.get("sequences")
        first = sequences[0] if isinstance(sequences, list) and sequences else {}
        steps: list[Step] = []
        for i, raw_step in enumerate(first.get("steps") or [] if isinstance(first, dict) else []):
            if not isinstance(raw_step, dict):
                continue
            variants = tuple(
                Variant(
                    index=j,
                    subject=_str(v, "subject"),
                    body=_str(v, "body"),
                    disabled=bool(v.get("v_disabled")),
                )
                for j, v in enumerate(raw_step.get("variants") or [])
                if isinstance(v, dict)
            )
            steps.append(Step(index=i, type=_str(raw_step, "type") or "email",
                              delay=_opt_int(raw_step, "delay"), variants=variants))  # fmt: skip
        auto = doc.get("auto_variant_select")
        emails = doc.get("email_list")
        stop = doc.get("stop_on_reply")
        return cls(
            id=_str(doc, "id"), name=_str(doc, "name"), status=_opt_int(doc, "status"),
            email_list=tuple(e.lower() for e in emails if isinstance(e, str))
            if isinstance(emails, list) else (),
            steps=tuple(steps),
            auto_variant_trigger=_opt_str(auto, "trigger") if isinstance(auto, dict) else None,
            stop_on_reply=stop if isinstance(stop, bool) else None,
            timestamp_created=parse_time(doc.get("timestamp_created")), raw=doc,
        )  # fmt: skip


@dataclass(frozen=True)
class SendingStatus:
    """`GET /campaigns/{id}/sending-status`: why a campaign is or is not sending. The answer
    splits by state: while sending, the reason is under `diagnostics`; for a draft or paused
    campaign `diagnostics` is null and the reason is under `summary` (starter-kit
    docs/api/campaigns.md), so `reason` = `diagnostics.status ?? summary.status`, a string such
    as `out_of_schedule`, `waiting_for_leads`, `daily_limit_met`, `all_accounts_unhealthy`,
    `healthy`; None when neither says."""

    reason: str | None

    @classmethod
    def from_api(cls, doc: Any) -> SendingStatus:
        if not isinstance(doc, dict):
            return cls(None)
        for key in ("diagnostics", "summary"):
            part = doc.get(key)
            if isinstance(part, dict) and isinstance(part.get("status"), str) and part["status"]:
                return cls(part["status"])
        return cls(None)


# ---------------------------------------------------------------- analytics


@dataclass(frozen=True)
class CampaignAnalytics:
    """Totals: one campaign's (`GET /campaigns/analytics` rows) or an aggregate over several
    (`/analytics/overview`, which has no campaign id/name: those read "")."""

    campaign_id: str
    campaign_name: str
    campaign_status: int | None
    leads_count: int
    contacted_count: int
    new_leads_contacted_count: int
    emails_sent_count: int
    open_count: int
    open_count_unique: int
    reply_count: int
    reply_count_unique: int
    reply_count_automatic: int
    reply_count_automatic_unique: int
    link_click_count: int
    bounced_count: int
    unsubscribed_count: int
    completed_count: int
    total_opportunities: int
    total_opportunity_value: float
    total_interested: int
    total_meeting_booked: int
    total_meeting_completed: int
    total_closed: int

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> CampaignAnalytics:
        value = doc.get("total_opportunity_value")
        ints = {k: _int(doc, k) for k in (
            "leads_count", "contacted_count", "new_leads_contacted_count", "emails_sent_count",
            "open_count", "open_count_unique", "reply_count", "reply_count_unique",
            "reply_count_automatic", "reply_count_automatic_unique", "link_click_count",
            "bounced_count", "unsubscribed_count", "completed_count", "total_opportunities",
            "total_interested", "total_meeting_booked", "total_meeting_completed",
            "total_closed")}  # fmt: skip
        return cls(campaign_id=_str(doc, "campaign_id"), campaign_name=_str(doc, "campaign_name"),
                   campaign_status=_opt_int(doc, "campaign_status"),
                   total_opportunity_value=float(value) if isinstance(value, int | float) else 0.0,
                   **ints)  # fmt: skip


@dataclass(frozen=True)
class DailyAnalytics:
    """One day of `GET /campaigns/analytics/daily` (`bounced` is not in it: B2 says it lies)."""

    date: str
    sent: int
    contacted: int
    new_leads_contacted: int
    opened: int
    unique_opened: int
    replies: int
    unique_replies: int
    replies_automatic: int
    unique_replies_automatic: int
    clicks: int
    unique_clicks: int
    opportunities: int
    unique_opportunities: int

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> DailyAnalytics:
        names = [n for n in cls.__dataclass_fields__ if n != "date"]
        return cls(date=_str(doc, "date"), **{n: _int(doc, n) for n in names})


@dataclass(frozen=True)
class StepAnalytics:
    """One step x variant row of `GET /campaigns/analytics/steps`; indexes are zero-based."""

    step: int | None
    variant: int | None
    sent: int
    opened: int
    unique_opened: int
    replies: int
    unique_replies: int
    replies_automatic: int
    unique_replies_automatic: int
    clicks: int
    unique_clicks: int
    opportunities: int

    @property
    def human_unique_replies(self) -> int:
        """Unique replies minus auto-replies (Instantly's own reply-rate numerator)."""
        return max(0, self.unique_replies - self.unique_replies_automatic)

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> StepAnalytics:
        names = [n for n in cls.__dataclass_fields__ if n not in ("step", "variant")]
        return cls(step=parse_index(doc.get("step")), variant=parse_index(doc.get("variant")),
                   **{n: _int(doc, n) for n in names})  # fmt: skip


# ---------------------------------------------------------------- unibox emails


@dataclass(frozen=True)
class Email:
    """A Unibox email (`GET /emails` item, or the result of `POST /emails/reply`)."""

    id: str
    thread_id: str
    message_id: str
    campaign_id: str | None
    ue_type: int | None
    step: int | None  # as the API sends it on emails; not the webhook numbering
    i_status: int | None
    ai_interest_value: float | None
    is_auto_reply: bool
    is_unread: bool
    timestamp_created: datetime | None
    timestamp_email: datetime | None
    subject: str = field(repr=False)
    eaccount: str = field(repr=False)
    lead: str = field(repr=False)
    from_address_email: str = field(repr=False)
    body_text: str = field(repr=False)
    body_html: str = field(repr=False)
    content_preview: str = field(repr=False)

    @property
    def received(self) -> bool:
        return self.ue_type == UE_RECEIVED

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Email:
        body = doc.get("body") if isinstance(doc.get("body"), dict) else {}
        assert isinstance(body, dict)
        ai = doc.get("ai_interest_value")
        return cls(
            id=_str(doc, "id"), thread_id=_str(doc, "thread_id"),
            message_id=_str(doc, "message_id"), campaign_id=_opt_str(doc, "campaign_id"),
            ue_type=_opt_int(doc, "ue_type"), step=_opt_int(doc, "step"),
            i_status=_opt_int(doc, "i_status"),
            ai_interest_value=float(ai) if isinstance(ai, int | float) else None,
            is_auto_reply=bool(doc.get("is_auto_reply")), is_unread=bool(doc.get("is_unread")),
            timestamp_created=parse_time(doc.get("timestamp_created")),
            timestamp_email=parse_time(doc.get("timestamp_email")),
            subject=_str(doc, "subject"), eaccount=_str(doc, "eaccount"), lead=_str(doc, "lead"),
            from_address_email=_str(doc, "from_address_email"),
            body_text=_str(body, "text"), body_html=_str(body, "html"),
            content_preview=_str(doc, "content_preview"),
        )  # fmt: skip


@dataclass(frozen=True)
class EmailWatermark:
    """Where the last Unibox pull stopped: the newest email seen (id and creation time)."""

    last_id: str
    timestamp: datetime

    def reached_by(self, email: Email) -> bool:
        """True once a newest-first listing reaches emails already seen."""
        if email.id == self.last_id:
            return True
        return email.timestamp_created is not None and email.timestamp_created <= self.timestamp

    @classmethod
    def of(cls, email: Email) -> EmailWatermark | None:
        if email.timestamp_created is None:
            return None
        return cls(last_id=email.id, timestamp=email.timestamp_created)
