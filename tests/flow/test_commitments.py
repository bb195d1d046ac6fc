"""The commitment ledger: overdue promises are flagged once and the rep is reminded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from config import Settings
from flows.commitments.crons import cron_specs
from flows.registry import build_registry
from orchestrator.engine import Engine
from storage.engine import Database
from storage.models import Commitment, Org, User, UserPreferences
from tests.support.sequences import RecordingDelivery

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def seed(db: Database) -> int:
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        user = User(
            org_id=org.id, slack_user_id="U1", email="rep@x.test", name="Rita Rep", timezone="UTC"
        )
        s.add(user)
        await s.flush()
        s.add(UserPreferences(user_id=user.id, quiet_hours_start=None, quiet_hours_end=None))
        for owner, due, what in (
            ("prospect", NOW - timedelta(hours=1), "get back about budget"),
            ("rep", NOW - timedelta(days=1), "send the proposal"),
            ("rep", NOW + timedelta(days=2), "send the deck"),
        ):
            s.add(
                Commitment(
                    org_id=org.id,
                    user_id=user.id,
                    owner=owner,
                    kind="other",
                    description=what,
                    counterparty="Sarah (Acme)",
                    due_at=due,
                )
            )
        return int(org.id or 0)


async def test_overdue_commitments_flagged_and_reminded_once(db: Database) -> None:
    await seed(db)
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, build_registry(), clock=lambda: NOW, listen=False)
    (spec,) = cron_specs(SimpleNamespace(db=db))
    for _ in range(2):  # a second fire (or a second process) adds nothing
        for event in await spec.events(NOW):
            await engine.submit(event)
        await engine.drain()
    posts = [c for c in delivery.calls if c[0] == "chat.postMessage"]
    texts = " ".join(str(c[1]["blocks"]) for c in posts)
    assert len(posts) == 2
    assert "has not got back to you" in texts and "You promised" in texts
    assert "send the deck" not in texts
    async with db.session() as s:
        from sqlmodel import select

        statuses = sorted(c.status for c in (await s.exec(select(Commitment))).all())
    assert statuses == ["open", "overdue", "overdue"]


def test_the_overdue_cron_and_the_reminder_are_registered() -> None:
    from flows.registry import CRON_SOURCES

    assert cron_specs in CRON_SOURCES  # app.register_crons fires what CRON_SOURCES lists
    (spec,) = cron_specs(SimpleNamespace(db=None))
    assert spec.id == "commitments:overdue"
    assert build_registry().sequence_type_for("commitment_reminder") == "commitment_reminder"
    assert build_registry().get("commitment_reminder") is not None
