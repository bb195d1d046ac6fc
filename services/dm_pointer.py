"""A plain DM to the bot ("help", "hello") gets a short pointer: how to ask (`/60 help`) and
what is waiting for the rep. Once per conversation lull: not again within `LULL` of the last
pointer, whatever the rep writes in between.

The last pointer is a `slack_notifications_sent` row of kind `dm_pointer` (status `reply`: an
answer to the rep, so it never counts toward the proactive cap). Its dedupe key names the
pointer before it, so two messages handled at once (two processes) make one pointer: the second
insert hits the unique key and stays quiet. Time comes from the caller's clock (`Deps.clock`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from blocks.text import plural
from storage.engine import Database
from storage.models import SlackNotificationSent, SlackPendingAction, User

log = logging.getLogger(__name__)

KIND = "dm_pointer"
LULL = timedelta(minutes=30)


def pointer_text(waiting: int) -> str:
    """What the rep reads: how to ask, and what is waiting."""
    ask = "I work through buttons and `/60` commands rather than chat: `/60 help` lists what I can do."
    if waiting:
        return (f"{ask}\nYou have {plural(waiting, 'approval')} waiting: see the messages above "
                "or my Home tab.")  # fmt: skip
    return f"{ask}\nNothing is waiting for you right now."


async def claim_pointer(db: Database, user: User, now: datetime) -> str | None:
    """The pointer to post now, or None when one went out less than `LULL` ago (or another
    process just claimed it). The claim is recorded before posting, so it is never sent twice."""
    assert user.id is not None
    n = SlackNotificationSent
    try:
        async with db.transaction() as s:
            last = (await s.exec(select(n).where(n.user_id == user.id, n.kind == KIND)
                                 .order_by(col(n.sent_at).desc(), col(n.id).desc()).limit(1))).first()  # fmt: skip
            if last is not None and now - last.sent_at < LULL:
                return None
            waiting = (await s.exec(select(func.count()).select_from(SlackPendingAction).where(
                SlackPendingAction.owner_user_id == user.id, SlackPendingAction.status == "pending"))).one()  # fmt: skip
            s.add(n(org_id=user.org_id, user_id=user.id, kind=KIND, status="reply", sent_at=now,
                    dedupe_key=f"{KIND}:{user.id}:after:{last.id if last else 0}"))  # fmt: skip
    except IntegrityError:
        log.info("dm pointer already claimed", extra={"user_id": user.id})
        return None
    return pointer_text(int(waiting))
