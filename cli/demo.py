"""`sixty demo seed`: create (or refresh) the demo org in DATABASE_URL."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from cli.common import run_async, settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the demo org")
    p.add_argument("action", choices=["seed"])
    p.set_defaults(handler=run)


async def _seed(url: str) -> dict[str, int]:
    from storage.demo import seed_demo
    from storage.engine import Database

    db = Database(url)
    try:
        async with db.transaction() as s:
            return await seed_demo(s, now=datetime.now(UTC))
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    settings = settings_or_exit()
    upgrade(settings.database_url)
    print(json.dumps(run_async(_seed(settings.database_url))))
    return 0
