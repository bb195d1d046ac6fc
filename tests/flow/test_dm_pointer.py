"""Issue 11, 2.12: a plain DM gets a pointer to `/60 help` and what is waiting, once per lull
(not again within 30 minutes of the last pointer), on the injected clock; two messages handled at
once make one pointer; the pointer never counts toward the proactive cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from services.dm_pointer import claim_pointer
from storage.engine import Database
from storage.models import SequenceJob, SlackNotificationSent, SlackPendingAction, User
from tests.support.sequences import seed_org

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def _user(db: Database) -> User:
    _, [user_id, _] = await seed_org(db)
    async with db.session() as s:
        user = await s.get(User, user_id)
    assert user is not None
    return user


async def _waiting(db: Database, user: User, n: int, key: str = "a") -> None:
    """`n` approvals waiting for the rep (open gates of jobs awaiting approval)."""
    async with db.transaction() as s:
        for i in range(n):
            job = SequenceJob(org_id=user.org_id, user_id=user.id, sequence_type="x", event_type="x",
                              event_source="test", idempotency_key=f"x:{key}:{i}", status="awaiting_approval")  # fmt: skip
            s.add(job)
            await s.flush()
            s.add(SlackPendingAction(job_id=job.id or 0, org_id=user.org_id, owner_user_id=user.id or 0,
                                     step_name="gate", kind="email_send", payload={},
                                     expires_at=T0 + timedelta(days=2)))  # fmt: skip


async def test_pointer_once_per_lull_with_what_is_waiting(db: Database) -> None:
    user = await _user(db)
    first = await claim_pointer(db, user, T0)
    assert first is not None and "`/60 help`" in first and "Nothing is waiting" in first
    # the rep keeps typing: silence until 30 minutes after the last pointer
    for minutes in (0, 1, 10, 29):
        assert await claim_pointer(db, user, T0 + timedelta(minutes=minutes)) is None
    await _waiting(db, user, 2)
    later = await claim_pointer(db, user, T0 + timedelta(minutes=31))
    assert later is not None and "You have 2 approvals waiting" in later
    assert await claim_pointer(db, user, T0 + timedelta(minutes=45)) is None
    await _waiting(db, user, 1, key="b")
    again = await claim_pointer(db, user, T0 + timedelta(minutes=62))
    assert again is not None and "You have 3 approvals waiting" in again


async def test_one_approval_reads_singular_and_messages_at_once_make_one_pointer(
    db: Database,
) -> None:
    user = await _user(db)
    await _waiting(db, user, 1)
    answers = await asyncio.gather(
        *(claim_pointer(db, user, T0) for _ in range(5)), return_exceptions=True
    )
    texts = [a for a in answers if isinstance(a, str)]
    assert len(texts) == 1 and "You have 1 approval waiting" in texts[0], answers
    assert all(a is None or isinstance(a, str) for a in answers), answers
    async with db.session() as s:
        rows = (await s.exec(select(SlackNotificationSent))).all()
    # recorded as an answer to the rep, never as a delivered proactive message (the hourly cap)
    assert [(r.kind, r.status) for r in rows] == [("dm_pointer", "reply")]
