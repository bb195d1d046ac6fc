"""`sixty hubspot connect --service-key EMAIL` and `sixty crm fields | import | sync`.

- `sixty hubspot connect --service-key EMAIL`: the key is read from standard input (or
  `HUBSPOT_SERVICE_KEY`), never from the command line; it is verified against HubSpot (the
  account details name the portal) before it is stored sealed as the connection of EMAIL's
  org. A refused key is not stored: exit status 2 with the reason.
- `sixty crm fields [--org ID]`: the field map, one owner per field, with the org's overrides.
- `sixty crm import [--org ID]`: import (or re-import) the portal; prints the counts as JSON.
- `sixty crm sync --dry-run [--org ID]`: the diff a sync would apply in both directions,
  writing nothing. `sixty crm sync` (no --dry-run) polls the Webhooks Journal and applies the
  HubSpot-owned changes (the replay path after an outage, or when there is no public URL).
`--org` may be left out when exactly one org has an active HubSpot connection.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from cli.common import run_async, settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("hubspot", help="connect the workspace's HubSpot portal")
    hs = h.add_subparsers(dest="hubspot_command", metavar="ACTION")
    hs.required = True
    c = hs.add_parser("connect", help="store a HubSpot service key (read from stdin)")
    c.add_argument("email", help="the Sixty admin connecting it")
    c.add_argument("--service-key", action="store_true", required=True,
                   help="connect with a service key / private app token read from stdin")  # fmt: skip
    h.set_defaults(handler=run_hubspot)

    p = sub.add_parser("crm", help="the HubSpot sync: field map, import, dry-run diff")
    cs = p.add_subparsers(dest="crm_command", metavar="ACTION")
    cs.required = True
    f = cs.add_parser("fields", help="show the field map and who owns each field")
    f.add_argument("--org", type=int, default=None)
    i = cs.add_parser("import", help="import the connected HubSpot portal")
    i.add_argument("--org", type=int, default=None)
    s = cs.add_parser(
        "sync", help="apply HubSpot's changes (journal), or --dry-run to print the diff"
    )
    s.add_argument("--org", type=int, default=None)
    s.add_argument("--dry-run", action="store_true", help="print the diff both ways, write nothing")
    p.set_defaults(handler=run_crm)


async def _org_id(db: Any, org: int | None) -> int:
    from cli.main import UsageError
    from storage import hubspot

    async with db.session() as s:
        if org is not None:
            row = await hubspot.get_connection(s, org)
            if row is None or row.status != hubspot.ACTIVE:
                raise UsageError(f"org {org} has no active HubSpot connection")
            return org
        rows = await hubspot.active_connections(s)
    if len(rows) != 1:
        raise UsageError("give --org: " + ("no org has an active HubSpot connection" if not rows
                                           else f"{len(rows)} orgs have HubSpot connected"))  # fmt: skip
    return rows[0].org_id


async def _connect(settings: Any, email: str, key: str, clock: Any) -> dict[str, Any]:
    from sqlmodel import select

    from cli.main import UsageError
    from connectors.hubspot import HubSpotError
    from flows.crm_sync.connection import NotConnected, connect_service_key
    from storage.crypto import settings_cipher
    from storage.engine import Database
    from storage.models import User

    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            user = (await s.exec(select(User).where(User.email == email.strip().lower()))).first()
        if user is None or user.id is None:
            raise UsageError(f"no Sixty user with the email {email!r}")
        if user.role != "admin":
            raise UsageError(f"{email} is not an admin: only an admin connects HubSpot")
        try:
            row = await connect_service_key(db, settings, settings_cipher(settings),
                                            org_id=user.org_id, key=key, connected_by=user.id,
                                            now=clock())  # fmt: skip
        except (HubSpotError, NotConnected) as exc:
            raise UsageError(f"HubSpot refused the key: {exc}") from None
        return {"connected": True, "org_id": row.org_id, "portal_id": row.portal_id,
                "next": "sixty crm import"}  # fmt: skip
    finally:
        await db.dispose()


def run_hubspot(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from storage.migrate import upgrade

    key = os.environ.get("HUBSPOT_SERVICE_KEY") or sys.stdin.readline()
    if not key.strip():
        raise UsageError("give the service key on standard input (or in HUBSPOT_SERVICE_KEY)")
    settings = settings_or_exit()
    upgrade(settings.database_url)
    print(json.dumps(run_async(_connect(settings, args.email, key.strip(), args.clock))))
    return 0


async def _crm(settings: Any, args: argparse.Namespace) -> list[str]:
    from connectors.hubspot import HubSpotError
    from flows.crm_sync.connection import client_for_org
    from flows.crm_sync.dry_run import dry_run, format_diff
    from flows.crm_sync.import_portal import import_portal
    from flows.crm_sync.inbound import poll_journal
    from skills.crm_field_map import describe
    from storage import hubspot
    from storage.crypto import settings_cipher
    from storage.engine import Database

    db = Database(settings.database_url)
    try:
        if args.crm_command == "fields":
            overrides: dict[str, str] = {}
            if args.org is not None:
                async with db.session() as s:
                    overrides = hubspot.sync_settings(await hubspot.get_connection(s, args.org))[
                        "field_map"]  # fmt: skip
            return describe(overrides)
        org_id = await _org_id(db, args.org)
        client = await client_for_org(db, settings, settings_cipher(settings), org_id)
        try:
            if args.crm_command == "import":
                got = await import_portal(db, client, org_id, clock=args.clock)
                return [json.dumps({"org_id": org_id, "done": got.done, "created": got.created,
                                    "owners_mapped": got.owners_mapped,
                                    "owners_total": got.owners_total})]  # fmt: skip
            if args.dry_run:
                return format_diff(await dry_run(db, client, org_id))
            polled = await poll_journal(db, client, org_id, clock=args.clock)
            return [json.dumps({"org_id": org_id, "received": polled.received,
                                "duplicates": polled.duplicates, "applied": polled.applied})]  # fmt: skip
        except HubSpotError as exc:
            from cli.main import UsageError

            raise UsageError(f"HubSpot: {exc}") from None
    finally:
        await db.dispose()


def run_crm(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    settings = settings_or_exit()
    upgrade(settings.database_url)
    for line in run_async(_crm(settings, args)):
        print(line)
    return 0
