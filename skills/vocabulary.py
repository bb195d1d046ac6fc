"""The one vocabulary of the language skills (DESIGN.md section 7): the call-intent labels and
the inbound-email categories.

The language-model answer schemas (`connectors.llm_schemas`), the offline engine
(`skills.nlu.intent_patterns`, `skills.email_classify`), the CLI and the tests all take them from
here.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

IntentLabel = Literal[
    "commitment:send_proposal",
    "commitment:schedule_meeting",
    "request:send_content",
    "signal:multi_stakeholder",
    "signal:competitive",
    "signal:buying_positive",
    "signal:buying_negative",
    "signal:timeline",
    "commitment:prospect_followup",
]
INTENT_LABELS: Final[tuple[IntentLabel, ...]] = get_args(IntentLabel)

EmailCategory = Literal[
    "meeting_request",
    "proposal_request",
    "needs_response",
    "interested",
    "not_interested",
    "referral",
    "out_of_office",
    "unsubscribe",
    "fyi",
]
EMAIL_CATEGORIES: Final[tuple[EmailCategory, ...]] = get_args(EmailCategory)
