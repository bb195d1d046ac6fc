"""The cost ledger on both backends: monthly spend, budgets, and the LLM client's budget gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from config.settings import Settings
from connectors.llm import BudgetExceeded, LLMClient
from connectors.llm_schemas import EmailClassification
from storage import costs
from storage.engine import Database
from storage.models import CostLedger, Org, OrgSettings, User
from tests.fakes.openai_server import FakeOpenAI

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
EMAIL = {"subject": "Quote", "body": "Can you send pricing for 40 seats?"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


async def make_org(
    db: Database, name: str = "Acme", budget: float | None = None
) -> tuple[int, int]:
    async with db.transaction() as s:
        org = Org(name=name)
        s.add(org)
        await s.flush()
        assert org.id is not None
        user = User(org_id=org.id, slack_user_id=f"U{name}", email=f"rep@{name}.test", name="Rep")
        s.add(user)
        if budget is not None:
            s.add(OrgSettings(org_id=org.id, ai_budget_usd_month=budget))
        await s.flush()
        assert user.id is not None
        return org.id, user.id


async def spend(db: Database, org_id: int, usd: float, at: datetime) -> None:
    async with db.transaction() as s:
        await costs.record_cost(
            s,
            org_id=org_id,
            user_id=None,
            job_id=None,
            skill="intents",
            model="m",
            tokens_in=1,
            tokens_out=1,
            cost_usd=usd,
            at=at,
        )


async def test_month_spend_counts_this_org_and_utc_month_only(db: Database) -> None:
    org, _ = await make_org(db)
    other, _ = await make_org(db, "Other")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    await spend(db, org, 1.25, start)  # first instant of the month: counted
    await spend(db, org, 2.5, datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    await spend(db, org, 100.0, start - timedelta(microseconds=1))  # February
    await spend(db, org, 100.0, datetime(2026, 4, 1, tzinfo=UTC))  # April
    await spend(db, other, 7.0, NOW)

    async with db.session() as s:
        assert await costs.month_spend(s, org_id=org, now=NOW) == pytest.approx(3.75)
        # April 1st in Tokyo is still March 31st in UTC: months are UTC months.
        tokyo = datetime(2026, 3, 31, 20, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))
        assert tokyo.month == 4
        assert await costs.month_spend(s, org_id=org, now=tokyo) == pytest.approx(3.75)
        assert await costs.month_spend(s, org_id=other, now=NOW) == pytest.approx(7.0)
        assert await costs.month_spend(s, org_id=org + other + 1, now=NOW) == 0.0
    assert costs.period_of(NOW) == "2026-03"
    assert costs.month_bounds(datetime(2026, 12, 9, tzinfo=UTC))[1] == datetime(
        2027, 1, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="naive"):
        costs.month_bounds(datetime(2026, 3, 1))


async def test_budget_defaults_to_50_without_settings_row(db: Database) -> None:
    org, _ = await make_org(db)
    capped, _ = await make_org(db, "Capped", budget=3.5)
    async with db.session() as s:
        assert (
            await costs.monthly_budget(s, org_id=org) == costs.DEFAULT_AI_BUDGET_USD_MONTH == 50.0
        )
        assert await costs.monthly_budget(s, org_id=capped) == 3.5


def llm_settings(fake: FakeOpenAI) -> Settings:
    return Settings(
        _env_file=None,
        llm_model="openai/test-model",
        llm_api_base=fake.api_base,
        llm_api_key="sk-test",
        llm_timeout_s=2.0,
    )


async def test_call_writes_a_cost_row_for_org_user_and_skill(
    db: Database, fake: FakeOpenAI
) -> None:
    org, user = await make_org(db)
    fake.reply_json(
        {"category": "proposal_request", "confidence": 0.9}, prompt_tokens=80, completion_tokens=12
    )
    client = LLMClient(llm_settings(fake), db, clock=lambda: NOW)

    answer = await client.complete("email_classification", EMAIL, org_id=org, user_id=user)

    assert answer == EmailClassification(category="proposal_request", confidence=0.9)
    async with db.session() as s:
        [row] = (await s.exec(select(CostLedger))).all()
    assert (row.org_id, row.user_id, row.job_id) == (org, user, None)
    assert (row.skill, row.model, row.tokens_in, row.tokens_out) == (
        "email_classification",
        "openai/test-model",
        80,
        12,
    )


async def test_budget_exceeded_refuses_before_calling(db: Database, fake: FakeOpenAI) -> None:
    org, _ = await make_org(db, budget=0.5)
    fake.reply_json({"category": "fyi", "confidence": 0.6})
    client = LLMClient(llm_settings(fake), db, clock=lambda: NOW)

    await spend(db, org, 0.49, NOW - timedelta(days=1))
    await client.complete("email_classification", EMAIL, org_id=org)  # under budget: called
    assert len(fake.requests) == 1

    await spend(db, org, 0.01, NOW)  # now exactly at the budget
    with pytest.raises(BudgetExceeded) as info:
        await client.complete("email_classification", EMAIL, org_id=org)

    assert len(fake.requests) == 1  # no call made
    exc = info.value
    assert (exc.org_id, exc.budget_usd, exc.period) == (org, 0.5, "2026-03")
    assert exc.spent_usd == pytest.approx(0.5)
    assert not exc.retryable
    # Next month the budget is fresh again.
    april = LLMClient(llm_settings(fake), db, clock=lambda: datetime(2026, 4, 1, tzinfo=UTC))
    await april.complete("email_classification", EMAIL, org_id=org)
    assert len(fake.requests) == 2
