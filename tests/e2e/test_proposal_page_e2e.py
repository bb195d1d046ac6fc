"""The running app serves the proposal page on its own web server: a sent proposal's link
answers 200 with the snapshot, its beacon reaches `deps.proposal_view_listeners`, and on the
app's clock the link expires (410) after 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from sqlmodel import select

from app import Runtime
from storage.clock import SteppingClock
from storage.models import User
from storage.proposals import SENT, create_link, create_proposal, freeze_snapshot, set_status
from tests.flow.proposal_world import DRAFT, SNAPSHOT_HTML


async def test_the_app_serves_a_link_until_it_expires(running: Runtime) -> None:
    deps = running.deps
    assert deps is not None
    opened: list[Any] = []

    async def on_view(event: Any) -> None:
        opened.append(event)

    deps.proposal_view_listeners.append(on_view)
    now = deps.clock()
    async with deps.db.transaction() as s:
        rep = (await s.exec(select(User).where(User.role == "rep"))).first()
        assert rep is not None and rep.id is not None
        p = await create_proposal(s, org_id=rep.org_id, user_id=rep.id, source="command",
                                  draft=DRAFT, now=now)  # fmt: skip
        assert p.id is not None
        snap = await freeze_snapshot(s, p.id, SNAPSHOT_HTML, None, now=now)
        assert snap.id is not None
        await set_status(s, p.id, SENT, now=now)
        link = await create_link(s, snap.id, now=now, recipient_name="Sarah Chen")
    url = running.urls["web"] + f"/p/{link.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 200 and "$22,500.00" in await r.text()
            assert r.headers["Cache-Control"] == "no-store"
        async with http.get(url + "/pdf") as r:
            assert r.status == 404  # this snapshot has no PDF
        beacon = {"session": "tab-e2e-0000000001", "section": "_open", "seconds": 0}
        async with http.post(url + "/views", json=beacon) as r:
            assert r.status == 202
        assert [e.recipient_name for e in opened] == ["Sarah Chen"]
        assert isinstance(running.clock, SteppingClock)
        running.clock.advance(timedelta(days=30))
        async with http.get(url) as r:
            assert r.status == 410
