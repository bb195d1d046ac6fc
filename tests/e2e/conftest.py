"""A running Sixty (sandbox mode) over real sockets, with the demo org seeded."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import Runtime
from config import load_settings
from storage.demo import seed_demo
from storage.engine import Database
from storage.migrate import upgrade

ALEX = "U0SXALEX01"
MORGAN = "U0SXMORGAN"


async def seed(url: str) -> None:
    upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        await seed_demo(s, now=datetime.now(UTC))
    await db.dispose()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo org, migrated and seeded once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "sixty.db"
    asyncio.run(seed(f"sqlite:///{path}"))
    return path


@pytest.fixture
async def running(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    shutil.copy(seeded_template, tmp_path / "sixty.db")
    url = f"sqlite:///{tmp_path / 'sixty.db'}"
    settings = load_settings(database_url=url, port=0, sandbox_port=0, data_dir=tmp_path,
                             slack_bot_token=None, slack_app_token=None, slack_signing_secret=None,
                             log_format="text")
    runtime = Runtime(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
