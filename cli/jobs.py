"""`sixty jobs`: list, show, retry and cancel orchestrator jobs in DATABASE_URL.

sixty jobs list [--status S] [--limit N] [--json]
sixty jobs show ID          steps, timings, redacted outputs, gates, effects, chain, email audit (JSON)
sixty jobs retry ID         a failed job runs again from the step that failed
sixty jobs cancel ID        a job that has not finished is cancelled
sixty jobs versions         each sequence version in this build or in use: unfinished jobs on it
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli.common import run_async, settings_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="orchestrator jobs: list, show, retry, cancel")
    jobs = p.add_subparsers(dest="jobs_command", metavar="ACTION")
    jobs.required = True
    from orchestrator.admin import STATUSES

    ls = jobs.add_parser("list", help="recent jobs, newest first")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(handler=run_list)
    vs = jobs.add_parser(
        "versions", help="sequence versions: in this build, unfinished jobs on each"
    )
    vs.add_argument("--json", action="store_true", help="one JSON object per line")
    vs.set_defaults(handler=run_versions)
    for name, fn, text in (
        ("show", run_show, "one job in detail (JSON)"),
        ("retry", run_retry, "run a failed job again from its failed step"),
        ("cancel", run_cancel, "cancel a job that has not finished"),
    ):
        sp = jobs.add_parser(name, help=text)
        sp.add_argument("id", type=int)
        sp.set_defaults(handler=fn)


def _db() -> Any:
    from storage.engine import Database

    return Database(settings_or_exit().database_url)


async def _with_db(fn: Any, *args: Any) -> Any:
    db = _db()
    try:
        return await fn(db, *args)
    finally:
        await db.dispose()


def run_list(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from orchestrator.admin import list_jobs

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    rows = run_async(_with_db(list_jobs, args.status, args.limit))
    if args.json:
        for r in rows:
            print(json.dumps(r, default=str))
        return 0
    if not rows:
        print("no jobs", file=sys.stderr)
        return 0
    print(f"{'ID':>6}  {'SEQUENCE':<24} {'STATUS':<18} {'STEP':>4} {'TRIES':>5}  REASON")
    for r in rows:
        reason = (r["reason"] or "")[:60]
        print(
            f"{r['id']:>6}  {r['sequence_type'][:24]:<24} {r['status']:<18} "
            f"{r['current_step']:>4} {r['attempts']:>5}  {reason}"
        )
    return 0


def run_versions(args: argparse.Namespace) -> int:
    from flows.registry import build_registry
    from orchestrator.admin import versions_in_use

    rows = run_async(_with_db(versions_in_use, build_registry()))
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    print(f"{'SEQUENCE':<28} {'VERSION':>7}  {'IN BUILD':<8}  {'UNFINISHED':>10}  WHEN CLAIMED")
    for r in rows:
        build = ("newest" if r["newest"] else "yes") if r["in_build"] else "MISSING"
        print(f"{r['sequence'][:28]:<28} {r['version']:>7}  {build:<8}  "
              f"{r['unfinished_jobs']:>10}  {r['when_claimed']}")  # fmt: skip
    if any(r["when_claimed"] == "fails" and r["unfinished_jobs"] for r in rows):
        print("jobs on a version this build dropped fail when claimed: register that version "
              "again, or let them finish on a build that has it", file=sys.stderr)  # fmt: skip
    if any(r["when_claimed"] == "waits" and r["unfinished_jobs"] for r in rows):
        print("jobs on a version this build lacks wait for a process that has it", file=sys.stderr)
    for r in rows:
        if r["in_build"] and not r["newest"] and not r["unfinished_jobs"]:
            print(f"{r['sequence']} v{r['version']} has no unfinished job: it may be removed",
                  file=sys.stderr)  # fmt: skip
    return 0


def run_show(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from orchestrator.admin import show_job

    detail = run_async(_with_db(show_job, args.id))
    if detail is None:
        raise UsageError(f"no job {args.id}")
    emails = run_async(_with_db(_email_sends, args.id))
    if emails:
        detail["email_sends"] = emails
    print(json.dumps(detail, indent=2, default=str))
    return 0


async def _email_sends(db: Any, job_id: int) -> list[dict[str, Any]]:
    """Emails this job approved or sent, each with its audit trail (storage/email_sends.py)."""
    from storage.email_sends import audit_for_jobs
    from storage.models import SequenceJob

    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        send_id = (job.trigger_payload or {}).get("send_id") if job is not None else None
        return await audit_for_jobs(s, [job_id], [int(send_id)] if isinstance(send_id, int) else [])


async def _status(db: Any, job_id: int) -> str | None:
    from storage.models import SequenceJob

    async with db.session() as s:
        job = await s.get(SequenceJob, job_id)
        return None if job is None else job.status


def _act(args: argparse.Namespace, action: str) -> int:
    from cli.main import UsageError
    from orchestrator.admin import cancel_job, retry_job

    fn = retry_job if action == "retry" else cancel_job

    async def go(db: Any) -> tuple[bool, str | None]:
        ok = await fn(db, args.id)
        return ok, await _status(db, args.id)

    ok, status = run_async(_with_db(go))
    if status is None:
        raise UsageError(f"no job {args.id}")
    if not ok:
        need = "failed" if action == "retry" else "pending, running or awaiting approval"
        raise UsageError(f"job {args.id} is {status}; {action} needs a job that is {need}")
    print(f"job {args.id}: {status}")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    return _act(args, "retry")


def run_cancel(args: argparse.Namespace) -> int:
    return _act(args, "cancel")
