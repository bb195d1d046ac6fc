"""Every sequence the product runs, in one explicit list (app.py builds the registry once).

Adding a sequence: write `flows/<name>/sequence.py` (one `@sequence` function that reads top to
bottom, its steps beside it in `steps.py`), then add one import and one entry below.
"""

from __future__ import annotations

from orchestrator.sequence import SequenceDef, SequenceRegistry

# ported sequences are listed here (the redesign is in progress: one line per sequence)
SEQUENCES: tuple[SequenceDef, ...] = ()


def build_registry() -> SequenceRegistry:
    return SequenceRegistry(SEQUENCES)
