"""The sandbox page in headless Chromium: type `/60 help`, see the app's answer, click a button.

The app here is a tiny Bolt `AsyncApp` defined in the test, connected to the sandbox in
Socket Mode, so the page is checked on its own. Skipped when /usr/bin/chromium is missing,
except in CI (`CI=true`), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.server import Sandbox

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
HELP_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Sixty help"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Try *`/60 brief`* for your morning brief."},
    },
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "help-try-brief",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Brief me"},
                "value": "brief",
            }
        ],
    },
]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("/usr/bin/chromium is missing in CI (make test installs it)")
    pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")


@pytest.fixture
async def workspace() -> AsyncIterator[Sandbox]:
    sb = Sandbox(
        team_name="Acme Sales",
        users=[{"name": "ana", "real_name": "Ana Lima", "email": "ana@acme.test"}],
    )
    await sb.start()
    app = AsyncApp(client=AsyncWebClient(token=sb.bot_token, base_url=sb.api_url))

    @app.command("/60")
    async def sixty(ack: Any, command: dict[str, Any]) -> None:
        if command["text"].strip() == "help":
            await ack(text="Sixty help", blocks=HELP_BLOCKS)
        else:
            await ack(f"Unknown: {command['text']}")

    @app.action("help-try-brief")
    async def brief(ack: Any, body: dict[str, Any], say: Any) -> None:
        await ack()
        await say(f"Brief for <@{body['user']['id']}>: *3 meetings* today")

    @app.event("app_home_opened")
    async def home(event: dict[str, Any]) -> None:
        return None

    handler = AsyncSocketModeHandler(app, sb.app_token)
    await handler.connect_async()
    yield sb
    await handler.close_async()
    await sb.stop()


async def test_slash_command_typed_in_the_page_is_answered(workspace: Sandbox) -> None:
    require_chromium()
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(workspace.url)
            await expect(page.get_by_test_id("connection-status")).to_have_text("App connected")
            composer = page.get_by_test_id("composer")
            await composer.fill("/60 help")
            await composer.press("Enter")

            reply = page.get_by_test_id("message").filter(has_text="Sixty help")
            await expect(reply).to_be_visible()
            await expect(reply.get_by_test_id("ephemeral-label")).to_have_text(
                "Only visible to you"
            )
            assert workspace.calls_to("slash_command.ack")
            ack = workspace.acks[-1]
            assert ack.type == "slash_commands" and ack.latency_s < 3

            await reply.get_by_test_id("button-help-try-brief").click()
            answer = page.get_by_test_id("message").filter(has_text="3 meetings")
            await expect(answer).to_be_visible()
            await expect(answer).to_contain_text("Brief for @Ana Lima")
            assert errors == []
        finally:
            await browser.close()
