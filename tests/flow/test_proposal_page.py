"""The shareable proposal page over real HTTP on loopback: the snapshot with strict headers and
the tracker injected, the PDF, 404 for an unknown token, 410 once expired (on the injected
clock) or revoked, and view beacons: validated, rate-limited, `_open` once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.proposal_page import BEACONS_PER_MINUTE, PAGE_HEADERS, ViewOpened, register_routes
from storage.engine import Database
from storage.proposal_models import ProposalLink
from storage.proposals import revoke_link, views_summary
from tests.flow.proposal_world import NOW, sent_link

SESSION = "tab-0123456789abcdef"


@dataclass
class FixedClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class PageDeps:
    db: Database
    clock: FixedClock = field(default_factory=FixedClock)
    opened: list[ViewOpened] = field(default_factory=list)
    proposal_view_listeners: list[Any] = field(default_factory=list)


@dataclass
class World:
    deps: PageDeps
    client: TestClient
    link: ProposalLink


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    _snap, link = await sent_link(db)
    deps = PageDeps(db=db)

    async def on_view(event: ViewOpened) -> None:
        deps.opened.append(event)

    deps.proposal_view_listeners.append(on_view)
    app = web.Application()
    register_routes(app, deps)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield World(deps, client, link)


async def test_page_is_the_snapshot_with_strict_headers_and_the_tracker(world: World) -> None:
    t = world.link.token
    resp = await world.client.get(f"/p/{t}")
    assert resp.status == 200
    for name, value in PAGE_HEADERS.items():
        assert resp.headers[name] == value
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "set-cookie" not in {k.lower() for k in resp.headers}
    html = await resp.text()
    assert "$22,500.00" in html and "Onboarding package" in html
    assert html.count(f'<script src="/p/{t}/track.js" defer></script></body>') == 1
    js = await world.client.get(f"/p/{t}/track.js")
    assert js.status == 200 and "IntersectionObserver" in await js.text()
    assert js.headers["Content-Type"].startswith("application/javascript")
    pdf = await world.client.get(f"/p/{t}/pdf")
    assert pdf.status == 200 and await pdf.read() == b"%PDF-1.4 demo"
    assert pdf.headers["Content-Type"] == "application/pdf"


async def test_unknown_token_is_404(world: World) -> None:
    for path in ("/p/not-a-token", "/p/not-a-token/pdf", "/p/not-a-token/track.js"):
        resp = await world.client.get(path)
        assert resp.status == 404, path
        assert resp.headers["X-Robots-Tag"] == "noindex, nofollow"


async def test_expired_is_410_on_the_injected_clock(world: World) -> None:
    t = world.link.token
    world.deps.clock.now = NOW + timedelta(days=30, seconds=-1)
    assert (await world.client.get(f"/p/{t}")).status == 200
    world.deps.clock.now = NOW + timedelta(days=30)
    resp = await world.client.get(f"/p/{t}")
    assert resp.status == 410 and "expired" in await resp.text()
    assert (await world.client.get(f"/p/{t}/pdf")).status == 410
    beacon = {"session": SESSION, "section": "_open", "seconds": 0}
    assert (await world.client.post(f"/p/{t}/views", json=beacon)).status == 410


async def test_revoked_is_410(world: World) -> None:
    async with world.deps.db.transaction() as s:
        await revoke_link(s, world.link.token, now=NOW)
    resp = await world.client.get(f"/p/{world.link.token}")
    assert resp.status == 410 and "withdrawn" in await resp.text()


async def test_beacons_record_views_and_tell_the_app_once_per_session(world: World) -> None:
    t = world.link.token
    post = world.client.post
    assert (
        await post(f"/p/{t}/views", json={"session": SESSION, "section": "_open", "seconds": 0})
    ).status == 202
    assert (
        await post(f"/p/{t}/views", json={"session": SESSION, "section": "pricing", "seconds": 15})
    ).status == 202
    assert (
        await post(f"/p/{t}/views", json={"session": SESSION, "section": "summary", "seconds": 3})
    ).status == 202
    other = "tab-fedcba9876543210"
    assert (
        await post(f"/p/{t}/views", json={"session": other, "section": "pricing", "seconds": 5})
    ).status == 202
    assert [(e.session_id, e.recipient_name) for e in world.deps.opened] == [
        (SESSION, "Sarah Chen"),
        (other, "Sarah Chen"),
    ]
    async with world.deps.db.session() as s:
        summary = await views_summary(s, t)
    assert summary.sessions == 2 and summary.seconds_by_section == {"pricing": 20, "summary": 3}


@pytest.mark.parametrize(
    "body",
    [
        {"session": SESSION, "section": "nowhere", "seconds": 5},  # not a section of the page
        {"session": SESSION, "section": "pricing", "seconds": 3601},
        {"session": SESSION, "section": "pricing", "seconds": -1},
        {"session": SESSION, "section": "pricing", "seconds": 2.5},
        {"session": SESSION, "section": "pricing", "seconds": True},
        {"session": "short", "section": "pricing", "seconds": 5},
        {"session": "x" * 65, "section": "pricing", "seconds": 5},
        {"session": SESSION, "section": "p" * 65, "seconds": 5},
        ["not", "an", "object"],
    ],
)
async def test_bad_beacons_are_refused(world: World, body: Any) -> None:
    resp = await world.client.post(f"/p/{world.link.token}/views", json=body)
    assert resp.status == 400
    async with world.deps.db.session() as s:
        assert (await views_summary(s, world.link.token)).sessions == 0


async def test_oversized_and_non_json_beacons(world: World) -> None:
    url = f"/p/{world.link.token}/views"
    assert (await world.client.post(url, data=b"{" + b" " * 2048 + b"}")).status == 413
    assert (await world.client.post(url, data=b"not json")).status == 400


async def test_beacons_are_rate_limited_per_session(world: World) -> None:
    url = f"/p/{world.link.token}/views"
    body = {"session": SESSION, "section": "pricing", "seconds": 1}
    statuses = [
        (await world.client.post(url, json=body)).status for _ in range(BEACONS_PER_MINUTE + 2)
    ]
    assert statuses.count(202) == BEACONS_PER_MINUTE and statuses[-1] == 429
    other = {"session": "tab-another-session", "section": "pricing", "seconds": 1}
    assert (await world.client.post(url, json=other)).status == 202
    world.deps.clock.now = NOW + timedelta(minutes=1)
    assert (await world.client.post(url, json=body)).status == 202
