"""The sandbox workspace's state: team, users, IM channels, messages, ephemerals, views.

Plain in-memory data with Slack-shaped dicts, so what the Web API answers and what the page
renders come from one place. Nothing here does I/O; `Workspace.touch` is the one hook the
server uses to wake waiters after every change.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def new_id(prefix: str, length: int = 10) -> str:
    """A Slack-looking id: prefix + upper-case letters and digits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class SandboxUser:
    """A member of the sandbox team."""

    name: str
    real_name: str = ""
    email: str = ""
    tz: str = "UTC"
    is_admin: bool = False
    is_bot: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = new_id("U")
        if not self.real_name:
            self.real_name = self.name
        if not self.email and not self.is_bot:
            self.email = f"{self.name}@example.com"

    @classmethod
    def coerce(cls, value: SandboxUser | dict[str, Any]) -> SandboxUser:
        if isinstance(value, SandboxUser):
            return value
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_slack(self, team_id: str, bot_id: str | None = None) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        if bot_id:
            profile["bot_id"] = bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": _tz_offset(self.tz),
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": profile,
        }


def _tz_offset(tz: str) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except Exception:  # unknown zone names are reported as UTC, as Slack does for bad profiles
        return 0
    return int(offset.total_seconds()) if offset else 0


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url (or a slash command's ack payload) lands."""

    user_id: str
    channel: str
    message_ts: str | None = None
    is_ephemeral: bool = False
    uses: int = 0
    issued_at: float = field(default_factory=time.monotonic)


class Workspace:
    """Team, users, channels and surfaces; every mutation ends with `touch()`."""

    def __init__(self, team_name: str, on_change: Callable[[], None] | None = None) -> None:
        self.team_id = new_id("T", 8)
        self.team_name = team_name
        self.team_domain = "".join(c for c in team_name.lower() if c.isalnum()) or "sandbox"
        self.app_id = new_id("A")
        self.bot_id = new_id("B")
        self.bot_user = SandboxUser(name="sixty", real_name="Sixty", is_bot=True)
        self.users: dict[str, SandboxUser] = {self.bot_user.id: self.bot_user}
        self.ims: dict[str, str] = {}
        self.im_owner: dict[str, str] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.view_errors: dict[str, dict[str, str]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.version = 0
        self._on_change = on_change
        self._last_us = 0
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------ change hook
    def touch(self) -> None:
        self.version += 1
        if self._on_change is not None:
            self._on_change()

    # ------------------------------------------------------------------ ids and clocks
    def next_ts(self) -> str:
        """A message ts ("seconds.micros"), strictly increasing: Slack's key for a message."""
        now_us = max(time.time_ns() // 1000, self._last_us + 1)
        self._last_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def new_trigger(self, user_id: str) -> str:
        trigger_id = f"{next(self._seq)}.{int(time.time())}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(user_id=user_id, issued_at=time.monotonic())
        return trigger_id

    # ------------------------------------------------------------------ users and IMs
    def add_user(self, user: SandboxUser) -> SandboxUser:
        self.users[user.id] = user
        self.im_for(user.id)
        self.touch()
        return user

    def humans(self) -> list[SandboxUser]:
        return [u for u in self.users.values() if not u.is_bot]

    def user_by_email(self, email: str) -> SandboxUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def im_for(self, user_id: str) -> str:
        """The bot's IM channel with a user, created on first use."""
        if user_id not in self.ims:
            channel = new_id("D")
            self.ims[user_id] = channel
            self.im_owner[channel] = user_id
            self.messages[channel] = []
        return self.ims[user_id]

    def resolve_channel(self, channel: str) -> str | None:
        """A channel id from a channel or user id (posting to a user id means its IM)."""
        if channel in self.messages:
            return channel
        if channel in self.users and not self.users[channel].is_bot:
            return self.im_for(channel)
        return None

    # ------------------------------------------------------------------ messages
    def post(
        self, channel: str, *, text: str, blocks: list[Any] | None, user: str, bot: bool
    ) -> dict[str, Any]:
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "ts": ts,
            "user": user,
            "text": text,
            "team": self.team_id,
        }
        if blocks:
            message["blocks"] = blocks
        if bot:
            message["bot_id"] = self.bot_id
            message["app_id"] = self.app_id
        self.messages[channel].append(message)
        self.touch()
        return message

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def delete_message(self, channel: str, ts: str) -> bool:
        before = len(self.messages.get(channel, []))
        self.messages[channel] = [m for m in self.messages.get(channel, []) if m["ts"] != ts]
        changed = len(self.messages[channel]) != before
        if changed:
            self.touch()
        return changed

    def post_ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[Any] | None, by: str = "bot"
    ) -> dict[str, Any]:
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "ephemeral",
            "channel": channel,
            "ts": ts,
            "to": user_id,
            "text": text,
            "from": by,
        }
        if blocks:
            message["blocks"] = blocks
        if by == "bot":
            message["bot_id"] = self.bot_id
            message["user"] = self.bot_user.id
        self.ephemerals.setdefault(user_id, []).append(message)
        self.touch()
        return message

    def find_ephemeral(self, user_id: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.ephemerals.get(user_id, []) if m["ts"] == ts), None)

    # ------------------------------------------------------------------ views
    def store_view(
        self, user_id: str, view: dict[str, Any], *, view_id: str | None = None
    ) -> dict[str, Any]:
        """Create or replace a view, keeping its id and state, with a fresh hash."""
        view_id = view_id or new_id("V")
        previous = self.views.get(view_id)
        stored = copy.deepcopy(view)
        stored.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "app_installed_team_id": self.team_id,
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "root_view_id": (previous or {}).get("root_view_id", view_id),
                "previous_view_id": (previous or {}).get("previous_view_id"),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "state": {"values": {}},
            }
        )
        self.views[view_id] = stored
        self.view_owner[view_id] = user_id
        self.view_errors.pop(view_id, None)
        self.touch()
        return stored

    def view_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        return next((v for v in self.views.values() if v.get("external_id") == external_id), None)

    def stack(self, user_id: str) -> list[str]:
        return self.stacks.setdefault(user_id, [])

    def close_view(self, user_id: str, view_id: str | None = None, *, clear: bool = False) -> None:
        stack = self.stack(user_id)
        if clear:
            stack.clear()
        elif view_id in stack:
            del stack[stack.index(view_id) :]
        elif stack:
            stack.pop()
        self.touch()

    def snapshot_views(self, user_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.views[v]) for v in self.stack(user_id)]
