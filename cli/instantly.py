"""`sixty instantly connect EMAIL`: connect the team's Instantly workspace with its API key.

The key is read from standard input (or `INSTANTLY_API_KEY`), never from the command line where
shells keep it; it is checked against Instantly (`GET /api/v2/accounts`) before it is stored,
encrypted, as the connection of the Sixty user `EMAIL` (an admin or the rep whose campaigns it
runs). A refused key is not stored: exit status 2 with the reason, no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cli.common import run_async, settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("instantly", help="connect the team's Instantly workspace")
    actions = p.add_subparsers(dest="instantly_command", metavar="ACTION")
    actions.required = True
    c = actions.add_parser("connect", help="store the workspace API key (read from stdin)")
    c.add_argument("email", help="the Sixty user the connection belongs to")
    c.add_argument("--workspace", default=None, help="a sub-workspace id (admin keys only)")
    p.set_defaults(handler=run)


async def _connect(
    settings: object, email: str, key: str, workspace: str | None
) -> dict[str, object]:
    from sqlmodel import select

    from cli.main import UsageError
    from connectors.instantly import InstantlyError, client_from_settings
    from connectors.instantly_connection import save_api_key
    from storage.crypto import settings_cipher
    from storage.engine import Database
    from storage.models import User

    url = settings.database_url  # type: ignore[attr-defined]
    db = Database(url)
    try:
        async with db.session() as s:
            user = (await s.exec(select(User).where(User.email == email.strip().lower()))).first()
        if user is None or user.id is None:
            raise UsageError(f"no Sixty user with the email {email!r}")
        client = client_from_settings(settings, key, workspace_id=workspace)
        try:
            accounts = await client.list_accounts()
        except InstantlyError as exc:
            raise UsageError(str(exc)) from None
        async with db.transaction() as s:
            await save_api_key(s, cipher=settings_cipher(settings), org_id=user.org_id,
                               user_id=user.id, api_key=key, workspace_id=workspace)  # fmt: skip
        return {"connected": email, "sending_accounts": len(accounts)}
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from storage.migrate import upgrade

    key = os.environ.get("INSTANTLY_API_KEY") or sys.stdin.readline()
    if not key.strip():
        raise UsageError("give the API key on standard input (or in INSTANTLY_API_KEY)")
    settings = settings_or_exit()
    upgrade(settings.database_url)
    print(json.dumps(run_async(_connect(settings, args.email, key.strip(), args.workspace))))
    return 0
