"""The proposal page in headless Chromium: the buyer sees the line items and the total, the
first-party tracker posts the seconds a section was on screen (the CSP lets nothing else
through), and an expired link shows 410. The app's clock is injected; nothing reads the wall
clock. Skipped when /usr/bin/chromium is missing, except in CI (`CI=true`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.proposal_page import register_routes
from storage.engine import Database
from storage.proposals import views_summary
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.flow.proposal_world import NOW, sent_link

pytestmark = pytest.mark.browser


@dataclass
class FixedClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class PageDeps:
    db: Database
    clock: FixedClock = field(default_factory=FixedClock)
    opened: list[Any] = field(default_factory=list)
    proposal_view_listeners: list[Any] = field(default_factory=list)


@pytest.fixture
async def served(sqlite_db: Database) -> AsyncIterator[tuple[TestServer, PageDeps, str]]:
    require_chromium()
    _snap, link = await sent_link(sqlite_db)
    deps = PageDeps(db=sqlite_db)

    async def on_view(event: Any) -> None:
        deps.opened.append(event)

    deps.proposal_view_listeners.append(on_view)
    app = web.Application()
    register_routes(app, deps)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield server, deps, link.token
    finally:
        await server.close()


async def test_buyer_reads_the_proposal_and_the_tracker_reports_it(
    served: tuple[TestServer, PageDeps, str],
) -> None:
    from playwright.async_api import async_playwright, expect

    server, deps, token = served
    url = str(server.make_url(f"/p/{token}"))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            outside: list[str] = []
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith(str(server.make_url("/"))) else outside.append(r.url)
                ),
            )
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            resp = await page.goto(url)
            assert resp is not None and resp.status == 200
            rows = page.locator("#line-items tbody tr")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_contain_text("Sixty Growth")
            await expect(rows.nth(1)).to_contain_text("$4,500.00")
            await expect(page.locator("#total")).to_have_text("$22,500.00")

            await page.locator("[data-section=pricing]").scroll_into_view_if_needed()
            pricing = 0
            for _ in range(60):  # the tracker flushes every 5 s
                async with deps.db.session() as s:
                    summary = await views_summary(s, token)
                pricing = summary.seconds_by_section.get("pricing", 0)
                if pricing >= 1:
                    break
                await asyncio.sleep(0.25)
            assert pricing >= 1, summary
            assert summary.sessions == 1 and len(deps.opened) == 1
            assert deps.opened[0].recipient_email == "sarah@acme.example"
            assert outside == [] and not [e for e in errors if "Content Security Policy" in e]
            assert await page.context.cookies() == []

            deps.clock.now = NOW + timedelta(days=31)
            gone = await page.goto(url)
            assert gone is not None and gone.status == 410
            await expect(page.locator("h1")).to_have_text("Link no longer available")
            await expect(page.locator("body")).to_contain_text("expired")
        finally:
            await browser.close()
