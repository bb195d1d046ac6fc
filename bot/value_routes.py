"""Which typed value (`bot/values.py`) each Slack action_id and modal callback_id carries, and
where it sits in a payload (`wire_value`). `bot/authz.ParseValues` reads every payload through
these once, before any listener, and puts the parsed model in `context["value"]`.
"""

from __future__ import annotations

from typing import Any

from blocks.ids import (
    ApprovalAction,
    Callback,
    CampaignAction,
    CoachingAction,
    EmailAction,
    HelpAction,
    HomeAction,
    JobAction,
    NotificationBatchAction,
    PostMeetingAction,
    ProactiveAction,
    ProactiveSettingsAction,
    ProposalAction,
    ScheduleAction,
)
from bot.values import (
    ActionValue,
    AnalysisRef,
    BriefItem,
    CampaignSuggestionRef,
    DealRef,
    DealsRef,
    EventRef,
    JobRef,
    MuteKind,
    NotificationRef,
    NoValue,
    PendingRef,
    PickerRef,
    PickerZone,
    ProposalRef,
    Provider,
    SendRef,
    TaskRef,
)

ACTION_VALUES: dict[str, type[ActionValue]] = {
    **{a: PendingRef for a in ApprovalAction},
    ProposalAction.REVIEW: NoValue,  # a URL button: acked, nothing else
    ProposalAction.COPY_LINK: PendingRef,
    ProposalAction.REVOKE: ProposalRef,
    JobAction.RETRY: JobRef,
    HomeAction.OPEN_SETTINGS: NoValue,
    CampaignAction.KEEP_TESTING: CampaignSuggestionRef,
    CampaignAction.APPLY: CampaignSuggestionRef,
    HomeAction.REFRESH: NoValue,
    HomeAction.CONNECT: Provider,
    HomeAction.DISCONNECT: Provider,
    HomeAction.CRM_CONNECT: NoValue,  # the actor's own org; admins only (checked by the listener)
    HomeAction.CRM_DISCONNECT: NoValue,
    HelpAction.OPEN_SETTINGS: NoValue,
    PostMeetingAction.EXPAND_DRAFT: PendingRef,
    PostMeetingAction.SKIP_TASK: TaskRef,
    PostMeetingAction.ROLLBACK: JobRef,
    ScheduleAction.CHOOSE: NoValue,  # read from the message state when a button is clicked
    ScheduleAction.TIMEZONE: PickerZone,
    **{
        a: PickerRef
        for a in ScheduleAction
        if a not in (ScheduleAction.CHOOSE, ScheduleAction.TIMEZONE)
    },
    EmailAction.CANCEL_SEND: SendRef,
    EmailAction.GRANT_SEND: Provider,
    EmailAction.OPEN_LINK: NoValue,  # URL buttons: acked, nothing else
    ProactiveAction.PREP: EventRef,
    ProactiveAction.DRAFT_REPLY: BriefItem,
    ProactiveAction.VIEW_EMAIL: BriefItem,
    ProactiveAction.CHECK_CALENDAR: BriefItem,
    ProactiveAction.QUALIFY: BriefItem,
    ProactiveAction.EXPAND_PIPELINE: NoValue,
    ProactiveAction.SHOW_INBOX: NoValue,
    ProactiveAction.REVIEW_STALE: NoValue,
    ProactiveAction.MUTE: MuteKind,
    ProactiveAction.REVIVE: DealRef,
    ProactiveAction.DRAFT_PROPOSAL: DealRef,
    ProactiveAction.SKIP_DEAL: DealRef,
    ProactiveAction.HANDLE_ALL: DealsRef,
    ProactiveAction.DISMISS: DealsRef,
    ProactiveSettingsAction.OPEN_FEATURES: NoValue,
    ProactiveSettingsAction.OPEN_ORG: NoValue,
    NotificationBatchAction.OPEN: NotificationRef,
    CoachingAction.VIEW_CALL: AnalysisRef,
    CoachingAction.OPEN_PREFS: NoValue,
    CoachingAction.ADD_NOTE: PendingRef,
}

# Modal callback_id -> what its private_metadata carries.
VIEW_VALUES: dict[str, type[ActionValue]] = {
    Callback.EDIT_DRAFT: PendingRef,
    Callback.PROPOSAL_EDIT: PendingRef,
    Callback.FEEDBACK: PendingRef,
    Callback.SETTINGS: NoValue,
    ProactiveSettingsAction.FEATURES_MODAL: NoValue,
    ProactiveSettingsAction.ORG_MODAL: NoValue,
    CoachingAction.PREFS_MODAL: NoValue,
    CoachingAction.NOTE_MODAL: PendingRef,
}


def wire_value(body: dict[str, Any]) -> tuple[type[ActionValue], str | None] | None:
    """(model, raw string) of a block_actions or view_submission payload we parse, else None."""
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        action = (
            actions[0]
            if isinstance(actions, list) and actions and isinstance(actions[0], dict)
            else {}
        )
        action_id = str(action.get("action_id") or "")
        # a keyed id (`blocks.ids.keyed`: "proactive-prep:42") carries the value of its action
        kind = ACTION_VALUES.get(action_id) or ACTION_VALUES.get(action_id.split(":", 1)[0])
        raw = action.get("value")
        if raw is None and isinstance(action.get("selected_option"), dict):
            raw = action["selected_option"].get("value")
    elif body.get("type") == "view_submission":
        view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
        kind = VIEW_VALUES.get(str(view.get("callback_id") or ""))
        raw = view.get("private_metadata")
    else:
        return None
    if kind is None:
        return None
    return kind, raw if isinstance(raw, str) else None
