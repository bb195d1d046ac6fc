"""`sixty db upgrade|downgrade`: apply Alembic migrations to DATABASE_URL."""

from __future__ import annotations

import argparse
import sys

from cli.common import settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database migrations")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("revision", nargs="?", default=None)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from storage.crypto import load_key
    from storage.migrate import downgrade, upgrade

    settings = settings_or_exit()
    key = lambda: load_key(settings.encryption_key, settings.data_dir)  # noqa: E731  (sealed secrets)
    if args.action == "upgrade":
        upgrade(settings.database_url, args.revision or "head", secret_key=key)
        print("database is up to date", file=sys.stderr)
    else:
        downgrade(settings.database_url, args.revision or "base", secret_key=key)
    return 0
