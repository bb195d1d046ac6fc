"""Every Block Kit builder in `blocks/`, over generated view models: what it builds passes
slack_sdk's own validators, the sandbox's Slack rules, and Block Kit's uniqueness rules
(an action_id is unique within its block, a block_id within its message or view).

`BUILDERS` names every public builder; `test_every_builder_is_covered` fails when a builder is
added to `blocks/` without a generator here (issue 11, 2.4).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

import blocks
from blocks import (
    approval,
    approval_modals,
    brief_replies,
    briefs,
    campaigns,
    coaching,
    coaching_team,
    commitments,
    email_received,
    email_send,
    help,
    home,
    job_status,
    library_home,
    notification_batch,
    pipeline,
    post_meeting,
    proactive_settings,
    proposals,
    scheduling,
    settings_modal,
    stats,
)
from sandbox.blocks_check import message_block_errors, view_errors
from skills import briefs as sk
from skills import campaign_analysis as ca
from skills import coaching_digest as cdg
from skills import success_metrics as sm
from skills.preferences import COACHING_CHOICES, PreferenceForm
from storage import inbox as storage_inbox

# ----------------------------------------------------------------------------- generators
text = st.text(max_size=400)
short = st.text(max_size=60)
word = st.text(min_size=1, max_size=40)
ident = st.integers(min_value=1, max_value=10**9)
pa_id = st.uuids().map(str)
small = st.lists
when = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
zone = st.sampled_from(
    ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Kathmandu"]
)
hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
emails = small(st.emails(), max_size=6)

approval_view = st.builds(
    approval.ApprovalView,
    pending_action_id=pa_id,
    title=word,
    text=text,
    fields=st.dictionaries(short, short, max_size=12),
    allow_edit=st.booleans(),
    allow_cancel=st.booleans(),
    kind=st.sampled_from(["generic", "email_send", "tasks", "stage_change", "proposal_review"]),
    payload=st.one_of(
        st.just({}),
        st.fixed_dictionaries({"draft": st.fixed_dictionaries(
            {"to": emails, "cc": emails, "subject": short, "body": text})},
            optional={"answering": st.fixed_dictionaries(
                {"sender": short, "excerpt": text, "to_confirm": small(text, max_size=12)})}),
        st.fixed_dictionaries({"tasks": small(st.fixed_dictionaries(
            {"n": st.integers(0, 99), "title": short, "source": short}), max_size=25)}),
        st.fixed_dictionaries({"draft": st.deferred(lambda: proposal_draft), "text": text},
                              optional={"preview_url": st.just("https://sixty.example/p/abc"),
                                        "notes": small(short, max_size=4)}),
    ),
)  # fmt: skip
line_item = st.fixed_dictionaries({
    "sku": short, "name": short, "quantity": st.integers(0, 100_000),
    "unit_price": st.decimals(0, 10**6, places=2).map(str), "total": st.decimals(0, 10**9, places=2).map(str),
}, optional={"discount": st.floats(0, 1)})  # fmt: skip
proposal_draft = st.fixed_dictionaries({
    "currency": st.sampled_from(["USD", "EUR", "GBP"]),
    "total": st.decimals(0, 10**9, places=2).map(str),
    "line_items": small(line_item, max_size=30),
    "sections": small(st.fixed_dictionaries({"key": short, "title": short, "text": text}), max_size=12),
    "open_questions": small(text, max_size=8),
})  # fmt: skip
meeting_line = st.builds(
    sk.MeetingLine, ident, short, text, st.sampled_from(["ready", "prepping", "none"])
)
attention_line = st.builds(
    sk.AttentionLine,
    text,
    st.lists(st.sampled_from(["draft_reply", "view_email", "check_calendar", "qualify"]),
             min_size=1, max_size=4, unique=True).map(tuple),
    ident, st.none() | ident, st.none() | ident,
)  # fmt: skip
morning = st.builds(
    sk.MorningBrief,
    greeting=short,
    meetings=small(meeting_line, max_size=12, unique_by=lambda m: m.event_id),
    attention=small(attention_line, max_size=8),
    pulse=small(st.builds(sk.PulseLine, text, st.none() | ident), max_size=12),
    overnight=small(short, max_size=4),
    at_risk_deal_ids=small(ident, max_size=4),
)
pre_meeting = st.builds(
    sk.PreMeetingBrief,
    headline=word,
    who=small(short, max_size=10),
    deal=st.none() | short,
    since=word,
    changes=small(short, max_size=12),
    open_items=small(short, max_size=10),
    questions=small(short, max_size=5),
    goals=small(short, max_size=3),
    news=small(short, max_size=3),
)
deal_row = st.builds(
    pipeline.DealRow,
    deal_id=ident,
    name=short,
    stage=st.sampled_from(["discovery", "demo", "proposal", "weird"]),
    amount=st.none() | st.floats(0, 1e8),
    days_quiet=st.none() | st.integers(0, 999),
    reasons=st.lists(st.sampled_from(sorted(pipeline.REASON_WORDS)), max_size=3).map(tuple),
    owner=st.none() | short,
)
library_row = st.builds(
    library_home.LibraryRow,
    *(st.integers(0, 10**6) for _ in range(4)),
    st.none() | st.decimals(0, 1, places=4),
)
held_row = st.builds(home.HeldRow, summary=short, gate=st.none() | approval_view,
                     note_id=st.none() | ident, openable=st.booleans())  # fmt: skip
home_model = st.builds(
    home.HomeModel,
    name=short, timezone=zone, briefing_time=hhmm, briefing_days=short, working_hours=short,
    quiet_hours=short, max_notifications_per_hour=st.integers(1, 60),
    meeting_buffer_minutes=st.integers(0, 120), daily_send_limit=st.integers(1, 500),
    coaching_frequency=short, paused_until=st.none() | when,
    connections=small(st.builds(home.ConnectionRow,
                                provider=st.sampled_from(["google", "microsoft", "hubspot", "instantly"]),
                                label=word, status=st.sampled_from(["connected", "not_connected", "expired", "error"]),
                                account=st.none() | short), max_size=4, unique_by=lambda c: c.provider),
    waiting=small(st.builds(home.WaitingRow, id=pa_id, summary=short, expires_at=st.none() | when), max_size=15),
    recent=small(short, max_size=8),
    org=st.none() | st.builds(home.OrgRow, ai_budget_usd=st.floats(0, 1e5), ai_spend_usd=st.floats(0, 1e5),
                              stale_threshold_days=st.integers(1, 365),
                              features=st.dictionaries(word | st.just("coaching"), st.booleans(),
                                                       max_size=6),
                              library=st.none() | library_row,
                              crm=st.none() | st.builds(
                                  home.CrmRow, status=st.sampled_from(
                                      ["active", "disconnected", "error", "not_connected"]),
                                  portal_id=st.none() | short, last_sync_at=st.none() | when,
                                  import_status=st.sampled_from(["not_started", "running", "done", "failed"]),
                                  import_done=st.dictionaries(st.sampled_from(["company", "contact", "deal", "note"]),
                                                              st.integers(0, 10**6)))),
    refreshed_at=when,
    held=small(held_row, max_size=12),
    team_digest_day=st.none() | short, coaching_org_off=st.booleans(),
)  # fmt: skip
picker = st.builds(
    scheduling.PickerModel,
    job_id=ident, who=short, duration_minutes=st.integers(5, 240),
    options=small(st.builds(scheduling.SlotChoice, rep_local=word, prospect_local=st.none() | word,
                            flags=small(st.sampled_from(sorted(scheduling.FLAG_WORDS)), max_size=3).map(tuple)),
                  max_size=14).map(tuple),
    has_more=st.booleans(), headline=st.none() | short, notes=small(short, max_size=12).map(tuple),
    reasons=small(short, max_size=5).map(tuple),
    ways_out=small(st.builds(scheduling.WayOut, code=st.sampled_from(sorted(scheduling.WAY_OUT_LABELS)),
                             text=word), max_size=4).map(tuple),
    ask_timezone=st.booleans(), first_index=st.integers(0, 50),
)  # fmt: skip
preference_form = st.builds(
    PreferenceForm,
    briefing_time=hhmm, timezone=zone, working_hours_start=hhmm, working_hours_end=hhmm,
    quiet_hours_start=st.none() | hhmm, quiet_hours_end=st.none() | hhmm,
    max_notifications_per_hour=st.integers(1, 60), meeting_buffer_minutes=st.integers(0, 120),
    daily_send_limit=st.integers(1, 500),
    coaching_frequency=st.sampled_from([c for c, _ in COACHING_CHOICES]),
    working_days=st.lists(st.sampled_from(["mon", "tue", "wed", "sat", "sun"])).map(",".join),
    manager_digest_day=st.none() | st.sampled_from(["mon", "thu", "sun", "xyz"]),
)  # fmt: skip
feature_flags = st.dictionaries(st.sampled_from([k for k, _ in sk.ORG_FEATURES]), st.booleans())

campaign_trend = st.builds(
    ca.Trend,
    last_24h=st.integers(0, 10**7),
    week_avg=st.floats(0, 1e7),
    change=st.none() | st.floats(-1, 1e6),
)
campaign_rate = st.none() | st.floats(0, 1)
campaign_digest = st.builds(
    ca.CampaignDigest, campaign_id=word, name=st.text(max_size=500), status=short,
    sent=campaign_trend, replied=campaign_trend, positive=campaign_trend,
    new_leads_contacted=st.integers(0, 10**7), reply_rate=campaign_rate,
    positive_rate=campaign_rate, bounce_rate=campaign_rate, unsubscribe_rate=campaign_rate,
    open_rate=campaign_rate,
    alerts=small(st.builds(ca.Alert, kind=word, level=st.sampled_from(["watch", "act", "odd"]),
                           text=text), max_size=4).map(tuple),
    suggestion=st.none() | st.builds(ca.Suggestion, kind=word, step=st.integers(0, 20),
                                     text=st.text(max_size=1000)),
    notes=small(text, max_size=3).map(tuple),
)  # fmt: skip

success_rate = st.none() | st.floats(0, 1)
success_figures = st.builds(
    sm.SuccessFigures, days=st.integers(1, 90), reps=st.integers(0, 500),
    meetings=st.integers(0, 10**6), follow_ups_sent=st.integers(0, 10**6),
    follow_up_median_minutes=st.none() | st.floats(0, 10**6), follow_ups_within_10min=st.integers(0, 10**6),
    follow_up_within_10min_rate=success_rate, briefs_due=st.integers(0, 10**6),
    briefs_on_time=st.integers(0, 10**6), brief_on_time_rate=success_rate,
    briefs_opened=st.integers(0, 10**6), brief_opened_rate=success_rate,
    crm_complete=st.integers(0, 10**6), crm_complete_rate=success_rate,
    suggestions=st.integers(0, 10**6), suggestions_accepted=st.integers(0, 10**6),
    suggestions_dismissed=st.integers(0, 10**6), suggestions_ignored=st.integers(0, 10**6),
    acceptance_rate=success_rate, dismissal_rate=success_rate, dismissal_alert=st.booleans(),
    messages=st.integers(0, 10**6), messages_engaged=st.integers(0, 10**6),
    button_engagement_rate=success_rate, stale_deals_suggested=st.integers(0, 10**6),
    stale_deals_re_engaged=st.integers(0, 10**6), re_engaged_per_rep_week=st.none() | st.floats(0, 10**4),
    scheduling_requests=st.integers(0, 10**6), scheduling_handled=st.integers(0, 10**6),
    scheduling_handled_rate=success_rate, meetings_booked=st.integers(0, 10**6),
)  # fmt: skip
rep_figures = st.builds(
    sm.RepFigures, user_id=ident, name=st.text(max_size=300), figures=success_figures
)

share = st.none() | st.floats(0, 1)
team_digest = st.builds(
    coaching_team.TeamDigestView, manager=short, week=short,
    reps=small(st.builds(coaching_team.RepLine, name=st.text(max_size=300),
                         calls=st.integers(0, 500), talk_ratio=share,
                         questions_per_call=st.none() | st.floats(0, 1e4), open_share=share,
                         follow_up_median_min=st.none() | st.floats(0, 1e6),
                         follow_ups_sent=st.integers(0, 10**6),
                         risks=small(st.builds(coaching_team.RiskLine, deal=st.text(max_size=300),
                                               why=text), max_size=8).map(tuple),
                         focus=st.none() | text), max_size=60).map(tuple),
    picks=small(st.builds(coaching_team.PickLine, rep=short, title=st.text(max_size=500),
                          reason=st.text(max_size=1000)), max_size=2).map(tuple),
    numbers=st.text(max_size=1000), dismissal_alert=st.none() | text,
    win_loss=st.text(max_size=3000), why=text,
    quiet_reps=small(st.text(max_size=200), max_size=80).map(tuple),
)  # fmt: skip

# Builder name -> strategy for its positional arguments (a tuple) and keyword arguments.
Args = st.SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]


def args(*positional: st.SearchStrategy[Any], **keywords: st.SearchStrategy[Any]) -> Args:
    return st.tuples(st.tuples(*positional), st.fixed_dictionaries(keywords))


micro_bullet = st.builds(
    coaching.MicroBullet, st.sampled_from(["strength", "change", "try", "odd"]), hhmm, text, text
)
coaching_moment = st.builds(
    cdg.Moment, ident, short, short, st.sampled_from(["change", "try"]), hhmm, text, text
)
coaching_digest = st.builds(
    cdg.Digest,
    week_label=short,
    calls=st.integers(1, 60),
    call_mix=text,
    call_type=word,
    lines=small(
        st.builds(
            cdg.MetricLine, short, short, st.none() | short, st.none() | short, st.booleans()
        ),
        max_size=4,
    ).map(tuple),
    improving=small(short, max_size=4).map(tuple),
    focus=st.none() | st.builds(cdg.Focus, short, st.integers(1, 9), coaching_moment),
    follow_ups=st.none() | text,
    briefs=st.none() | text,
    winning=st.none() | text,
    calls_shown=small(
        st.builds(cdg.CallLink, ident, short, short), max_size=60, unique_by=lambda c: c.analysis_id
    ).map(tuple),
)
call_detail = st.builds(
    coaching.CallDetail,
    title=short,
    day=short,
    call_type=word,
    duration=short,
    metrics=small(st.tuples(short, short), max_size=10).map(tuple),
    questions=small(st.tuples(short, text), max_size=40).map(tuple),
    objections=small(st.tuples(short, text, short), max_size=20).map(tuple),
    moments=small(micro_bullet, max_size=20).map(tuple),
    skipped=st.none() | text,
)
note_view = approval_view.map(
    lambda v: approval.ApprovalView(
        v.pending_action_id, v.title, v.text, kind="coaching_note", payload={"rep_name": "Alex"}
    )
)


BUILDERS: dict[str, tuple[Callable[..., Any], Args]] = {
    "coaching.micro_feedback_blocks": (coaching.micro_feedback_blocks, args(
        short, short, small(micro_bullet, max_size=5), ident)),
    "coaching.digest_blocks": (coaching.digest_blocks, args(
        coaching_digest, st.none() | st.text(max_size=1000), st.none() | short)),
    "coaching.note_request": (coaching.note_request, args(note_view)),
    "coaching.note_modal": (coaching.note_modal, args(pa_id, short)),
    "coaching.call_detail_modal": (coaching.call_detail_modal, args(call_detail)),
    "coaching.preferences_modal": (coaching.preferences_modal, args(
        st.sampled_from(["weekly", "per_meeting", "both", "off", "odd"]),
        st.sampled_from(["mon", "fri", "odd"]), hhmm)),
    "approval.approval_message": (approval.approval_message, args(approval_view)),
    "approval.resolved_message": (approval.resolved_message, args(
        approval_view, st.sampled_from(["approve", "skip", "odd"]), word, when, zone)),
    "approval.expired_message": (approval.expired_message,
                                 args(approval_view, st.sampled_from(["skip", "cancel"]))),
    "approval_modals.edit_draft_modal": (approval_modals.edit_draft_modal, args(
        pa_id, text, text, undo_seconds=st.none() | st.floats(0, 60))),
    "approval_modals.feedback_modal": (approval_modals.feedback_modal, args(pa_id)),
    "approval_modals.feedback_thanks_modal": (approval_modals.feedback_thanks_modal, args()),
    "proposals.review_card": (proposals.review_card, args(approval_view)),
    "proposals.shared_blocks": (proposals.shared_blocks, args(word, ident)),
    "proposals.edit_modal": (proposals.edit_modal, args(
        pa_id, proposal_draft, st.sampled_from(["email_link", "email_pdf", "link", "odd"]))),
    "briefs.why_blocks": (briefs.why_blocks, args(st.sampled_from(sorted(briefs.KIND_LABELS)), word)),
    "briefs.morning_brief_blocks": (briefs.morning_brief_blocks, args(morning, word)),
    "briefs.pre_meeting_blocks": (briefs.pre_meeting_blocks, args(pre_meeting, word)),
    "campaigns.campaign_digest_blocks": (campaigns.campaign_digest_blocks,
                                         args(small(campaign_digest, max_size=20), word,
                                              unread=st.integers(0, 10**6),
                                              replies=st.none() | st.tuples(
                                                  st.integers(0, 10**6), st.integers(0, 10**6)),
                                              suggestion_ids=st.none() | st.dictionaries(
                                                  short, st.integers(1, 10**6), max_size=5))),
    "commitments.reminder_blocks": (commitments.reminder_blocks, args(
        owner=st.sampled_from(["rep", "prospect"]), who=short, what=text, due=short)),
    "email_received.inbound_blocks": (email_received.inbound_blocks, args(st.builds(
        email_received.InboundView, sender=short, category=st.sampled_from(sorted(email_received.CATEGORY_WORDS)),
        subject=short, deal=st.none() | short, lines=small(text, max_size=5),
        provider=st.sampled_from(["google", "microsoft", "demo", ""])))),
    "email_received.answering_blocks": (email_received.answering_blocks,
                                        args(short, st.text(max_size=2000), small(text, max_size=12))),
    "email_send.undo_blocks": (email_send.undo_blocks, args(
        ident, to=emails, cc=emails, subject=short, seconds=st.floats(0, 60), send_at=when, tz=zone,
        demo=st.booleans(), via=st.just("") | short)),
    "email_send.sent_blocks": (email_send.sent_blocks, args(
        to=emails, cc=emails, subject=short, at=when, tz=zone, demo=st.booleans(),
        logged_on=st.none() | short)),
    "email_send.cancelled_blocks": (email_send.cancelled_blocks, args(subject=short, by=st.none() | word)),
    "email_send.failed_blocks": (email_send.failed_blocks, args(subject=short, reason=text)),
    "email_send.limit_reached_blocks": (email_send.limit_reached_blocks,
                                        args(limit=st.integers(1, 500), subject=short)),
    "email_send.permission_blocks": (email_send.permission_blocks,
                                     args(st.sampled_from(["google", "microsoft"]), word)),
    "email_send.connect_link_blocks": (email_send.connect_link_blocks,
                                       args(word, st.just("https://example.com/connect?x=1"))),
    "email_send.copy_fallback_blocks": (email_send.copy_fallback_blocks, args(
        to=emails, cc=emails, subject=short, body=st.text(max_size=8000))),
    "help.help_blocks": (help.help_blocks, args(
        small(st.builds(help.CommandHelp, usage=word, summary=short), min_size=1, max_size=20), problem=st.none() | short)),
    "home.home_view": (home.home_view, args(home_model)),
    "stats.rep_stats_blocks": (stats.rep_stats_blocks, args(success_figures)),
    "stats.team_stats_blocks": (stats.team_stats_blocks, args(success_figures, small(rep_figures, max_size=60))),
    "home.held_blocks": (home.held_blocks, args(small(held_row, max_size=20))),
    "library_home.library_blocks": (library_home.library_blocks, args(library_row)),
    "job_status.job_failed": (job_status.job_failed, args(ident, word, word, text)),
    "job_status.budget_exhausted": (job_status.budget_exhausted,
                                    args(word, st.floats(0, 1e5), st.floats(0, 1e5))),
    "notification_batch.digest_message": (notification_batch.digest_message, args(
        small(st.builds(notification_batch.DigestItem, id=ident, kind=word, summary=text,
                        openable=st.booleans()), max_size=30), st.none() | st.integers(0, 100))),
    "brief_replies.text_section": (brief_replies.text_section, args(st.text(min_size=1, max_size=5000))),
    "brief_replies.email_blocks": (brief_replies.email_blocks, args(st.none() | short, word, st.none() | st.text(max_size=5000))),
    "brief_replies.inbox_blocks": (brief_replies.inbox_blocks, args(small(st.builds(
        storage_inbox.InboxLine, subject=st.none() | short, category=st.none() | word, from_addr=word), max_size=20))),
    "brief_replies.review_after_click": (brief_replies.review_after_click, args(
        small(deal_row, max_size=15, unique_by=lambda r: r.deal_id), word)),
    "pipeline.pipeline_list_blocks": (pipeline.pipeline_list_blocks,
                                      args(small(deal_row, max_size=40), st.integers(1, 365))),
    "pipeline.batch_review_blocks": (pipeline.batch_review_blocks,
                                     args(small(deal_row, max_size=15, unique_by=lambda r: r.deal_id),
                                          st.none() | text)),
    "post_meeting.summary_blocks": (post_meeting.summary_blocks, args(st.builds(
        post_meeting.SummaryModel, title=short, when=short, attendees=small(short, max_size=12),
        key_moments=small(text, max_size=8),
        action_items=small(st.builds(post_meeting.ItemRow, text=short, owner=st.none() | short,
                                     due=st.none() | short), max_size=10),
        signals=small(short, max_size=8), updated=small(short, max_size=8), waiting=small(short, max_size=8),
        why=word, undo_job_id=st.none() | ident))),
    "post_meeting.follow_up_preview": (post_meeting.follow_up_preview, args(st.builds(
        post_meeting.FollowUpPreview, pending_action_id=pa_id, to=emails, cc=emails, subject=short,
        body=st.text(max_size=5000), context=short, expanded=st.booleans()))),
    "post_meeting.tasks_review": (post_meeting.tasks_review, args(
        pa_id, word, small(st.builds(post_meeting.TaskRow, index=st.integers(0, 99), title=short,
                                     due=st.none() | short, source=short),
                           max_size=25, unique_by=lambda t: t.index))),
    "post_meeting.crm_changes_review": (post_meeting.crm_changes_review, args(
        pa_id, word, small(st.builds(post_meeting.FieldChangeRow, field=word, old=short, new=word,
                                     quote=text, at=hhmm), max_size=12))),
    "post_meeting.not_recorded_blocks": (post_meeting.not_recorded_blocks, args(short, text)),
    "post_meeting.approved_copy_blocks": (post_meeting.approved_copy_blocks,
                                          args(emails, short, st.text(max_size=8000))),
    "proactive_settings.features_modal": (proactive_settings.features_modal,
                                          args(feature_flags, feature_flags)),
    "proactive_settings.org_modal": (proactive_settings.org_modal, args(
        feature_flags, st.floats(0, 1e5), st.floats(0, 1e5), st.integers(1, 365),
        st.dictionaries(st.sampled_from(["reply_rate", "positive_rate", "bounce_watch",
                                         "bounce_act"]), st.floats(0, 1)),
        st.floats(0.01, 10))),
    "scheduling.picker_blocks": (scheduling.picker_blocks, args(picker)),
    "scheduling.closed_blocks": (scheduling.closed_blocks, args(word)),
    "settings_modal.settings_modal": (settings_modal.settings_modal, args(preference_form)),
    "coaching_team.team_digest_blocks": (coaching_team.team_digest_blocks, args(team_digest)),
}  # fmt: skip

BUILDER_RETURNS = {"list[Block]", "list[dict[str, Any]]", "View", "dict[str, Any]"}


def public_builders() -> set[str]:
    """`module.function` for every public function in blocks/ that returns blocks or a view."""
    found = set()
    for info in pkgutil.iter_modules(blocks.__path__):
        module = importlib.import_module(f"blocks.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if inspect.signature(fn).return_annotation in BUILDER_RETURNS:
                found.add(f"{info.name}.{name}")
    return found


def test_every_builder_is_covered() -> None:
    assert public_builders() - set(BUILDERS) == set()


def as_dicts(built: Any) -> tuple[str, Any]:
    if isinstance(built, View):
        return "view", built.to_dict()
    if isinstance(built, dict):
        return "view", built
    return "message", [b.to_dict() if isinstance(b, Block) else b for b in built]


def uniqueness_errors(blocks_: list[dict[str, Any]]) -> list[str]:
    errors, block_ids = [], [b["block_id"] for b in blocks_ if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        errors.append(f"block_ids repeat: {block_ids}")
    for b in blocks_:
        elements = list(b.get("elements") or []) if b["type"] == "actions" else []
        ids = [e["action_id"] for e in elements if e.get("action_id")]
        if len(ids) != len(set(ids)):
            errors.append(f"action_ids repeat in a block: {ids}")
    return errors


@pytest.mark.parametrize("name", sorted(BUILDERS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_builders_make_valid_unique_blocks(name: str, data: st.DataObject) -> None:
    build, strategy = BUILDERS[name]
    positional, keywords = data.draw(strategy)
    surface, built = as_dicts(build(*positional, **keywords))  # slack_sdk validates in to_dict
    if surface == "view":
        assert view_errors(built) == []
        assert uniqueness_errors(built["blocks"]) == []
    else:
        assert message_block_errors(built) == []
        assert uniqueness_errors(built) == []
