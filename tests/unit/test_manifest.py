"""Every command and event registered in bot/ is in manifest.yml, and the reverse; every
interactive id defined in blocks/ids.py (buttons, menus, modals) has a listener in bot/."""

from __future__ import annotations

import enum
import re
from pathlib import Path

import yaml
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

import blocks.ids
from blocks.ids import ProactiveSettingsAction
from bot.deps import Deps
from bot.listeners import register_all
from config import load_settings
from storage.engine import Database

ROOT = Path(__file__).resolve().parents[2]
# Input elements inside modals: read from the submission, never dispatched as actions.
MODAL_FIELDS = {
    ProactiveSettingsAction.FEATURES,
    ProactiveSettingsAction.ORG_FEATURES,
    ProactiveSettingsAction.BUDGET,
    ProactiveSettingsAction.STALE_DAYS,
    ProactiveSettingsAction.CAMPAIGN_REPLY_RATE,
    ProactiveSettingsAction.CAMPAIGN_POSITIVE_RATE,
    ProactiveSettingsAction.CAMPAIGN_BOUNCE_WATCH,
    ProactiveSettingsAction.CAMPAIGN_BOUNCE_ACT,
    ProactiveSettingsAction.CAMPAIGN_MIN_LIFT,
}


async def test_manifest_matches_registered_listeners(tmp_path: Path) -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    deps = Deps(settings=load_settings(), db=Database(f"sqlite:///{tmp_path / 'x.db'}"))
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-test"),
        token="xoxb-test",
        request_verification_enabled=False,
    )
    register_all(app, deps)
    commands, events, interactive = set(), set(), set()
    for listener in app._async_listeners:
        for matcher in listener.matchers:
            for kind, value in _matcher_constants(matcher.func):
                if kind == "command":
                    commands.add(value)
                elif kind in ("event", "message_event"):
                    events.add(value)
                elif kind in ("action", "view_submission", "view_closed"):
                    interactive.add(str(value))
    await deps.db.dispose()
    declared_commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    declared_events = {
        e.replace("message.im", "message")
        for e in manifest["settings"]["event_subscriptions"]["bot_events"]
    }
    assert commands == declared_commands
    # a button whose click nobody handles is a dead end ("Unhandled request ... job-retry")
    defined = {str(m) for e in vars(blocks.ids).values()
               if isinstance(e, type) and issubclass(e, enum.StrEnum) and e is not enum.StrEnum
               for m in e} - {str(f) for f in MODAL_FIELDS}  # fmt: skip
    assert "job-retry" in defined
    patterns = [re.compile(v) for v in interactive if v.startswith("^")]  # keyed ids (blocks.ids)
    assert {d for d in defined - interactive if not any(p.match(d) for p in patterns)} == set()
    assert events == declared_events
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "commands",
        "im:write",
        "im:history",
        "users:read",
        "users:read.email",
    } <= scopes


def _matcher_constants(fn: object, depth: int = 0) -> list[tuple[str, str]]:
    """(builder name, constant) pairs from Bolt's built-in matcher closures."""
    found: list[tuple[str, str]] = []
    kind = getattr(fn, "__qualname__", "").split(".<locals>")[0]
    for cell in getattr(fn, "__closure__", None) or ():
        value = cell.cell_contents
        if callable(value) and depth < 3:
            found += _matcher_constants(value, depth + 1)
        elif isinstance(value, str):
            found.append((kind, value))
        elif isinstance(value, re.Pattern):
            found.append((kind, value.pattern))
        elif isinstance(value, dict) and isinstance(value.get("type"), str):
            found.append((kind, value["type"]))
    return found
