"""Sequences for sending email as the rep behind the safety rails."""

from __future__ import annotations

from flows.sequence import SequenceRegistry


def register(registry: SequenceRegistry) -> None:
    return None
