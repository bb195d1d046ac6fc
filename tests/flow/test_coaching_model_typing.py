"""Issue 16, the model path for coaching: with `LLM_MODEL` set, the `coaching_call` job asks the
model to type the rep's questions and the prospect's objections; an answer that passes the check
(right side, verbatim text, known kinds) replaces the patterns' typing in the stored analysis,
and one that fails twice leaves the patterns' report. The call is the demo's Acme pilot call,
coached offline first through the real webhook; the model run is a second `coaching_call` job
for the same meeting on an engine pointed at the fake model (the offline row removed first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import select

from flows.coaching.sequence import coaching_call
from orchestrator.engine import Engine
from orchestrator.events import Event, EventSource, EventType
from orchestrator.sequence import SequenceRegistry
from storage.coaching_models import CoachingAnalysis, CoachingWeekly
from storage.engine import Database
from storage.models import CostLedger
from tests.fakes.openai_server import FakeOpenAI
from tests.flow.post_meeting_world import World, acme_pilot_call, make_world


async def offline_analysis(db: Database, tmp_path: Path) -> tuple[World, CoachingAnalysis]:
    """The world after the offline run, and its analysis (then removed, so a new run stores)."""
    w = await make_world(db, tmp_path)
    await w.webhook(acme_pilot_call("bot-coach-model"))
    await w.engine.drain()
    async with db.transaction() as s:
        row = (await s.exec(select(CoachingAnalysis))).one()
        await s.exec(delete(CoachingWeekly))  # type: ignore[call-overload]
        await s.exec(delete(CoachingAnalysis))  # type: ignore[call-overload]
    assert row.questions, "the offline run found the rep's questions"
    return w, row


async def model_analysis(w: World, fake: FakeOpenAI, meeting_id: int) -> CoachingAnalysis:
    settings = w.engine.settings.model_copy(update={
        "llm_model": "openai/test-model", "llm_api_base": fake.api_base,
        "llm_api_key": "sk-test", "llm_timeout_s": 2.0})  # fmt: skip
    engine = Engine(w.db, settings, w.delivery, SequenceRegistry([coaching_call]),
                    clock=w.engine.clock, heartbeat_s=None)  # fmt: skip
    await engine.submit(Event(
        type=EventType.COACHING_CALL, source=EventSource.ORCHESTRATOR_CHAIN, org_id=w.ids["org"],
        user_id=w.ids["alex"], payload={"meeting_id": meeting_id},
        idempotency_key=f"coaching_call:meeting:{meeting_id}:model"))  # fmt: skip
    await engine.drain()
    async with w.db.session() as s:
        return (await s.exec(select(CoachingAnalysis))).one()


def one_question(offline: CoachingAnalysis) -> dict[str, Any]:
    """The first question the patterns found, typed the other way by "the model"."""
    q = offline.questions[0]
    kind = "closed" if q["kind"] == "open" else "open"
    return {"utterance": q["utterance"], "text": q["text"], "kind": kind, "discovery": True}


async def test_the_models_checked_typing_is_stored(db: Database, tmp_path: Path) -> None:
    w, offline = await offline_analysis(db, tmp_path)
    try:
        asked = one_question(offline)
        async with FakeOpenAI() as fake:
            fake.reply_json({"questions": [asked], "objections": []})
            row = await model_analysis(w, fake, offline.meeting_id)
        assert [(q["utterance"], q["text"], q["kind"], q["discovery"]) for q in row.questions] == [
            (asked["utterance"], asked["text"], asked["kind"], True)
        ]
        assert row.objections == [] and row.metrics["questions_rep"] == 1
        assert row.metrics["talk_ratio_rep"] == offline.metrics["talk_ratio_rep"]  # timing kept
        [request] = fake.requests
        assert request["response_format"]["json_schema"]["name"] == "coaching_typing_v1"
        assert f"[{asked['utterance']}] rep:" in request["messages"][1]["content"]
        async with db.session() as s:
            costs = (await s.exec(select(CostLedger))).all()
        assert [(c.skill, c.user_id) for c in costs] == [("coaching_typing", w.ids["alex"])]
    finally:
        await w.client.close()


async def test_an_answer_failing_the_check_twice_keeps_the_patterns(
    db: Database, tmp_path: Path
) -> None:
    w, offline = await offline_analysis(db, tmp_path)
    try:
        made_up = {**one_question(offline), "text": "So what keeps you up at night?"}
        async with FakeOpenAI() as fake:
            fake.reply_json({"questions": [made_up], "objections": []})
            fake.reply_json({"questions": [made_up], "objections": []})
            row = await model_analysis(w, fake, offline.meeting_id)
        assert len(fake.requests) == 2
        retry = fake.requests[1]["messages"][1]["content"]
        assert "rejected" in retry and "not a verbatim piece" in retry
        assert "keeps you up" not in retry.split("rejected")[1]  # reasons quote no call text
        assert row.questions == offline.questions and row.objections == offline.objections
    finally:
        await w.client.close()
