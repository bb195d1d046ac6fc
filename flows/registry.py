"""Every sequence the product runs, in one explicit list (app.py builds the registry once).

Adding a sequence: write `flows/<name>/sequence.py` (one `@sequence` function that reads top to
bottom, its steps beside it in `steps.py`), then add one import and one entry below. A flow's
crons (`cron_specs(deps) -> list[CronSpec]`) are listed in `CRON_SOURCES` the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.email_received import crons as email_crons
from flows.email_received.sequence import email_received
from flows.email_send.sequence import email_send
from flows.calendar_find_times.sequence import calendar_find_times
from flows.calendar_sync import crons as calendar_crons
from flows.calendar_sync.sequence import calendar_changed
from orchestrator.crons import CronSpec
from orchestrator.sequence import SequenceDef, SequenceRegistry

# ported sequences are listed here (the redesign is in progress: one line per sequence)
SEQUENCES: tuple[SequenceDef, ...] = (
    email_received,
    email_send,
    calendar_find_times,
    calendar_changed,
)

CRON_SOURCES: tuple[Callable[[Any], list[CronSpec]], ...] = (
    email_crons.cron_specs,
    calendar_crons.cron_specs,
)


def build_registry() -> SequenceRegistry:
    return SequenceRegistry(SEQUENCES)
