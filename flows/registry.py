"""Every sequence the product runs, in one explicit list (app.py builds the registry once).

Adding a sequence: write `flows/<name>/sequence.py` (one `@sequence` function that reads top to
bottom, its steps beside it in `steps.py`), then add one import and one entry below; a flow's
crons (`flows/<name>/crons.py`) go in `CRON_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.commitments import crons as commitments_crons
from flows.commitments.sequence import commitment_reminder
from flows.meeting_ended.sequence import meeting_ended
from orchestrator.crons import CronSpec
from orchestrator.sequence import SequenceDef, SequenceRegistry

# ported sequences are listed here (the redesign is in progress: one line per sequence)
SEQUENCES: tuple[SequenceDef, ...] = (
    meeting_ended,
    commitment_reminder,
)

# Every cron source, `cron_specs(deps) -> list[CronSpec]` (app.register_crons fires each once).
CRON_SOURCES: tuple[Callable[[Any], list[CronSpec]], ...] = (
    commitments_crons.cron_specs,
)


def build_registry() -> SequenceRegistry:
    return SequenceRegistry(SEQUENCES)
