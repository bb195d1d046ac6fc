"""Sequences for `email_received`: classify inbound email and start the right work."""

from __future__ import annotations

from flows.sequence import SequenceRegistry


def register(registry: SequenceRegistry) -> None:
    return None
