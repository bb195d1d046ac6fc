"""The SQLModel tables: every row Sixty keeps, in one place.

Times are aware UTC (`UTCDateTime`); free-form structures are JSON (JSONB on PostgreSQL).
Schema changes go through Alembic migrations in `storage/migrations/versions`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, utcnow


def _uuid() -> str:
    return uuid.uuid4().hex


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_type=JSONType)


# --------------------------------------------------------------------------- org & people


class Org(SQLModel, table=True):
    __tablename__ = "orgs"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    slack_team_id: str | None = Field(default=None, unique=True)
    timezone: str = "UTC"
    created_at: datetime = _ts()


class OrgSettings(SQLModel, table=True):
    """Org-wide feature toggles, AI budget and thresholds (one row per org)."""

    __tablename__ = "org_settings"
    org_id: int = Field(primary_key=True, foreign_key="orgs.id")
    features: dict[str, bool] = _json()
    disabled_event_types: list[str] = _json(list)
    ai_budget_usd_month: float = 50.0
    stale_threshold_days: int = 14
    pipeline_scan_time: time = time(8, 0)
    # the campaign digest's benchmarks as fractions (keys: reply_rate, positive_rate,
    # bounce_watch, bounce_act; missing keys use skills.campaign_analysis.Benchmarks' defaults)
    campaign_benchmarks: dict[str, float] = _json()
    campaign_min_lift: float = 0.5  # the A/B test's minimum detectable relative lift
    updated_at: datetime = _ts()


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("org_id", "slack_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    slack_user_id: str = Field(index=True)
    email: str
    name: str
    role: str = "rep"  # rep | manager | admin
    manager_id: int | None = Field(default=None, foreign_key="users.id")
    timezone: str = "UTC"
    briefing_time: time = time(8, 0)
    briefing_days: str = "mon-fri"
    active: bool = True
    created_at: datetime = _ts()


class UserPreferences(SQLModel, table=True):
    __tablename__ = "user_preferences"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    quiet_hours_start: time | None = time(19, 0)
    quiet_hours_end: time | None = time(7, 0)
    max_notifications_per_hour: int = 10
    # coaching mode: per_meeting (micro feedback after each call) | weekly | both | off
    coaching_frequency: str = "both"
    daily_send_limit: int = 50
    working_hours_start: time = time(9, 0)
    working_hours_end: time = time(17, 0)
    working_days: str = "mon-fri"
    meeting_buffer_minutes: int = 15
    min_notice_minutes: int = 120
    time_preference: str = "none"  # morning | afternoon | none
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    muted_kinds: list[str] = _json(list)
    features: dict[str, bool] = _json()
    signature: str | None = Field(default=None, sa_type=Text)
    # 0012: when the rep's weekly coaching digest comes (local time), and, for a manager, the day
    # of the team digest (at coaching_digest_time)
    coaching_digest_day: str = "fri"  # mon..sun
    coaching_digest_time: time = time(16, 0)
    manager_digest_day: str = "mon"
    # 0011: the campaign digest's local time; None = at the morning brief's `User.briefing_time`
    campaign_digest_time: time | None = None
    updated_at: datetime = _ts()


class Connection(SQLModel, table=True):
    """An OAuth connection (Google, Microsoft, CRM, campaign tool); tokens Fernet-encrypted."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("user_id", "provider"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    provider: str  # google | microsoft | hubspot | instantly
    account_email: str | None = None
    scopes: list[str] = _json(list)
    token_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "active"  # active | expired | revoked | error
    meta: dict[str, Any] = _json()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class OAuthState(SQLModel, table=True):
    __tablename__ = "oauth_states"
    state: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    provider: str
    code_verifier: str | None = None
    flow: dict[str, Any] = _json()
    expires_at: datetime = Field(sa_type=UTCDateTime)


# --------------------------------------------------------------------------- CRM


class Company(SQLModel, table=True):
    __tablename__ = "companies"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    name: str
    domain: str | None = Field(default=None, index=True)
    industry: str | None = None
    location: str | None = None
    timezone: str | None = None
    created_at: datetime = _ts()


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="companies.id", index=True)
    name: str
    email: str | None = Field(default=None, index=True)
    title: str | None = None
    timezone: str | None = None
    do_not_email: bool = False
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="companies.id", index=True)
    primary_contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    name: str
    stage: str = "discovery"
    amount: float | None = None
    currency: str = "USD"
    close_date: date | None = None
    flags: list[str] = _json(list)
    properties: dict[str, Any] = _json()
    field_edits: dict[str, Any] = _json()  # field -> {by, at}: who last edited each field
    stage_changed_at: datetime = _ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DealContact(SQLModel, table=True):
    __tablename__ = "deal_contacts"
    deal_id: int = Field(foreign_key="deals.id", primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", primary_key=True)
    role: str | None = None


class Activity(SQLModel, table=True):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_deal_time", "deal_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    kind: str  # meeting | email_sent | email_received | call | note | stage_change | task
    occurred_at: datetime = _ts()
    summary: str = Field(default="", sa_type=Text)
    source: str = "manual"
    provenance: dict[str, Any] = _json()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id")
    title: str
    owner_kind: str | None = None  # rep | prospect | None (unknown: ask the rep)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "open"  # open | done | dismissed
    source: str = "manual"
    provenance: dict[str, Any] = _json()
    created_at: datetime = _ts()


class Commitment(SQLModel, table=True):
    """The commitment ledger: promises made in meetings, by either side, tracked to done."""

    __tablename__ = "commitments"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id")
    owner: str  # rep | prospect
    counterparty: str | None = None
    kind: str  # send_proposal | schedule_meeting | send_content | prospect_followup | other
    description: str = Field(sa_type=Text)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "open"  # open | done | overdue | cancelled
    closed_by: str | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


# --------------------------------------------------------------------------- meetings & calendar


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    source: str = "manual"  # meetingbaas | recall | calendar | demo
    external_id: str = Field(default_factory=_uuid)
    title: str = ""
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "scheduled"  # scheduled | recorded | failed | processed
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    company_id: int | None = Field(default=None, foreign_key="companies.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    calendar_event_id: int | None = Field(default=None, foreign_key="calendar_events.id")
    created_at: datetime = _ts()


class MeetingAttendee(SQLModel, table=True):
    __tablename__ = "meeting_attendees"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    name: str | None = None
    email: str | None = None
    role: str = "prospect"  # rep | prospect | internal
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")


class Transcript(SQLModel, table=True):
    """A meeting transcript stored once; jobs and logs refer to it by id only."""

    __tablename__ = "transcripts"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    meeting_id: int = Field(foreign_key="meetings.id", unique=True)
    utterances: list[dict[str, Any]] = _json(list)
    speaker_map: dict[str, Any] = _json()
    source: str = "meetingbaas"
    created_at: datetime = _ts()


class CalendarEvent(SQLModel, table=True):
    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("user_id", "provider", "external_id"),
        Index("ix_calendar_events_user_start", "user_id", "start_at"),
        Index("ix_calendar_events_deal_end", "deal_id", "end_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    provider: str = "demo"  # google | microsoft | demo
    external_id: str = Field(default_factory=_uuid)
    title: str = ""
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    all_day: bool = False
    status: str = "confirmed"  # confirmed | tentative | cancelled
    show_as: str = "busy"  # busy | tentative | free | oof
    is_external: bool = False
    attendees: list[dict[str, Any]] = _json(list)
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    updated_at: datetime = _ts()


class CalendarSyncState(SQLModel, table=True):
    __tablename__ = "calendar_sync_states"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    provider: str
    sync_token: str | None = None
    channel_id: str | None = None
    channel_token: str | None = None
    resource_id: str | None = None
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = _ts()


# --------------------------------------------------------------------------- email


class EmailThread(SQLModel, table=True):
    __tablename__ = "email_threads"
    __table_args__ = (UniqueConstraint("user_id", "provider", "external_thread_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    provider: str
    external_thread_id: str
    subject: str = ""
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    participants: list[str] = _json(list)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailMessage(SQLModel, table=True):
    __tablename__ = "email_messages"
    __table_args__ = (UniqueConstraint("thread_id", "provider_message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    thread_id: int = Field(foreign_key="email_threads.id", index=True)
    provider_message_id: str
    message_id_header: str | None = Field(default=None, index=True)
    references: str | None = Field(default=None, sa_type=Text)
    direction: str  # inbound | outbound
    from_addr: str
    to_addrs: list[str] = _json(list)
    cc_addrs: list[str] = _json(list)
    subject: str = ""
    body_text: str = Field(default="", sa_type=Text)
    received_at: datetime = _ts()
    category: str | None = None
    category_confidence: float | None = None


class MailboxState(SQLModel, table=True):
    """Per-connection inbox sync cursor (Gmail history id, Graph subscription)."""

    __tablename__ = "mailbox_states"
    connection_id: int = Field(primary_key=True, foreign_key="connections.id")
    history_id: str | None = None
    subscription_id: str | None = None
    client_state: str | None = None
    subscription_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailSend(SQLModel, table=True):
    """One email sent as the rep: the intent is recorded (with Message-ID) before sending."""

    __tablename__ = "email_sends"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    pending_action_id: str | None = None
    message_id_header: str = Field(unique=True)
    provider: str | None = None
    to_addrs: list[str] = _json(list)
    cc_addrs: list[str] = _json(list)
    subject: str = ""
    status: str = "drafted"  # drafted|approved|scheduled|cancelled|sending|sent|failed
    send_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_message_id: str | None = None
    provider_thread_id: str | None = None
    error: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # 0002: the approved draft (body, threading refs, contact) and when it left
    deal_id: int | None = None
    draft: dict[str, Any] = _json()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailSendEvent(SQLModel, table=True):
    """Audit trail: one row per state change of an EmailSend."""

    __tablename__ = "email_send_events"
    id: int | None = Field(default=None, primary_key=True)
    send_id: int = Field(foreign_key="email_sends.id", index=True)
    state: str
    actor: str | None = None
    detail: dict[str, Any] = _json()
    at: datetime = _ts()


# --------------------------------------------------------------------------- orchestrator


class SequenceJob(SQLModel, table=True):
    __tablename__ = "sequence_jobs"
    __table_args__ = (Index("ix_sequence_jobs_due", "status", "run_after"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    sequence_type: str
    sequence_version: int = 1
    status: str = "pending"  # pending|running|awaiting_approval|completed|failed|cancelled
    event_type: str
    event_source: str
    trigger_payload: dict[str, Any] = _json()
    event_chain: dict[str, Any] = _json()  # {"parent": id|None, "children": [ids]}
    idempotency_key: str = Field(unique=True)
    parent_job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    chain_depth: int = 0
    context: dict[str, Any] = _json()  # the JobState (orchestrator/state.py)
    current_step: int = 0
    run_after: datetime = _ts()
    locked_by: str | None = None
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlackPendingAction(SQLModel, table=True):
    __tablename__ = "slack_pending_actions"
    __table_args__ = (Index("ix_pending_actions_message", "channel", "message_ts"),)
    id: str = Field(default_factory=_uuid, primary_key=True)
    job_id: int = Field(foreign_key="sequence_jobs.id", index=True)
    org_id: int = Field(foreign_key="orgs.id")
    owner_user_id: int = Field(foreign_key="users.id", index=True)
    step_name: str
    kind: str  # email_send | stage_change | tasks | invite | generic
    channel: str | None = None
    message_ts: str | None = None
    payload: dict[str, Any] = _json()
    status: str = "pending"  # pending|approved|edited|skipped|cancelled|expired
    on_expire: str = "skip"  # skip | cancel
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    decision: str | None = None
    modifications: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    resolved_by: str | None = None
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0
    created_at: datetime = _ts()


class SlackNotificationSent(SQLModel, table=True):
    __tablename__ = "slack_notifications_sent"
    __table_args__ = (
        Index("ix_notifications_user_time", "user_id", "sent_at"),
        Index("ix_notifications_status_user", "status", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    user_id: int = Field(foreign_key="users.id")
    kind: str
    dedupe_key: str = Field(unique=True)
    job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    channel: str | None = None
    message_ts: str | None = None
    status: str = "delivered"  # delivered | deferred | batched | muted
    sent_at: datetime = _ts()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    summary: str | None = None  # one line, shown in the digest of a batched notification
    blocks: list[Any] | None = Field(default=None, sa_type=JSONType)  # the original message
    digest_key: str | None = None  # the digest that delivered a batched notification


class Effect(SQLModel, table=True):
    """The effects ledger: one row per side effect, unique on (job, step, effect key)."""

    __tablename__ = "effects"
    __table_args__ = (UniqueConstraint("job_id", "step", "effect_key"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="sequence_jobs.id", index=True)
    step: str
    effect_key: str
    status: str = "done"  # intent | done
    result: dict[str, Any] = _json()
    created_at: datetime = _ts()


class CronFire(SQLModel, table=True):
    """One row per (cron, scheduled fire time): only the insert that wins submits."""

    __tablename__ = "cron_fires"
    __table_args__ = (UniqueConstraint("cron_id", "scheduled_for"),)
    id: int | None = Field(default=None, primary_key=True)
    cron_id: str
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    fired_by: str
    created_at: datetime = _ts()


class SlackEventSeen(SQLModel, table=True):
    """Slack event ids already handled (Slack redelivers when an ack is late)."""

    __tablename__ = "slack_events_seen"
    event_id: str = Field(primary_key=True)
    received_at: datetime = _ts(index=True)


class CostLedger(SQLModel, table=True):
    __tablename__ = "cost_ledger"
    __table_args__ = (Index("ix_cost_ledger_org_time", "org_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    skill: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    created_at: datetime = _ts()


class BudgetNotice(SQLModel, table=True):
    """Budget-exhausted notices, one per org per period, so admins are told once."""

    __tablename__ = "budget_notices"
    __table_args__ = (UniqueConstraint("org_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    period: str  # YYYY-MM
    created_at: datetime = _ts()


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    user_id: int = Field(foreign_key="users.id")
    job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    pending_action_id: str | None = None
    subject: str  # what the feedback is about: follow_up | intent | task ...
    reason: str = Field(sa_type=Text)
    created_at: datetime = _ts()


class CrmFieldChange(SQLModel, table=True):
    """A CRM field change with its provenance, so it can be shown and rolled back."""

    __tablename__ = "crm_field_changes"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    deal_id: int = Field(foreign_key="deals.id", index=True)
    field: str
    old_value: Any = Field(default=None, sa_type=JSONType)
    new_value: Any = Field(default=None, sa_type=JSONType)
    status: str = "applied"  # applied | proposed | rolled_back | rejected
    provenance: dict[str, Any] = _json()
    job_id: int | None = Field(default=None, foreign_key="sequence_jobs.id")
    created_at: datetime = _ts()


# The proposal, Instantly, coaching, HubSpot sync and CRM write-ledger tables live in their own modules; importing them
# registers them.
import storage.coaching_models  # noqa: E402
import storage.crm_write_ledger  # noqa: E402
import storage.hubspot_models  # noqa: E402
import storage.instantly_models  # noqa: E402
import storage.proposal_models  # noqa: E402, F401

ALL_TABLES = SQLModel.metadata
