"""Sequences for morning brief, pre-meeting brief, pipeline scan and stale-deal revival."""

from __future__ import annotations

from flows.sequence import SequenceRegistry


def register(registry: SequenceRegistry) -> None:
    return None
