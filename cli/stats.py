"""`sixty stats`: Sixty's own success numbers for an org, org-wide and per user (admins).

sixty stats [--org ID] [--days N] [--json]

`--org` defaults to the only org in DATABASE_URL (with several, it is required); `--days` (1 to
365, default 7) is the window before now. `--json` prints one object: `{org, days, since, until,
total, reps: [{user_id, name, role, figures}], definitions}`; without it, one line per user.
What each figure counts: `skills.success_metrics`. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any, NoReturn

from cli.common import run_async, settings_or_exit

MAX_DAYS = 365


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="Sixty's own success numbers for an org, per user (admins)")
    p.add_argument("--org", help="the org's id (default: the only org)")
    p.add_argument("--days", default="7", help="the window before now, in days (default 7)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")

    def error(message: str) -> NoReturn:  # one clear line, not argparse's usage block
        print(f"sixty stats: {message}", file=sys.stderr)
        raise SystemExit(2)

    p.error = error
    p.set_defaults(handler=run_stats)


def _whole(value: str, name: str, low: int, high: int) -> int:
    from cli.main import UsageError

    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise UsageError(f"{name} must be a whole number from {low} to {high} (got {value!r})")
    return int(text)


async def _collect(url: str, org: int | None, days: int, now: datetime) -> dict[str, Any]:
    from sqlmodel import select

    from cli.main import UsageError
    from skills.success_metrics import DEFINITIONS
    from storage import success_stats
    from storage.engine import Database
    from storage.models import Org, User

    db = Database(url)
    try:
        async with db.session() as s:
            orgs = list((await s.exec(select(Org).order_by(Org.id))).all())  # type: ignore[arg-type]
            if org is None:
                if not orgs:
                    raise UsageError("there is no org in the database")
                if len(orgs) > 1:
                    ids = ", ".join(str(o.id) for o in orgs)
                    raise UsageError(f"there are several orgs: pass --org ID (one of {ids})")
                chosen = orgs[0]
            else:
                found = [o for o in orgs if o.id == org]
                if not found:
                    raise UsageError(f"no org with id {org}")
                chosen = found[0]
            assert chosen.id is not None
            people = await success_stats.org_people(s, org_id=chosen.id)
            team = await success_stats.people_stats(s, people=people, now=now, days=days)
            roles = {
                u.id: u.role
                for u in (await s.exec(select(User).where(User.org_id == chosen.id))).all()
            }
    finally:
        await db.dispose()
    since, until = success_stats.window(now, days)
    return {
        "org": {"id": chosen.id, "name": chosen.name},
        "days": days,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "total": asdict(team.total),
        "reps": [
            {
                "user_id": r.user_id,
                "name": r.name,
                "role": roles.get(r.user_id),
                "figures": asdict(r.figures),
            }
            for r in team.reps
        ],
        "definitions": DEFINITIONS,
    }


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{round(v * 100)}%"


def _line(name: str, f: dict[str, Any]) -> str:
    return (
        f"{name[:24]:<24} meetings {f['meetings']:>4}  follow-up<=10min "
        f"{_pct(f['follow_up_within_10min_rate']):>5}  briefs on time {_pct(f['brief_on_time_rate']):>5}  "
        f"CRM complete {_pct(f['crm_complete_rate']):>5}  accepted {_pct(f['acceptance_rate']):>5}  "
        f"dismissed {_pct(f['dismissal_rate']):>5}{' !' if f['dismissal_alert'] else ''}"
    )


def run_stats(args: argparse.Namespace) -> int:
    days = _whole(args.days, "--days", 1, MAX_DAYS)
    org = _whole(args.org, "--org", 1, 2**31 - 1) if args.org is not None else None
    url = settings_or_exit().database_url
    out = run_async(_collect(url, org, days, args.clock()))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['org']['name']}: last {days} days ({out['since']} to {out['until']})")
    for r in out["reps"]:
        print(_line(r["name"], r["figures"]))
    print(_line("TOTAL", out["total"]))
    return 0
