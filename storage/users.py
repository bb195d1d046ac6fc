"""Repository for orgs, users, preferences and connections (the caller owns the session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Connection,
    Org,
    OrgSettings,
    SlackNotificationSent,
    SlackPendingAction,
    User,
    UserPreferences,
)
from storage.rows import saved_id

PROVIDERS = ("google", "microsoft", "hubspot", "instantly")


@dataclass(frozen=True)
class SlackProfile:
    """What Slack tells us about a user we have not met yet (from `users.info`)."""

    slack_user_id: str
    team_id: str
    name: str
    email: str
    timezone: str
    is_admin: bool = False


async def user_by_slack_id(session: AsyncSession, *, slack_user_id: str) -> User | None:
    return (await session.exec(select(User).where(User.slack_user_id == slack_user_id))).first()


async def user_by_email(session: AsyncSession, *, org_id: int, email: str) -> User | None:
    """The org's user with this address (any case)."""
    rows = await session.exec(select(User).where(User.org_id == org_id))
    return next((u for u in rows.all() if (u.email or "").lower() == email.lower()), None)


async def user_names(session: AsyncSession, *, org_id: int) -> dict[int, str]:
    """{user id: name} for everyone in the org (deal lists say whose each deal is)."""
    rows = (await session.exec(select(User.id, User.name).where(User.org_id == org_id))).all()
    return {uid: name for uid, name in rows if uid is not None}


async def get_org(session: AsyncSession, *, org_id: int) -> Org | None:
    return await session.get(Org, org_id)


async def org_for_team(session: AsyncSession, *, team_id: str) -> Org | None:
    return (await session.exec(select(Org).where(Org.slack_team_id == team_id))).first()


async def ensure_user(session: AsyncSession, *, profile: SlackProfile) -> User:
    """Find the user, or onboard them (and their org on first contact) from a Slack profile."""
    user = await user_by_slack_id(session, slack_user_id=profile.slack_user_id)
    if user is not None:
        return user
    org = await org_for_team(session, team_id=profile.team_id)
    if org is None:
        org = Org(name=profile.team_id, slack_team_id=profile.team_id, timezone=profile.timezone)
        session.add(org)
        await session.flush()
        session.add(OrgSettings(org_id=saved_id(org)))
    user = User(
        org_id=saved_id(org),
        slack_user_id=profile.slack_user_id,
        email=profile.email,
        name=profile.name,
        timezone=profile.timezone,
        role="admin" if profile.is_admin else "rep",
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # another request onboarded them first
        await session.rollback()
        found = await user_by_slack_id(session, slack_user_id=profile.slack_user_id)
        assert found is not None
        return found
    session.add(UserPreferences(user_id=saved_id(user)))
    await session.flush()
    return user


async def preferences(session: AsyncSession, *, user_id: int) -> UserPreferences:
    prefs = await session.get(UserPreferences, user_id)
    if prefs is None:
        prefs = UserPreferences(user_id=user_id)
        session.add(prefs)
        await session.flush()
    return prefs


async def org_settings(session: AsyncSession, *, org_id: int) -> OrgSettings:
    row = await session.get(OrgSettings, org_id)
    if row is None:
        row = OrgSettings(org_id=org_id)
        session.add(row)
        await session.flush()
    return row


async def connections(session: AsyncSession, *, user_id: int) -> dict[str, Connection]:
    rows = (await session.exec(select(Connection).where(Connection.user_id == user_id))).all()
    return {c.provider: c for c in rows}


async def pending_actions_for(
    session: AsyncSession, *, user_id: int, limit: int = 20
) -> list[SlackPendingAction]:
    rows = await session.exec(
        select(SlackPendingAction)
        .where(SlackPendingAction.owner_user_id == user_id, SlackPendingAction.status == "pending")
        .order_by(col(SlackPendingAction.created_at).desc())
        .limit(limit)
    )
    return list(rows.all())


async def was_told(session: AsyncSession, *, user_id: int, kind: str) -> bool:
    """Whether a notification of `kind` was ever delivered to the user."""
    row = (await session.exec(select(SlackNotificationSent.id).where(
        SlackNotificationSent.user_id == user_id, SlackNotificationSent.kind == kind,
        SlackNotificationSent.status == "delivered"))).first()  # fmt: skip
    return row is not None


async def update_preferences(
    session: AsyncSession, *, user_id: int, changes: dict[str, Any]
) -> UserPreferences:
    prefs = await preferences(session, user_id=user_id)
    for key, value in changes.items():
        if not hasattr(prefs, key):
            raise KeyError(key)
        setattr(prefs, key, value)
    session.add(prefs)
    await session.flush()
    return prefs
