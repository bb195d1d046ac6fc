"""The registry of sequences: every product sequence and the events it answers are `EventType`
members, each event starts one sequence, and each sequence is listed once per version."""

from __future__ import annotations

from flows.registry import CRON_SOURCES, SEQUENCES, build_registry
from orchestrator.events import EventType


def test_every_sequence_type_and_event_is_an_event_type_member() -> None:
    known = {e.value for e in EventType}
    for seq in SEQUENCES:
        assert seq.type in known, f"{seq.type} is not an EventType"
        assert set(seq.event_types) <= known, f"{seq.type} answers {seq.event_types}"


def test_the_registry_holds_each_sequence_and_routes_its_events() -> None:
    registry = build_registry()
    assert sorted({s.type for s in SEQUENCES}) == registry.types()
    for seq in SEQUENCES:
        assert registry.get(seq.type, seq.version) is seq
        for event in seq.event_types:
            assert registry.sequence_type_for(event) == seq.type
    assert len(CRON_SOURCES) == len(set(CRON_SOURCES))
