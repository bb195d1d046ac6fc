"""No-op and test sequences, plus a recording `Delivery`, for tests, benches and demos.

`noop_registry()` holds `noop7` (seven no-op steps, the bench sequence). `RecordingDelivery`
implements `connectors.slack.Delivery` in memory: every call is appended to `calls` and
messages get increasing timestamps, so tests can assert what would have been sent to Slack.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from connectors.slack import Posted
from orchestrator.context import StepContext
from orchestrator.sequence import SequenceDef, SequenceRegistry, sequence
from orchestrator.workflow import Workflow

NOOP_STEPS = 7


async def noop(ctx: StepContext) -> None:
    return None


def noop_sequence(name: str = "noop7", steps: int = NOOP_STEPS, version: int = 1) -> SequenceDef:
    """`steps` steps that do nothing, named s0, s1, ..."""

    @sequence(name, version=version)
    async def run(wf: Workflow) -> None:
        for i in range(steps):
            await wf.step(noop, name=f"s{i}")

    return run


def noop_registry() -> SequenceRegistry:
    return SequenceRegistry([noop_sequence()])


@dataclass
class RecordingDelivery:
    """An in-memory Slack: records calls, returns channel/ts like chat.postMessage would."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ts: Any = field(default_factory=lambda: itertools.count(1))

    async def open_dm(self, slack_user_id: str) -> str:
        self.calls.append(("conversations.open", {"users": slack_user_id}))
        return f"D{slack_user_id}"

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        key: str | None = None,
    ) -> Posted:
        ts = f"1700000000.{next(self._ts):06d}"
        call = {"channel": channel, "text": text, "blocks": blocks, "ts": ts, "key": key}
        self.calls.append(("chat.postMessage", call))
        return Posted(channel, ts)

    async def find_posted(self, channel: str, key: str) -> Posted | None:
        self.calls.append(("conversations.history", {"channel": channel}))
        for method, call in reversed(self.calls):
            if method == "chat.postMessage" and call["channel"] == channel and call["key"] == key:
                return Posted(channel, call["ts"])
        return None

    async def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> Posted:
        self.calls.append(
            ("chat.update", {"channel": channel, "ts": ts, "text": text, "blocks": blocks})
        )
        return Posted(channel, ts)

    async def post_ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> Posted:
        self.calls.append(("chat.postEphemeral", {"channel": channel, "user": user, "text": text}))
        return Posted(channel, "")

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]


async def seed_org(
    db: Any,
    *,
    users: int = 2,
    timezone: str = "UTC",
    quiet: tuple[str, str] | None = None,
    max_per_hour: int = 10,
    budget_usd: float = 50.0,
    admin: bool = True,
) -> tuple[int, list[int]]:
    """An org with `users` users (Slack ids U1, U2, ...; the first is an admin when `admin`),
    preferences without quiet hours unless `quiet=("19:00", "07:00")` is given."""
    from datetime import time

    from storage.models import Org, OrgSettings, User, UserPreferences

    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(OrgSettings(org_id=org.id, ai_budget_usd_month=budget_usd))
        ids: list[int] = []
        for i in range(users):
            u = User(
                org_id=org.id,
                slack_user_id=f"U{i + 1}",
                email=f"rep{i + 1}@example.com",
                name=f"Rep {i + 1}",
                timezone=timezone,
                role="admin" if admin and i == 0 else "rep",
            )
            s.add(u)
            await s.flush()
            assert u.id is not None
            ids.append(u.id)
            s.add(
                UserPreferences(
                    user_id=u.id,
                    quiet_hours_start=time.fromisoformat(quiet[0]) if quiet else None,
                    quiet_hours_end=time.fromisoformat(quiet[1]) if quiet else None,
                    max_notifications_per_hour=max_per_hour,
                )
            )
        if not quiet:  # the column default would otherwise fill in 19:00-07:00
            from sqlalchemy import update

            await s.flush()
            await s.execute(
                update(UserPreferences)
                .where(UserPreferences.user_id.in_(ids))  # type: ignore[attr-defined]
                .values(quiet_hours_start=None, quiet_hours_end=None)
            )
        return org.id, ids


_PG_CREATED: dict[str, str] = {}


def fresh_pg_database(name: str, admin_url: str | None = None, *, reuse: bool = False) -> str:
    """Create (or recreate) a migrated PostgreSQL database `name`; returns its URL.

    The orchestrator tests use their own database names so that parallel runs elsewhere on
    the same server cannot drop the database under them; with `reuse`, a database this process
    already created is handed back as is (tests empty it with `tests.conftest.truncate_pg`).
    """
    import os

    if reuse and name in _PG_CREATED:
        return _PG_CREATED[name]

    import psycopg

    from storage.migrate import upgrade

    admin = admin_url or os.environ.get(
        "SIXTY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin.rsplit('/', 1)[0]}/{name}"
    upgrade(url)
    _PG_CREATED[name] = url
    return url


_TEMPLATE: dict[str, str] = {}


def sqlite_copy(dest_dir: Any) -> str:
    """A migrated SQLite database in `dest_dir`, copied from a per-process template (fast)."""
    import shutil
    import tempfile
    from pathlib import Path

    from storage.migrate import upgrade

    if "path" not in _TEMPLATE:
        tdir = Path(tempfile.mkdtemp(prefix="sixty-orch-template-"))
        template = tdir / "template.db"
        upgrade(f"sqlite:///{template}")
        _TEMPLATE["path"] = str(template)
    dest = Path(dest_dir) / "sixty.db"
    shutil.copyfile(_TEMPLATE["path"], dest)
    return f"sqlite:///{dest}"


async def job_row(db: Any, job_id: int) -> Any:
    """The job's `sequence_jobs` row (it must exist)."""
    from storage.models import SequenceJob

    async with db.session() as s:
        j = await s.get(SequenceJob, job_id)
        assert j is not None
        return j


async def gates_of(db: Any, job_id: int) -> dict[str, Any]:
    """The job's pending-action rows by gate name."""
    from sqlalchemy import select

    from storage.models import SlackPendingAction

    async with db.session() as s:
        rows = (
            await s.execute(select(SlackPendingAction).where(SlackPendingAction.job_id == job_id))
        ).scalars()
        return {r.step_name: r for r in rows}
