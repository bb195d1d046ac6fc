"""`LLMClient` end to end through litellm against a fake OpenAI-compatible server on loopback."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlmodel import select

from config.logging import JsonFormatter
from config.settings import Settings
from connectors.llm import (
    LLMClient,
    LLMError,
    LLMInvalidOutput,
    LLMRateLimited,
    LLMRequestRejected,
    LLMTimeout,
    LLMUnavailable,
)
from connectors.llm_schemas import EmailClassification, IntentsAnswer, strict_json_schema
from storage.engine import Database
from storage.models import CostLedger, Org
from tests.fakes.openai_server import FakeOpenAI

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SECRET = "our budget of 431k is approved by Priya"
INTENT = {
    "label": "signal:buying_positive",
    "utterance": 0,
    "speaker": "prospect",
    "phrase": "budget of 431k is approved",
    "confidence": 0.93,
    "deadline": None,
}
VARS = {"title": "Acme sync", "meeting_date": "2026-11-20", "transcript": f"[0] prospect: {SECRET}"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def org_id(sqlite_db: Database) -> int:
    async with sqlite_db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        return org.id


def make_settings(fake: FakeOpenAI, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "llm_model": "openai/test-model",
        "llm_api_base": fake.api_base,
        "llm_api_key": "sk-test",
        "llm_timeout_s": 2.0,
    }
    return Settings(_env_file=None, **{**base, **kw})


async def ledger(db: Database) -> list[CostLedger]:
    async with db.session() as s:
        return list((await s.exec(select(CostLedger))).all())


async def test_valid_answer_sends_schema_and_records_tokens(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_json({"intents": [INTENT]}, prompt_tokens=120, completion_tokens=30)
    client = LLMClient(make_settings(fake), sqlite_db)

    answer = await client.complete("intents", VARS, org_id=org_id)

    assert isinstance(answer, IntentsAnswer)
    assert answer.intents[0].label == "signal:buying_positive"
    [req] = fake.requests
    assert req["model"] == "test-model"
    assert SECRET in req["messages"][-1]["content"]
    rf = req["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["strict"] is True
    assert rf["json_schema"]["name"] == "intents_v1"
    assert rf["json_schema"]["schema"] == strict_json_schema(IntentsAnswer)
    assert fake.request_headers[0]["Authorization"] == "Bearer sk-test"
    [row] = await ledger(sqlite_db)
    assert (row.org_id, row.skill, row.model) == (org_id, "intents", "openai/test-model")
    assert (row.tokens_in, row.tokens_out) == (120, 30)
    assert row.cost_usd == 0.0  # a local model litellm cannot price


async def test_invalid_then_valid_retries_with_the_errors(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_json({"category": "spam", "confidence": 0.4})
    fake.reply_json({"category": "proposal_request", "confidence": 0.8})
    client = LLMClient(make_settings(fake), sqlite_db)

    answer = await client.complete(
        "email_classification", {"subject": "Pricing", "body": "quote?"}, org_id=org_id
    )

    assert answer == EmailClassification(category="proposal_request", confidence=0.8)
    first, second = fake.requests
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assistant, correction = second["messages"][-2:]
    assert assistant == {"role": "assistant", "content": '{"category": "spam", "confidence": 0.4}'}
    assert correction["role"] == "user" and "category" in correction["content"]
    [row] = await ledger(sqlite_db)
    assert (row.tokens_in, row.tokens_out) == (22, 14)  # both calls are paid for


async def test_invalid_twice_fails_typed_after_two_calls(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_text("Sure! Here are the intents: none.")
    client = LLMClient(make_settings(fake), sqlite_db)

    with pytest.raises(LLMInvalidOutput) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert not info.value.retryable
    assert len(fake.requests) == 2
    [row] = await ledger(sqlite_db)
    assert row.tokens_in == 22


async def test_fenced_json_is_accepted(fake: FakeOpenAI, sqlite_db: Database, org_id: int) -> None:
    fake.reply_text('```json\n{"category": "fyi", "confidence": 0.7}\n```')
    client = LLMClient(make_settings(fake), sqlite_db)
    answer = await client.complete(
        "email_classification", {"subject": "", "body": ""}, org_id=org_id
    )
    assert answer == EmailClassification(category="fyi", confidence=0.7)
    assert len(fake.requests) == 1


async def test_timeout_is_typed_and_bounded(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_slow(30.0, {"intents": []})
    client = LLMClient(make_settings(fake, llm_timeout_s=0.3), sqlite_db)

    started = time.perf_counter()
    with pytest.raises(LLMTimeout) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert time.perf_counter() - started < 5.0  # the reply would take 30 s
    assert info.value.retryable
    assert await ledger(sqlite_db) == []  # nothing answered, nothing billed


async def test_429_waits_retry_after_once_then_succeeds(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_error(429, retry_after="0.3")
    fake.reply_json({"intents": []})
    client = LLMClient(make_settings(fake), sqlite_db)

    started = time.perf_counter()
    answer = await client.complete("intents", VARS, org_id=org_id)

    assert time.perf_counter() - started >= 0.3
    assert answer == IntentsAnswer(intents=[])
    assert len(fake.requests) == 2


async def test_429_retry_after_as_an_http_date(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_error(429, retry_after=format_datetime(NOW + timedelta(seconds=1), usegmt=True))
    fake.reply_error(429, retry_after=format_datetime(NOW + timedelta(hours=1), usegmt=True))
    client = LLMClient(make_settings(fake), sqlite_db, clock=lambda: NOW, max_retry_after_s=5)

    with pytest.raises(LLMRateLimited) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert len(fake.requests) == 2  # waited out the first date, gave up on the second
    assert info.value.retry_after_s == 3600


async def test_429_twice_raises_rate_limited(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_error(429, retry_after="0.1")
    client = LLMClient(make_settings(fake), sqlite_db)

    with pytest.raises(LLMRateLimited) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert len(fake.requests) == 2
    assert info.value.retryable and info.value.retry_after_s == pytest.approx(0.1)


async def test_429_with_a_long_retry_after_is_not_waited_out(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    fake.reply_error(429, retry_after="120")
    client = LLMClient(make_settings(fake), sqlite_db, max_retry_after_s=5)

    with pytest.raises(LLMRateLimited) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert len(fake.requests) == 1
    assert info.value.retry_after_s == 120


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [(500, LLMUnavailable, True), (401, LLMRequestRejected, False)],
)
async def test_server_errors_are_typed(
    fake: FakeOpenAI,
    sqlite_db: Database,
    org_id: int,
    status: int,
    error: type[LLMError],
    retryable: bool,
) -> None:
    fake.reply_error(status)
    client = LLMClient(make_settings(fake), sqlite_db)

    with pytest.raises(error) as info:
        await client.complete("intents", VARS, org_id=org_id)

    assert info.value.retryable is retryable
    assert len(fake.requests) == 1  # no hidden client-side retries


async def test_price_override_from_settings(
    fake: FakeOpenAI, sqlite_db: Database, org_id: int
) -> None:
    class PricedSettings(Settings):
        llm_input_cost_per_token: float | None = None
        llm_output_cost_per_token: float | None = None

    settings = PricedSettings(
        _env_file=None,
        llm_model="openai/test-model",
        llm_api_base=fake.api_base,
        llm_api_key="sk-test",
        llm_input_cost_per_token=1e-6,
        llm_output_cost_per_token=4e-6,
    )
    fake.reply_json({"intents": []}, prompt_tokens=1000, completion_tokens=250)

    await LLMClient(settings, sqlite_db).complete("intents", VARS, org_id=org_id)

    [row] = await ledger(sqlite_db)
    assert row.cost_usd == pytest.approx(1000 * 1e-6 + 250 * 4e-6)


async def test_logs_carry_usage_but_no_text(
    fake: FakeOpenAI,
    sqlite_db: Database,
    org_id: int,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # even an app at DEBUG must not log prompt or answer text
    answer_phrase = "budget of 431k is approved"
    client = LLMClient(make_settings(fake), sqlite_db)
    fake.reply_json({"intents": [INTENT]}, prompt_tokens=50, completion_tokens=9)
    await client.complete("intents", VARS, org_id=org_id)
    fake.reply_json({"intents": [{**INTENT, "label": "nope"}]})  # invalid twice
    with pytest.raises(LLMInvalidOutput):
        await client.complete("intents", VARS, org_id=org_id)
    fake.reply_error(500, message=f"upstream echoed: {SECRET}")
    with pytest.raises(LLMUnavailable) as info:
        await client.complete("intents", VARS, org_id=org_id)
    assert SECRET not in str(info.value)

    calls = [r for r in caplog.records if r.name == "connectors.llm"]
    assert [r.outcome for r in calls] == ["ok", "LLMInvalidOutput", "LLMUnavailable"]  # type: ignore[attr-defined]
    ok = calls[0]
    assert (ok.purpose, ok.model, ok.tokens_in, ok.tokens_out, ok.prompt_version) == (  # type: ignore[attr-defined]
        "intents",
        "openai/test-model",
        50,
        9,
        1,
    )
    assert ok.latency_ms >= 0  # type: ignore[attr-defined]
    formatter = JsonFormatter()
    out, err = capfd.readouterr()
    for text in [formatter.format(r) for r in caplog.records] + [out, err]:
        assert SECRET not in text and answer_phrase not in text
