"""Issue 14, the model path: with `LLM_MODEL` set, the proposal's slot prose is the model's when
it passes the check (quotes verbatim, no invented money); an invented number is retried once
with the reasons, and a second failure or a model error keeps the offline prose. The call is the
demo's Acme pilot call, drafted offline first through the real webhook; the model run is a
second `proposal_generation` job for the same meeting on an engine pointed at the fake model."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from flows.proposal_generation import model_prose
from flows.proposal_generation.sequence import proposal_generation
from orchestrator.engine import Engine
from orchestrator.events import Event, EventSource, EventType
from orchestrator.sequence import SequenceRegistry
from storage.engine import Database
from storage.models import CostLedger, Meeting
from storage.proposal_models import Proposal
from tests.fakes.openai_server import FakeOpenAI
from tests.flow.post_meeting_world import World, acme_pilot_call, make_world
from tests.flow.test_proposal_flow import with_library

_keys = count()


async def offline_world(db: Database, tmp_path: Path) -> tuple[World, dict[str, Any], int]:
    """The world after the offline run: the offline draft, and the meeting it came from."""
    w = await make_world(db, tmp_path)
    await with_library(w)
    await w.webhook(acme_pilot_call("bot-model-prose"))
    await w.engine.drain()
    async with db.session() as s:
        row = (await s.exec(select(Proposal))).one()
        meeting = (await s.exec(select(Meeting))).one()
    assert meeting.id is not None
    return w, row.draft, meeting.id


async def model_draft(w: World, fake: FakeOpenAI, meeting_id: int) -> dict[str, Any]:
    """Run a proposal job for the meeting with the model on; the draft it stored."""
    settings = w.engine.settings.model_copy(update={
        "llm_model": "openai/test-model", "llm_api_base": fake.api_base,
        "llm_api_key": "sk-test", "llm_timeout_s": 2.0})  # fmt: skip
    engine = Engine(w.db, settings, w.delivery, SequenceRegistry([proposal_generation]),
                    clock=w.engine.clock, heartbeat_s=None)  # fmt: skip
    await engine.submit(
        Event(
            type=EventType.PROPOSAL_GENERATION,
            source=EventSource.SLACK_COMMAND,
            org_id=w.ids["org"],
            user_id=w.ids["alex"],
            payload={"meeting_id": meeting_id, "origin": "meeting"},
            idempotency_key=f"{EventType.PROPOSAL_GENERATION}:model-test:{next(_keys)}",
        )
    )
    await engine.drain()
    async with w.db.session() as s:
        row = (await s.exec(select(Proposal).order_by(col(Proposal.id).desc()))).first()
    assert row is not None
    return row.draft


def by_key(draft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in draft["sections"]}


def summary_answer(offline: dict[str, Any], text: str) -> dict[str, Any]:
    cite = by_key(offline)["summary"]["citations"][0]
    return {"sections": [{"key": "summary", "text": text,
                          "citations": [{"utterance": cite["utterance"], "quote": cite["quote"]}]}]}  # fmt: skip


def unchanged_but_summary(offline: dict[str, Any], drafted: dict[str, Any]) -> None:
    assert drafted["line_items"] == offline["line_items"]
    old, new = by_key(offline), by_key(drafted)
    assert [s["key"] for s in drafted["sections"]] == [s["key"] for s in offline["sections"]]
    for key in old:
        assert new[key]["title"] == old[key]["title"]
        if key != "summary":
            assert new[key] == old[key]


async def test_the_models_valid_prose_is_used_with_its_verbatim_citations(
    db: Database, tmp_path: Path
) -> None:
    w, offline, meeting_id = await offline_world(db, tmp_path)
    try:
        async with FakeOpenAI() as fake:
            fake.reply_json(summary_answer(offline, "Acme wants its weekly reporting automated."))
            drafted = await model_draft(w, fake, meeting_id)
        summary = by_key(drafted)["summary"]
        assert summary["text"] == "Acme wants its weekly reporting automated."
        assert summary["citations"] == [by_key(offline)["summary"]["citations"][0]]
        unchanged_but_summary(offline, drafted)
        assert len(fake.requests) == 1
        request = fake.requests[0]
        assert request["response_format"]["json_schema"]["name"] == "proposal_prose_v1"
        user = request["messages"][1]["content"]
        assert "[0]" in user and "Total:" in user
        async with db.session() as s:
            costs = (await s.exec(select(CostLedger))).all()
        assert [(c.skill, c.org_id, c.user_id) for c in costs] == [
            ("proposal_prose", w.ids["org"], w.ids["alex"])
        ]
    finally:
        await w.client.close()


async def test_an_invented_number_is_retried_once_then_the_valid_answer_is_used(
    db: Database, tmp_path: Path
) -> None:
    w, offline, meeting_id = await offline_world(db, tmp_path)
    try:
        async with FakeOpenAI() as fake:
            fake.reply_json(summary_answer(offline, "Acme will save $987,654 a year."))
            fake.reply_json(summary_answer(offline, "Acme wants less time on reports."))
            drafted = await model_draft(w, fake, meeting_id)
        assert by_key(drafted)["summary"]["text"] == "Acme wants less time on reports."
        assert len(fake.requests) == 2
        retry = fake.requests[1]["messages"][1]["content"]
        assert "rejected" in retry and "987654" in retry
        assert "rejected" not in fake.requests[0]["messages"][1]["content"]
    finally:
        await w.client.close()


async def test_two_invalid_answers_keep_the_offline_prose(db: Database, tmp_path: Path) -> None:
    w, offline, meeting_id = await offline_world(db, tmp_path)
    try:
        async with FakeOpenAI() as fake:
            bad = summary_answer(offline, "As you said.")
            bad["sections"][0]["citations"][0]["quote"] = "words nobody said on the call"
            fake.reply_json(bad)  # repeats: both answers fail the check
            drafted = await model_draft(w, fake, meeting_id)
        assert len(fake.requests) == 2
        assert drafted["sections"] == offline["sections"]
        assert drafted["line_items"] == offline["line_items"]
    finally:
        await w.client.close()


async def test_a_model_error_keeps_the_offline_prose(db: Database, tmp_path: Path) -> None:
    w, offline, meeting_id = await offline_world(db, tmp_path)
    try:
        async with FakeOpenAI() as fake:
            fake.reply_error(400, message="bad request")
            drafted = await model_draft(w, fake, meeting_id)
        assert fake.requests
        assert drafted["sections"] == offline["sections"]
        assert drafted["line_items"] == offline["line_items"]
    finally:
        await w.client.close()


async def test_a_model_too_slow_for_the_step_keeps_the_offline_prose(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, offline, meeting_id = await offline_world(db, tmp_path)
    monkeypatch.setattr(model_prose, "BUDGET_S", 0.3)
    try:
        async with FakeOpenAI() as fake:
            fake.reply_slow(1.5, summary_answer(offline, "Too late."))
            drafted = await model_draft(w, fake, meeting_id)
        assert drafted["sections"] == offline["sections"]
    finally:
        await w.client.close()
