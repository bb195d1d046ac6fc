"""Every sequence the product runs, in one explicit list (app.py builds the registry once).

Adding a sequence: write `flows/<name>/sequence.py` (one `@sequence` function that reads top to
bottom, its steps beside it in `steps.py`), then add one import and one entry below. A flow's
static crons (`crons.py` with `cron_specs(deps)`) go in `CRON_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.morning_brief.sequence import morning_brief
from flows.notification_batches import crons as notification_batches_crons
from flows.notification_batches.sequence import notification_digest
from flows.pipeline_scan.sequence import pipeline_scan
from flows.pre_meeting_brief.sequence import pre_meeting_brief
from flows.stale_deal_revival.sequence import stale_deal_revival
from orchestrator.crons import CronSpec
from orchestrator.sequence import SequenceDef, SequenceRegistry

# ported sequences are listed here (the redesign is in progress: one line per sequence)
SEQUENCES: tuple[SequenceDef, ...] = (
    morning_brief,
    pre_meeting_brief,
    pipeline_scan,
    stale_deal_revival,
    notification_digest,
)

# `cron_specs(deps) -> list[CronSpec]` of each flow with static crons: fired once across
# processes (orchestrator/crons.py). Per-rep and per-meeting crons: `flows.planner.attach`.
CRON_SOURCES: tuple[Callable[[Any], list[CronSpec]], ...] = (
    notification_batches_crons.cron_specs,
)


def build_registry() -> SequenceRegistry:
    return SequenceRegistry(SEQUENCES)
