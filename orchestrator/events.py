"""Events and the orchestrator's public API types (DESIGN.md section 2).

Inbound adapters (webhooks, crons, Slack listeners) build an `Event` and call
`Orchestrator.submit`; button clicks call `Orchestrator.resume`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class EventType(enum.StrEnum):
    """Every event the product submits; each names the sequence it starts (a sequence's type is
    the event type that starts it, `flows/registry.py`)."""

    MEETING_ENDED = "meeting_ended"
    PRE_MEETING_90MIN = "pre_meeting_90min"
    EMAIL_RECEIVED = "email_received"
    CALENDAR_CHANGED = "calendar_changed"
    SLACK_APPROVAL_RECEIVED = "slack_approval_received"
    MORNING_BRIEF = "morning_brief"
    PIPELINE_SCAN = "pipeline_scan"
    STALE_DEAL_REVIVAL = "stale_deal_revival"
    PROPOSAL_GENERATION = "proposal_generation"
    PROPOSAL_VIEWED = "proposal_viewed"
    CALENDAR_FIND_TIMES = "calendar_find_times"
    CONTENT_RETRIEVAL = "content_retrieval"
    CAMPAIGN_CHECK = "campaign_check"
    COACHING_DIGEST = "coaching_digest"
    COACHING_CALL = "coaching_call"
    COACHING_TEAM_DIGEST = "coaching_team_digest"
    EMAIL_SEND = "email_send"
    COMMITMENT_REMINDER = "commitment_reminder"
    NOTIFICATION_DIGEST = "notification_digest"
    INSTANTLY_REPLY = "instantly_reply"
    CAMPAIGN_APPLY = "campaign_apply"
    CRM_CONFLICT = "crm_conflict"
    CRM_IMPORT = "crm_import"


# The org feature (`OrgSettings.features`) an event type belongs to, when its key is not the
# event type itself: the engine skips the event when the org turned that feature off.
EVENT_FEATURES: dict[str, str] = {EventType.COACHING_TEAM_DIGEST: "coaching"}


class EventSource(enum.StrEnum):
    WEBHOOK_MEETINGBAAS = "webhook:meetingbaas"
    WEBHOOK_RECALL = "webhook:recall"
    WEBHOOK_EMAIL = "webhook:email"
    WEBHOOK_CALENDAR = "webhook:calendar"
    WEBHOOK_PROPOSAL = "webhook:proposal_view"
    WEBHOOK_INSTANTLY = "webhook:instantly"
    OAUTH_HUBSPOT = "oauth:hubspot"
    CRON_MORNING = "cron:morning"
    CRON_PRE_MEETING = "cron:pre_meeting"
    CRON_PIPELINE_SCAN = "cron:pipeline_scan"
    CRON_CAMPAIGN_CHECK = "cron:campaign_check"
    CRON_COACHING_WEEKLY = "cron:coaching_weekly"
    SLACK_BUTTON_APPROVE = "slack:button_approve"
    SLACK_COMMAND = "slack:command"
    ORCHESTRATOR_CHAIN = "orchestrator:chain"


@dataclass(frozen=True)
class Event:
    """Something happened; `idempotency_key` is `{type}:{external id}`."""

    type: str
    source: str
    org_id: int
    user_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    parent_job_id: int | None = None

    def key(self) -> str:
        return self.idempotency_key or f"{self.type}:{self.payload.get('id', '')}"


@dataclass(frozen=True)
class JobRef:
    job_id: int
    sequence_type: str


@dataclass(frozen=True)
class Skipped:
    reason: str
    existing_job_id: int | None = None


class Decision(enum.StrEnum):
    APPROVE = "approve"
    EDIT = "edit"
    SKIP = "skip"
    CANCEL = "cancel"


@dataclass(frozen=True)
class ResumeResult:
    """What a click did: `ok` False means nothing changed and `message` says why."""

    ok: bool
    message: str
    job_id: int | None = None


class Orchestrator(Protocol):
    async def submit(self, event: Event) -> JobRef | Skipped: ...

    async def resume(
        self,
        pending_action_id: str,
        decision: Decision,
        actor: str,
        modifications: dict[str, Any] | None = None,
    ) -> ResumeResult: ...

    async def retry(self, job_id: int) -> bool: ...
