"""Issue 11 §2.3: a recurring job that keeps failing is reported once, not at every run — for
every cron (the morning brief, the pipeline scan ...), not only the ones that name a series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from config.settings import Settings
from orchestrator.context import StepContext
from orchestrator.crons import CronSpec, fire_once, in_series
from orchestrator.engine import Engine
from orchestrator.events import Event
from orchestrator.sequence import sequence
from orchestrator.workflow import Workflow
from tests.support.sequences import RecordingDelivery, noop_registry, seed_org

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def failures(delivery: RecordingDelivery) -> list[str]:
    return [
        c["text"] for m, c in delivery.calls if m == "chat.postMessage" and "stopped" in c["text"]
    ]


async def test_a_failing_daily_cron_is_told_once_until_it_succeeds(db: Any) -> None:
    org, users = await seed_org(db)
    healthy = {"now": False}
    reg = noop_registry()

    async def brief(ctx: StepContext) -> dict[str, bool]:
        if not healthy["now"]:
            raise ValueError("calendar unreachable")
        return {"ok": True}

    @sequence("daily_thing", version=1)
    async def daily_thing(wf: Workflow) -> None:
        await wf.step(brief, name="compose")

    reg.add(daily_thing)
    delivery = RecordingDelivery()
    engine = Engine(db, Settings(), delivery, reg, heartbeat_s=None, clock=lambda: T0)

    async def events(fire: datetime) -> list[Event]:
        return [Event("daily_thing", "cron:test", org, users[0], {"id": fire.isoformat()})]

    spec = CronSpec("daily_thing:1", CronTrigger(hour=8, timezone=UTC), events)
    for day in range(3):  # three days of failures: told on the first only
        await fire_once(db, spec, T0 + timedelta(days=day), engine.submit, "p1")
        await engine.drain()
    assert len(failures(delivery)) == 1
    healthy["now"] = True  # it works again ...
    await fire_once(db, spec, T0 + timedelta(days=3), engine.submit, "p1")
    await engine.drain()
    healthy["now"] = False  # ... then breaks again: that is news
    await fire_once(db, spec, T0 + timedelta(days=4), engine.submit, "p1")
    await engine.drain()
    assert len(failures(delivery)) == 2


def test_a_named_series_is_kept() -> None:
    ev = Event("email_received", "cron:email_poll", 1, 2, {"series": "email:poll:7"})
    assert in_series(ev, "email:poll").payload["series"] == "email:poll:7"
    plain = in_series(Event("morning_brief", "cron:morning", 1, 2, {}), "morning_brief:2")
    assert plain.payload["series"] == "cron:morning_brief:2:2"
