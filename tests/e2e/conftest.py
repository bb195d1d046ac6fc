"""A running Sixty (sandbox mode) over real sockets, with the demo org seeded.

Every end-to-end runtime lives on one injected clock that starts at `T0`, a fixed instant (a
Tuesday, 07:00 in New York, 12:00 in London, 04:00 in Los Angeles), where the demo org is also
seeded: what a test sees never depends on the hour, day or date the suite runs at. Crons and
planners are planned but not started, so nothing posts on its own; a test of them moves the
clock (`runtime.clock.advance_to`) and runs what is due (`planner.run_due`).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app import Runtime
from config import load_settings
from storage.clock import SteppingClock
from storage.demo import seed_demo
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import UserPreferences

T0 = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)

ALEX = "U0SXALEX01"
MORGAN = "U0SXMORGAN"


async def seed(url: str) -> None:
    upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=T0)
    await db.dispose()


def e2e_runtime(settings: Any, *, run_crons: bool = False, start: datetime = T0) -> Runtime:
    """The app as the e2e tests run it: on a clock that starts at `start` (default `T0`)."""
    return Runtime(settings, clock=SteppingClock(start), run_crons=run_crons)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo org, migrated and seeded once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "sixty.db"
    asyncio.run(seed(f"sqlite:///{path}"))
    return path


async def no_quiet_hours(url: str) -> None:
    """Deliveries in these tests must not depend on the time of day the suite runs at."""
    db = Database(url)
    async with db.transaction() as s:
        for prefs in (await s.exec(select(UserPreferences))).all():
            prefs.quiet_hours_start = prefs.quiet_hours_end = None
            s.add(prefs)
    await db.dispose()


@asynccontextmanager
async def started_app(tmp_path: Path, template: Path, **overrides: Any) -> AsyncIterator[Runtime]:
    """A copy of the seeded demo, quiet hours off, the app started on it (2 workers unless told)."""
    shutil.copy(template, tmp_path / "sixty.db")
    settings = load_settings(**{"database_url": f"sqlite:///{tmp_path / 'sixty.db'}", "port": 0,
                                "sandbox_port": 0, "data_dir": tmp_path, "log_format": "text",
                                "workers": 2, **overrides})  # fmt: skip
    await no_quiet_hours(settings.database_url)
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def running(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    url = f"sqlite:///{tmp_path / 'sixty.db'}"
    settings = load_settings(
        database_url=url,
        port=0,
        sandbox_port=0,
        data_dir=tmp_path,
        slack_bot_token=None,
        slack_app_token=None,
        slack_signing_secret=None,
        log_format="text",
    )
    runtime = e2e_runtime(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
