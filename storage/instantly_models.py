"""The SQLModel tables of the Instantly reply path: webhook deliveries seen (for de-duplication)
and the campaign replies received and routed to a rep.

Instantly gives deliveries no id and retries them, so a delivery is known by
`(org, event_type, email id or lead email, event timestamp)`. A reply is known by its Unibox
email id within the org. `received_at` vs `routed_at` counts replies received against replies
routed (NEXT_BUILDS.md B2, "silent reply loss"). Registered by `storage.models`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class InstantlyWebhookDelivery(SQLModel, table=True):
    __tablename__ = "instantly_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "org_id", "event_type", "email_or_lead", "event_timestamp",
            name="uq_instantly_webhook_deliveries_key",
        ),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    event_type: str
    email_or_lead: str  # the webhook's `email_id`, else its `lead_email`, else ""
    event_timestamp: str  # the payload's `timestamp`, as sent
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InstantlyReply(SQLModel, table=True):
    __tablename__ = "instantly_replies"
    __table_args__ = (
        UniqueConstraint("org_id", "instantly_email_id", name="uq_instantly_replies_email"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    campaign_id: str | None = None
    lead_email: str
    instantly_email_id: str
    eaccount: str  # the mailbox that received the reply (and sends the answer)
    subject: str = ""
    body_text: str = Field(default="", sa_type=Text)
    i_status: int | None = None  # Instantly's interest value: on arrival, then its latest label
    category: str | None = None  # our classifier's category
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    routed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignSuggestion(SQLModel, table=True):
    """An A/B "winner" suggestion the campaign digest showed a rep: the row its buttons name
    (so a click is authorised as the rep's own row), and the rep's snooze ("Keep testing")."""

    __tablename__ = "campaign_suggestions"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    campaign_id: str
    campaign_name: str
    step: int  # zero-based
    variants: str  # the losing variants' letters, comma-separated ("A" or "A,C")
    status: str = "shown"  # shown | snoozed
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
