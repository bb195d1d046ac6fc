"""Every sequence the product runs, registered in one place (app.py builds it once)."""

from __future__ import annotations

from flows import meeting_ended
from flows.sequence import SequenceRegistry


def build_registry() -> SequenceRegistry:
    registry = SequenceRegistry()
    meeting_ended.register(registry)
    return registry
