"""Apollo enrichment (connectors/apollo.py) against a loopback fake, and its use in the
pre-meeting brief's attendees; skipped cleanly without an API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from connectors.apollo import ApolloClient, apollo_client
from flows.pre_meeting_brief.gather import gather_pre_meeting
from storage.engine import Database
from storage.models import CalendarEvent, Company, Contact, Org, User

KEY = "apollo-test-key"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    async def match(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"key": request.headers.get("x-api-key"), **body})
        if request.headers.get("x-api-key") != KEY:
            return web.json_response({"error": "invalid api key"}, status=401)
        if body.get("email") == "dana@acme.example":
            return web.json_response(
                {
                    "person": {
                        "name": "Dana Smith",
                        "title": "VP Sales",
                        "headline": "VP Sales at Acme, ex-Globex",
                        "organization": {"name": "Acme"},
                    }
                }
            )
        if body.get("email") == "boom@acme.example":
            return web.Response(status=500, text="oops")
        return web.json_response({"person": None})

    app = web.Application()
    app.router.add_post("/api/v1/people/match", match)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("")), seen
    finally:
        await server.close()


async def test_match_and_failures(fake: tuple[str, list[dict]]) -> None:
    base, seen = fake
    client = ApolloClient(KEY, base)
    person = await client.match("dana@acme.example")
    assert (
        person is not None
        and person.note() == "VP Sales at Acme, ex-Globex"
        and person.organization == "Acme"
    )
    assert await client.match("nobody@acme.example") is None
    assert await client.match("boom@acme.example") is None
    assert await ApolloClient("wrong", base).match("dana@acme.example") is None
    assert seen[0]["key"] == KEY and seen[0]["email"] == "dana@acme.example"
    assert apollo_client(SimpleNamespace(apollo_api_key=None)) is None
    assert apollo_client(SimpleNamespace(apollo_api_key=KEY)) is not None


async def test_brief_attendees_enriched(sqlite_db: Database, fake: tuple[str, list[dict]]) -> None:
    base, _ = fake
    async with sqlite_db.transaction() as s:
        org = Org(name="A")
        s.add(org)
        await s.flush()
        rep = User(org_id=org.id, slack_user_id="U1", email="rep@sixty.example", name="Rep")
        co = Company(org_id=org.id, name="Acme")
        s.add_all([rep, co])
        await s.flush()
        s.add(
            Contact(org_id=org.id, company_id=co.id, name="Dana Smith", email="dana@acme.example")
        )
        ev = CalendarEvent(
            org_id=org.id,
            user_id=rep.id,
            title="Acme — Demo",
            start_at=NOW + timedelta(hours=1),
            end_at=NOW + timedelta(hours=2),
            is_external=True,
            attendees=[{"email": "rep@sixty.example"}, {"email": "dana@acme.example"}],
        )
        s.add(ev)
        await s.flush()
    client = ApolloClient(KEY, base)

    async def enrich(email: str) -> str | None:
        p = await client.match(email)
        return p.note() if p else None

    inp = await gather_pre_meeting(sqlite_db, rep, ev, NOW, enrich)
    assert [(a.name, a.company, a.note) for a in inp.attendees] == [
        ("Dana Smith", "Acme", "VP Sales at Acme, ex-Globex")
    ]
    plain = await gather_pre_meeting(sqlite_db, rep, ev, NOW)
    assert plain.attendees[0].note is None and plain.last_meeting_at is None
