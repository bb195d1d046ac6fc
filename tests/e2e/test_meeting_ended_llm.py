"""The post-meeting flow on the language-model path, through litellm to a local OpenAI-compatible server."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from app import Runtime
from config import load_settings
from storage.models import CostLedger
from tests.e2e.conftest import ALEX, e2e_runtime, no_quiet_hours
from tests.e2e.test_meeting_ended import KEY, SAMPLE, gate_messages, post_webhook
from tests.fakes.openai_server import FakeOpenAI

PROPOSAL_UTTERANCE = next(
    i
    for i, seg in enumerate(SAMPLE["data"]["transcript"])
    if "proposal" in " ".join(w["word"] for w in seg["words"]).lower()
)


async def run_with_model(tmp_path: Path, seeded_template: Path, fake: FakeOpenAI) -> Runtime:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'sixty.db'}",
        port=0,
        sandbox_port=0,
        data_dir=tmp_path,
        meetingbaas_api_key=KEY,
        log_format="text",
        llm_model="openai/test-model",
        llm_api_base=fake.api_base,
        llm_api_key="sk-test",
        llm_timeout_s=5,
    )
    await no_quiet_hours(settings.database_url)
    runtime = e2e_runtime(settings)
    await runtime.start()
    return runtime


async def test_model_answers_drive_intents_and_the_draft(
    tmp_path: Path, seeded_template: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.language")
    async with FakeOpenAI() as fake:
        fake.reply_json(
            {
                "intents": [
                    {
                        "label": "commitment:send_proposal",
                        "utterance": PROPOSAL_UTTERANCE,
                        "speaker": "rep",
                        "phrase": "a proposal",
                        "confidence": 0.95,
                        "deadline": None,
                    }
                ]
            }
        )
        fake.reply_json(
            {"subject": "Model subject: Acme pilot", "body": "Hi Sarah,\n\nModel body.\n\nAlex"}
        )
        runtime = await run_with_model(tmp_path, seeded_template, fake)
        try:
            sb = runtime.sandbox
            status, _ = await post_webhook(runtime, SAMPLE)
            assert status == 200
            await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=30)
            gate = json.dumps(gate_messages(sb, ALEX)[0])
            assert "Model subject: Acme pilot" in gate
            purposes = [r["messages"][0]["content"][:60] for r in fake.requests]
            assert len(fake.requests) == 2, purposes  # intents once (not twice), then the draft
            async with runtime.db.session() as s:
                costs = (await s.exec(select(CostLedger))).all()
            assert {c.skill for c in costs} == {"intents", "follow_up_draft"}
            # the offline engine read the same call: how the two differ is logged, labels only
            [cmp] = [
                r for r in caplog.records if r.getMessage() == "model and offline engine compared"
            ]
            assert cmp.purpose == "intents"  # type: ignore[attr-defined]
            assert "commitment:send_proposal" not in cmp.model_only  # both found the proposal  # type: ignore[attr-defined]
            assert all(":" in label for label in cmp.offline_only)  # type: ignore[attr-defined]
        finally:
            await runtime.stop()


async def test_model_failure_falls_back_to_the_offline_engine(
    tmp_path: Path, seeded_template: Path
) -> None:
    async with FakeOpenAI() as fake:
        fake.reply_error(500)
        runtime = await run_with_model(tmp_path, seeded_template, fake)
        try:
            sb = runtime.sandbox
            status, _ = await post_webhook(runtime, SAMPLE)
            assert status == 200
            await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=30)
            assert "Following up: Acme Corp" in json.dumps(gate_messages(sb, ALEX)[0])
        finally:
            await runtime.stop()
