"""Every sequence the product runs, in one explicit list (app.py builds the registry once).

Adding a sequence: write `flows/<name>/sequence.py` (one `@sequence` function that reads top to
bottom, its steps beside it in `steps.py`), then add one import and one entry below. A flow's
static crons (`crons.py` with `cron_specs(deps)`) go in `CRON_SOURCES`; per-rep and
per-meeting crons are planned by `flows.planner.attach`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.calendar_find_times.sequence import calendar_find_times
from flows.calendar_sync import crons as calendar_crons
from flows.calendar_sync.sequence import calendar_changed
from flows.campaign_apply.sequence import campaign_apply
from flows.campaign_check.sequence import campaign_check
from flows.campaign_reply import crons as campaign_reply_crons
from flows.campaign_reply.sequence import instantly_reply
from flows.coaching.sequence import coaching_call, coaching_digest
from flows.coaching_team.sequence import coaching_team_digest
from flows.commitments import crons as commitments_crons
from flows.commitments.sequence import commitment_reminder
from flows.content_retrieval.sequence import content_retrieval
from flows.crm_sync import crons as crm_sync_crons
from flows.crm_sync.sequence import crm_import
from flows.crm_writeback.conflicts import crm_conflict
from flows.email_received import crons as email_crons
from flows.email_received.sequence import email_received
from flows.email_send.sequence import email_send
from flows.meeting_ended.sequence import meeting_ended, meeting_ended_v3
from flows.morning_brief.sequence import morning_brief
from flows.notification_batches import crons as notification_batches_crons
from flows.notification_batches.sequence import notification_digest
from flows.pipeline_scan.sequence import pipeline_scan
from flows.pre_meeting_brief.sequence import pre_meeting_brief
from flows.proposal_generation.sequence import proposal_generation, proposal_viewed
from flows.stale_deal_revival.sequence import stale_deal_revival
from orchestrator.crons import CronSpec
from orchestrator.sequence import SequenceDef, SequenceRegistry

SEQUENCES: tuple[SequenceDef, ...] = (
    email_received,
    email_send,
    calendar_find_times,
    calendar_changed,
    morning_brief,
    pre_meeting_brief,
    pipeline_scan,
    stale_deal_revival,
    notification_digest,
    meeting_ended,
    meeting_ended_v3,
    commitment_reminder,
    proposal_generation,
    proposal_viewed,
    content_retrieval,
    instantly_reply,
    campaign_check,
    campaign_apply,
    coaching_call,
    coaching_digest,
    coaching_team_digest,
    crm_conflict,
    crm_import,
)

# `cron_specs(deps) -> list[CronSpec]` of each flow with static crons: fired once across
# processes (orchestrator/crons.py).
CRON_SOURCES: tuple[Callable[[Any], list[CronSpec]], ...] = (
    email_crons.cron_specs,
    crm_sync_crons.cron_specs,
    calendar_crons.cron_specs,
    notification_batches_crons.cron_specs,
    commitments_crons.cron_specs,
    campaign_reply_crons.cron_specs,
)


def build_registry() -> SequenceRegistry:
    return SequenceRegistry(SEQUENCES)
