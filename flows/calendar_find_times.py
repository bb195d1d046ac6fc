"""Sequences for `calendar_find_times`: mutual free time offered in Slack, then the invite."""

from __future__ import annotations

from flows.sequence import SequenceRegistry


def register(registry: SequenceRegistry) -> None:
    return None
