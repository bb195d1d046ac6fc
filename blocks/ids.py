"""Slack ids defined once: action_id, block_id and callback_id values used by blocks/ and bot/."""

from __future__ import annotations

import enum
import re

from blocks.text import ACTION_ID_MAX, cut


def keyed(action: str, key: object) -> str:
    """`action` made unique within its block for one item: ``proactive-prep:42``.

    Slack refuses a block holding two elements with the same action_id (`invalid_blocks`), so
    a row of buttons for several items carries the item in the id; `matcher` finds them all.
    """
    return cut(f"{action}:{key}", ACTION_ID_MAX)


def matcher(action: str) -> re.Pattern[str]:
    """The Bolt matcher for `action` alone and for every `keyed(action, ...)`."""
    return re.compile(rf"^{re.escape(action)}(:.*)?$")


class ApprovalAction(enum.StrEnum):
    """Buttons on an approval gate; the button value carries the pending action id."""

    APPROVE = "approval-approve"
    EDIT = "approval-edit"
    SKIP = "approval-skip"
    CANCEL = "approval-cancel"
    FEEDBACK = "approval-feedback"


class JobAction(enum.StrEnum):
    RETRY = "job-retry"


class HomeAction(enum.StrEnum):
    OPEN_SETTINGS = "home-open-settings"
    CONNECT = "home-connect"
    DISCONNECT = "home-disconnect"
    REFRESH = "home-refresh"
    CRM_CONNECT = "home-crm-connect"  # admins: install the HubSpot app for the workspace
    CRM_DISCONNECT = "home-crm-disconnect"


class HelpAction(enum.StrEnum):
    OPEN_SETTINGS = "help-open-settings"


class Callback(enum.StrEnum):
    """Modal callback ids."""

    EDIT_DRAFT = "modal-edit-draft"
    FEEDBACK = "modal-feedback"
    SETTINGS = "modal-settings"
    PROPOSAL_EDIT = "modal-proposal-edit"


class ProposalAction(enum.StrEnum):
    """The drafted-proposal card (`blocks/proposals.py`); values carry the pending action id."""

    REVIEW = "proposal-review"  # a link button: Slack still sends the click, which is acked
    COPY_LINK = "proposal-copy-link"
    REVOKE = "proposal-revoke"  # value: the proposal id; every buyer link of it stops opening


class PostMeetingAction(enum.StrEnum):
    EXPAND_DRAFT = "postmeeting-expand-draft"
    SKIP_TASK = "postmeeting-skip-task"
    ROLLBACK = "postmeeting-rollback"


class ScheduleAction(enum.StrEnum):
    """The time picker (`blocks/scheduling.py`); values carry the picker's job id."""

    CHOOSE = "sched-choose"
    SEND_EMAIL = "sched-send-email"
    SEND_INVITE = "sched-send-invite"
    MORE = "sched-more"
    HANDLE = "sched-handle"
    WAY_OUT = "sched-way-out"
    TIMEZONE = "sched-timezone"


class EmailAction(enum.StrEnum):
    """Sending as the rep and connecting mailboxes (bot/email_actions.py)."""

    CANCEL_SEND = "email-cancel-send"
    GRANT_SEND = "email-grant-send"
    OPEN_LINK = "email-open-link"  # URL buttons (connect page, mailto:): acked, nothing else


class ProactiveAction(enum.StrEnum):
    """Morning brief, pre-meeting brief, pipeline list and batch review buttons."""

    PREP = "proactive-prep"
    DRAFT_REPLY = "proactive-draft-reply"
    VIEW_EMAIL = "proactive-view-email"
    CHECK_CALENDAR = "proactive-check-calendar"
    QUALIFY = "proactive-qualify"
    EXPAND_PIPELINE = "proactive-expand-pipeline"
    SHOW_INBOX = "proactive-show-inbox"
    REVIEW_STALE = "proactive-review-stale"
    MUTE = "proactive-mute"
    REVIVE = "proactive-revive"
    SKIP_DEAL = "proactive-skip-deal"
    HANDLE_ALL = "proactive-handle-all"
    DISMISS = "proactive-dismiss"
    DRAFT_PROPOSAL = "proactive-draft-proposal"


class ProactiveSettingsAction(enum.StrEnum):
    """Feature toggles (reps) and org settings (admins): open buttons, modal callbacks, fields."""

    OPEN_FEATURES = "proactive-open-features"
    OPEN_ORG = "proactive-open-org"
    FEATURES_MODAL = "proactive-modal-features"
    ORG_MODAL = "proactive-modal-org"
    FEATURES = "proactive-field-features"
    ORG_FEATURES = "proactive-field-org-features"
    BUDGET = "proactive-field-budget"
    STALE_DAYS = "proactive-field-stale-days"
    CAMPAIGN_REPLY_RATE = "proactive-field-campaign-reply-rate"
    CAMPAIGN_POSITIVE_RATE = "proactive-field-campaign-positive-rate"
    CAMPAIGN_BOUNCE_WATCH = "proactive-field-campaign-bounce-watch"
    CAMPAIGN_BOUNCE_ACT = "proactive-field-campaign-bounce-act"
    CAMPAIGN_MIN_LIFT = "proactive-field-campaign-min-lift"


class CampaignAction(enum.StrEnum):
    """The campaign digest's A/B suggestion buttons (value: the suggestion row's id)."""

    KEEP_TESTING = "campaign-keep-testing"
    APPLY = "campaign-apply"


class NotificationBatchAction(enum.StrEnum):
    """The digest of notifications batched over the hourly cap: open one item in full."""

    OPEN = "notification-batch-open"


class CoachingAction(enum.StrEnum):
    """Coaching messages (`blocks/coaching.py`): a call's detailed analysis (keyed by the
    analysis id, value the id), the rep's coaching preferences, the manager's note on a digest
    (value: the gate's pending action id), and the modals' callbacks (fields: blocks.coaching)."""

    VIEW_CALL = "coaching-view-call"
    OPEN_PREFS = "coaching-open-prefs"
    ADD_NOTE = "coaching-add-note"
    PREFS_MODAL = "coaching-modal-prefs"
    NOTE_MODAL = "coaching-modal-note"
