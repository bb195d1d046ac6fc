"""Every sequence the product runs, registered in one place (app.py builds it once).

Each module in `SEQUENCE_MODULES` has `register(registry)`, adding its skills and sequences.
"""

from __future__ import annotations

import importlib

from flows.sequence import SequenceRegistry

SEQUENCE_MODULES = (
    "flows.meeting_ended",
    "flows.commitments",
    "flows.email_send",
    "flows.email_received",
    "flows.calendar_find_times",
    "flows.proactive",
    "flows.notification_batches",
)


def build_registry() -> SequenceRegistry:
    registry = SequenceRegistry()
    for name in SEQUENCE_MODULES:
        importlib.import_module(name).register(registry)
    return registry
