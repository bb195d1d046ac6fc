"""Bolt middleware: hand listeners their `Deps`, drop redelivered events, resolve the acting user.

`ProvideDeps` puts the app's `Deps` in `context["deps"]`; Bolt passes context values to listener
parameters of the same name, so every handler is a module-level function taking `deps: Deps`
(tests call it with their own).

Slack redelivers an event when an ack is late (Socket Mode too); `event_id` is recorded in
`slack_events_seen` and a second delivery is acked and dropped. The actor (our `User` row)
is loaded lazily through `context["actor"]` (an `Actor`), onboarding users we have not met
from `users.info`, so that acks never wait on the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from storage.models import User
from storage.slack_events import forget_events_before, record_event
from storage.users import SlackProfile, ensure_user, user_by_slack_id

log = logging.getLogger(__name__)


class ProvideDeps(AsyncMiddleware):
    """`context["deps"]`: what every listener is given (settings, database, orchestrator, clock)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        req.context["deps"] = self.deps
        return await next()


class DropDuplicateEvents(AsyncMiddleware):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if not event_id:
            return await next()
        try:
            async with self.deps.db.transaction() as s:
                record_event(s, event_id=event_id, now=self.deps.clock())
        except IntegrityError:
            log.info(
                "duplicate slack event dropped",
                extra={"event_id": event_id, "retry_attempt": req.body.get("retry_attempt")},
            )
            return await req.context.ack()
        return await next()


async def forget_old_events(deps: Deps, older_than: timedelta = timedelta(days=2)) -> int:
    """Housekeeping cron: Slack never redelivers after a few minutes."""
    async with deps.db.transaction() as s:
        return await forget_events_before(s, cutoff=deps.clock() - older_than)


class Actor:
    """The acting user, loaded on first use (after the ack, so no ack ever waits on the DB)."""

    def __init__(
        self, deps: Deps, client: AsyncWebClient | None, user_id: str, team_id: str
    ) -> None:
        self.deps, self.client, self.slack_user_id, self.team_id = deps, client, user_id, team_id
        self._user: User | None = None
        self._loaded = False

    async def get(self) -> User | None:
        if not self._loaded:
            self._user = await self._load()
            self._loaded = True
        return self._user

    async def _load(self) -> User | None:
        async with self.deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=self.slack_user_id)
        if user is not None or self.client is None:
            return user
        try:
            info = await self.client.users_info(user=self.slack_user_id)
        except SlackApiError as exc:
            log.warning("users.info failed", extra={"error": exc.response.get("error")})
            return None
        u = info["user"]
        profile = SlackProfile(
            slack_user_id=self.slack_user_id,
            team_id=self.team_id or u.get("team_id", ""),
            name=u.get("real_name") or u.get("name") or self.slack_user_id,
            email=(u.get("profile") or {}).get("email") or f"{self.slack_user_id}@unknown.invalid",
            timezone=u.get("tz") or "UTC",
            is_admin=bool(u.get("is_admin")),
        )
        async with self.deps.db.transaction() as s:
            return await ensure_user(s, profile=profile)


class ResolveActor(AsyncMiddleware):
    """Puts an `Actor` in `context["actor"]`; listeners `await context["actor"].get()` after ack."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        if req.context.user_id:
            req.context["actor"] = Actor(
                self.deps, req.context.client, req.context.user_id, req.context.team_id or ""
            )
        return await next()


async def actor_of(context: dict[str, Any]) -> User | None:
    """The acting user of a request (None when Slack could not tell us who they are)."""
    actor = context.get("actor")
    return await actor.get() if isinstance(actor, Actor) else None
