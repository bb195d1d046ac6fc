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


def test_what_a_process_does_with_a_job_of_each_version() -> None:
    from orchestrator.sequence import SequenceRegistry
    from tests.support.sequences import noop_sequence

    reg = SequenceRegistry([noop_sequence("brief", version=2), noop_sequence("brief", version=3)])
    assert [reg.fate("brief", v) for v in (0, 1, 2, 3, 4)] == [
        "runs",  # created before its sequence existed: adopts the newest
        "fails",  # dropped while a job still used it
        "runs",
        "runs",
        "waits",  # a newer process's version (a rolling deploy)
    ]
    assert reg.fate("coaching", 0) == reg.fate("coaching", 1) == "waits"
