"""A recorded call through the real recorder webhook and the real `meeting_ended` sequence,
on either database: the rep, their deal and the prospects, an engine on a fixed clock with a
recording Slack, and helpers to read what the rep was shown."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.webhooks.recorders import register_routes
from config import Settings
from flows.registry import build_registry
from orchestrator.engine import Engine
from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database
from storage.models import (
    Company,
    Contact,
    Deal,
    DealContact,
    Org,
    OrgSettings,
    SlackPendingAction,
    User,
    UserPreferences,
)
from tests.support.sequences import RecordingDelivery

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "cli/samples/meeting_ended_v1.json").read_text())
DEMO_TRANSCRIPTS = json.loads((ROOT / "storage/demo_data/transcripts.json").read_text())
MB_KEY = "mb-test-key"
REP_EMAIL = "alex@sixty-demo.example"
SARAH = "sarah.chen@acme.example"
NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # a Monday afternoon: no quiet hours involved


@dataclass
class Deps:
    db: Database
    settings: Settings
    engine: Engine

    async def submit(self, event: Event) -> JobRef | Skipped:
        return await self.engine.submit(event)


@dataclass
class World:
    db: Database
    settings: Settings
    engine: Engine
    delivery: RecordingDelivery
    client: TestClient
    ids: dict[str, int]

    async def webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.post("/webhooks/meetingbaas", data=json.dumps(body).encode(),
                                      headers={"x-meeting-baas-api-key": MB_KEY})  # fmt: skip
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())

    def posted(self) -> list[dict[str, Any]]:
        return [c for m, c in self.delivery.calls if m == "chat.postMessage"]

    def updated(self) -> list[dict[str, Any]]:
        return [c for m, c in self.delivery.calls if m == "chat.update"]

    async def gates(self) -> list[SlackPendingAction]:
        async with self.db.session() as s:
            rows = (await s.exec(select(SlackPendingAction))).all()
        return sorted(rows, key=lambda r: r.created_at)


async def seed(db: Database, *, stage: str = "demo") -> dict[str, int]:
    async with db.transaction() as s:
        org = Org(name="Sixty Demo")
        s.add(org)
        await s.flush()
        assert org.id is not None
        s.add(OrgSettings(org_id=org.id, ai_budget_usd_month=50.0))
        alex = User(
            org_id=org.id, slack_user_id="U1", email=REP_EMAIL, name="Alex Rivera", timezone="UTC"
        )
        company = Company(org_id=org.id, name="Acme Corp", domain="acme.example")
        s.add_all([alex, company])
        await s.flush()
        assert alex.id is not None
        s.add(UserPreferences(user_id=alex.id, max_notifications_per_hour=50))
        sarah = Contact(org_id=org.id, company_id=company.id, name="Sarah Chen", email=SARAH)
        tom = Contact(
            org_id=org.id, company_id=company.id, name="Tom Becker", email="tom.becker@acme.example"
        )
        s.add_all([sarah, tom])
        await s.flush()
        deal = Deal(
            org_id=org.id,
            company_id=company.id,
            owner_id=alex.id,
            name="Acme pilot",
            stage=stage,
            primary_contact_id=sarah.id,
        )
        s.add(deal)
        await s.flush()
        s.add(DealContact(deal_id=deal.id, contact_id=sarah.id))
        await s.flush()
        prefs = await s.get(UserPreferences, alex.id)
        assert prefs is not None
        prefs.quiet_hours_start = prefs.quiet_hours_end = None  # the column default is 19:00-07:00
        s.add(prefs)
        return {"org": org.id, "alex": alex.id, "deal": deal.id or 0, "sarah": sarah.id or 0}


async def make_world(
    db: Database, tmp_path: Path, *, stage: str = "demo", **settings_kw: Any
) -> World:
    settings = Settings(
        _env_file=None,
        meetingbaas_api_key=MB_KEY,
        data_dir=tmp_path,
        email_undo_seconds=30.0,
        **settings_kw,
    )
    ids = await seed(db, stage=stage)
    delivery = RecordingDelivery()
    engine = Engine(db, settings, delivery, build_registry(), heartbeat_s=None, clock=lambda: NOW)
    app = web.Application()
    register_routes(app, Deps(db, settings, engine))
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    return World(db, settings, engine, delivery, client, ids)


def acme_pilot_call(bot_id: str) -> dict[str, Any]:
    """The demo's Acme pilot call (storage/demo_data) as a MeetingBaas v1 `complete` webhook."""
    spec = next(t for t in DEMO_TRANSCRIPTS if t["key"] == "acme-pilot")
    body = copy.deepcopy(SAMPLE)
    t = 0.0
    segments = []
    for speaker, text in spec["utterances"]:
        words = []
        for w in text.split():
            words.append({"start": round(t, 2), "end": round(t + 0.3, 2), "word": w})
            t += 0.35
        segments.append(
            {
                "speaker": speaker,
                "offset": words[0]["start"],
                "start_time": words[0]["start"],
                "end_time": words[-1]["end"],
                "words": words,
            }
        )
        t += 0.6
    body["data"]["bot_id"] = bot_id
    body["data"]["transcript"] = segments
    body["data"]["speakers"] = sorted({s["speaker"] for s in segments})
    body["data"]["extra"]["title"] = spec["title"]
    return body


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or []) + (message.get("text") or "")
