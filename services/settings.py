"""Applying a rep's validated settings, then telling listeners (cron rescheduling) they changed.

Saving settings also puts what the delivery rules hold back in line again
(`orchestrator.delivery.release_held`): a raised cap or shorter quiet hours release what now fits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from orchestrator.delivery import release_held
from skills.preferences import ValidatedPreferences
from storage.engine import Database
from storage.models import User
from storage.users import update_preferences

SettingsListener = Callable[[int], Awaitable[None]]


async def apply_preferences(
    db: Database, user: User, changes: ValidatedPreferences, listeners: Iterable[SettingsListener] = ()
) -> None:
    assert user.id is not None
    async with db.transaction() as s:
        row = await s.get(User, user.id)
        assert row is not None
        for key, value in changes.user.items():
            setattr(row, key, value)
        s.add(row)
        await update_preferences(s, user_id=user.id, changes=dict(changes.preferences))
        await release_held(await s.connection(), user.id)
    for listener in listeners:
        await listener(user.id)
