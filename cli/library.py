"""`sixty library import DIR`: replace an org's proposal library with a folder's (one
transaction), or say which file and line is wrong (exit status 2, no traceback)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.common import run_async, settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("library", help="the proposal library")
    p.add_argument("action", choices=["import"])
    p.add_argument("dir", help="the library folder (price_book.yaml, templates/, ...)")
    p.add_argument(
        "--org",
        default=None,
        help="the org's Slack team id (default: the only org, or the demo org)",
    )
    p.set_defaults(handler=run)


async def _import(url: str, folder: object, team: str | None) -> dict[str, object]:
    from sqlmodel import select

    from cli.main import UsageError
    from storage.demo import DEMO_TEAM_ID
    from storage.engine import Database
    from storage.library import import_library
    from storage.library_files import LibraryFolder
    from storage.models import Org

    assert isinstance(folder, LibraryFolder)
    db = Database(url)
    try:
        async with db.transaction() as s:
            orgs = list((await s.exec(select(Org))).all())
            if team is not None:
                chosen = [o for o in orgs if o.slack_team_id == team]
            elif len(orgs) == 1:
                chosen = orgs
            else:
                chosen = [o for o in orgs if o.slack_team_id == DEMO_TEAM_ID]
            if len(chosen) != 1 or chosen[0].id is None:
                if team:
                    raise UsageError(f"no org with Slack team id {team!r}")
                if not orgs:
                    raise UsageError("no org yet: install the app or run `sixty demo seed` first")
                raise UsageError("several orgs: name one with --org TEAM_ID")
            counts = await import_library(s, chosen[0].id, folder)
        return {
            "org": chosen[0].slack_team_id,
            "templates": counts.templates,
            "price_items": counts.price_items,
            "case_studies": counts.case_studies,
            "content": counts.content,
            "discount_limit": str(counts.discount_limit),
        }
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from storage.library_files import LibraryError, read_library_folder
    from storage.migrate import upgrade

    try:
        folder = read_library_folder(Path(args.dir))
    except LibraryError as exc:
        raise UsageError(str(exc)) from None
    settings = settings_or_exit()
    upgrade(settings.database_url)
    print(json.dumps(run_async(_import(settings.database_url, folder, args.org))))
    return 0
