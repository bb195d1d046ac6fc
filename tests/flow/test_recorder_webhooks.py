"""Recorder webhooks end to end over loopback HTTP: auth, limits, idempotency, storage, events."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select
from svix.webhooks import Webhook

from bot.webhooks.recorders import register_routes
from config import Settings
from connectors.meetingbaas import (
    MeetingBaasClient,
    MeetingBaasError,
    ensure_transcript,
    fetch_and_store_transcript,
    fetch_and_store_v1_transcript,
)
from connectors.recall import RecallClient
from orchestrator.events import Event, JobRef, Skipped
from storage.engine import Database
from storage.models import (
    Company,
    Contact,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Org,
    Transcript,
    User,
)
from tests.fakes.recorders import FakeRecorders

SAMPLES = Path(__file__).resolve().parents[2] / "cli" / "samples"
MB_KEY = "mb-test-key"
MB_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
RECALL_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
REP_EMAIL = "alex@sixty-demo.example"
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # the app's clock: signatures are judged by it


@dataclass
class RecordingSubmit:
    """The orchestrator boundary: records events, one job per idempotency key."""

    events: list[Event] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)

    async def __call__(self, event: Event) -> JobRef | Skipped:
        self.events.append(event)
        if event.idempotency_key in self.jobs:
            return Skipped("duplicate", self.jobs[event.idempotency_key])
        self.jobs[event.idempotency_key] = len(self.jobs) + 1
        return JobRef(self.jobs[event.idempotency_key], "meeting_ended")


@dataclass
class Deps:
    db: Database
    settings: Settings
    submit: RecordingSubmit
    clock: Callable[[], datetime]


@dataclass
class World:
    client: TestClient
    deps: Deps
    ids: dict[str, int]


async def seed(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        org = Org(name="Sixty Demo")
        s.add(org)
        await s.flush()
        alex = User(org_id=org.id, slack_user_id="U1", email=REP_EMAIL, name="Alex Rivera")
        sam = User(
            org_id=org.id, slack_user_id="U2", email="sam@sixty-demo.example", name="Sam Ortiz"
        )
        company = Company(org_id=org.id, name="Acme Corp", domain="acme.example")
        s.add_all([alex, sam, company])
        await s.flush()
        dana = Contact(org_id=org.id, company_id=company.id, name="Sarah Chen",
                       email="sarah.chen@acme.example")  # fmt: skip
        marcus = Contact(org_id=org.id, company_id=company.id, name="Tom Becker",
                         email="tom.becker@acme.example")  # fmt: skip
        s.add_all([dana, marcus])
        await s.flush()
        deal = Deal(org_id=org.id, company_id=company.id, owner_id=alex.id, name="Acme pilot")
        s.add(deal)
        await s.flush()
        s.add(DealContact(deal_id=deal.id, contact_id=dana.id))
        return {"org": org.id, "alex": alex.id, "company": company.id, "dana": dana.id,
                "deal": deal.id}  # fmt: skip


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    settings = Settings(
        _env_file=None,
        meetingbaas_api_key=MB_KEY,
        meetingbaas_webhook_secret=MB_SECRET,
        recall_webhook_secret=RECALL_SECRET,
        max_body_bytes=200_000,
    )
    deps = Deps(db=db, settings=settings, submit=RecordingSubmit(), clock=lambda: NOW)
    ids = await seed(db)
    app = web.Application()
    register_routes(app, deps)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield World(client, deps, ids)


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def signed(secret: str, body: bytes, *, style: str = "svix", at: datetime = NOW) -> dict[str, str]:
    """Headers as the recorder's svix library sends them, signed at `at`."""
    msg_id = "msg_" + base64.b16encode(os.urandom(6)).decode()
    now = at
    sig = Webhook(secret).sign(msg_id, now, body.decode())
    prefix = "svix" if style == "svix" else "webhook"
    return {f"{prefix}-id": msg_id, f"{prefix}-timestamp": str(int(now.timestamp())),
            f"{prefix}-signature": sig, "content-type": "application/json"}  # fmt: skip


async def post_v1(w: World, body: Any, key: str = MB_KEY) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = await w.client.post("/webhooks/meetingbaas", data=raw,
                               headers={"x-meeting-baas-api-key": key})  # fmt: skip
    return resp.status, await resp.json()


async def post_signed(
    w: World, path: str, body: Any, secret: str, style: str = "svix", at: datetime = NOW
) -> tuple[int, dict[str, Any]]:
    raw = json.dumps(body).encode()
    resp = await w.client.post(path, data=raw, headers=signed(secret, raw, style=style, at=at))
    return resp.status, await resp.json()


async def count(db: Database, model: type) -> int:
    async with db.session() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def meeting_by_bot(db: Database, bot_id: str) -> Meeting:
    async with db.session() as s:
        return (await s.exec(select(Meeting).where(Meeting.external_id == bot_id))).one()


def speakers_available() -> bool:
    try:
        import skills.speakers  # noqa: F401
    except ImportError:
        return False
    return True


async def test_v1_complete_stores_once_links_crm_and_makes_one_job(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = sample("meeting_ended_v1.json")
    first, second, third = await asyncio.gather(*(post_v1(world, body) for _ in range(3)))
    assert {first[0], second[0], third[0]} == {200}
    assert await count(world.deps.db, Meeting) == 1
    assert await count(world.deps.db, Transcript) == 1
    bot_id = body["data"]["bot_id"]
    m = await meeting_by_bot(world.deps.db, bot_id)
    ids = world.ids
    assert (m.status, m.user_id, m.org_id) == ("recorded", ids["alex"], ids["org"])
    assert (m.contact_id, m.company_id, m.deal_id) == (ids["dana"], ids["company"], ids["deal"])
    assert m.title == "Acme Corp - discovery call"

    submit = world.deps.submit
    assert len(submit.jobs) == 1 and len(submit.events) == 3
    ev = submit.events[0]
    assert (ev.type, ev.source, ev.org_id, ev.user_id) == (
        "meeting_ended",
        "webhook:meetingbaas",
        ids["org"],
        ids["alex"],
    )
    assert ev.idempotency_key == f"meeting_ended:meetingbaas:{bot_id}"
    assert ev.payload["meeting_id"] == m.id and ev.payload["recorded"] is True

    async with world.deps.db.session() as s:
        tr = (await s.exec(select(Transcript))).one()
        attendees = (await s.exec(select(MeetingAttendee))).all()
    assert ev.payload["transcript_id"] == tr.id
    assert 35 <= len(tr.utterances) <= 40
    assert tr.utterances[0]["speaker"] == "Alex Rivera"
    assert {a.email for a in attendees} >= {REP_EMAIL, "sarah.chen@acme.example"}
    assert tr.speaker_map == {}  # stored as the recorder gave it: the flow attributes speakers
    if speakers_available():
        from flows.meeting_ended.speakers import attribute_meeting

        speakers = list(dict.fromkeys(u["speaker"] for u in tr.utterances))
        await attribute_meeting(world.deps.db, m.id or 0, speakers)
        async with world.deps.db.session() as s:
            tr = (await s.exec(select(Transcript))).one()
        assert {k: v["role"] for k, v in tr.speaker_map.items()} == {
            "Alex Rivera": "rep",
            "Sarah Chen": "prospect",
            "Tom Becker": "prospect",
        }
        assert tr.speaker_map["Sarah Chen"]["email"] == "sarah.chen@acme.example"

    # the flow reads it back in the DESIGN-7 shape the intent skills validate, roles applied
    from skills.transcript_types import parse_transcript
    from storage.meetings import transcript_document

    async with world.deps.db.session() as s:
        doc = await transcript_document(s, meeting_id=m.id)
    parsed = parse_transcript(doc)
    if speakers_available():
        assert {u.speaker: u.role for u in parsed.utterances} == {
            "Alex Rivera": "rep",
            "Sarah Chen": "prospect",
            "Tom Becker": "prospect",
        }
    assert (parsed.rep.email, parsed.title) == (REP_EMAIL, m.title)
    assert {a.email for a in parsed.attendees} >= {
        "sarah.chen@acme.example",
        "tom.becker@acme.example",
    }
    assert len(parsed.utterances) == len(tr.utterances)

    # no transcript text in the event or the logs
    spoken = [u["text"] for u in tr.utterances]
    assert not any(t in json.dumps(ev.payload) for t in spoken)
    ours = [
        r
        for r in caplog.records
        if r.name.split(".")[0] in ("bot", "storage", "connectors", "skills")
    ]
    assert any(r.getMessage() == "transcript stored" for r in ours)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "proposal with the pilot pricing" not in logged and "Clari" not in logged


async def test_rejections_store_nothing(world: World) -> None:
    body = sample("meeting_ended_v1.json")
    raw = json.dumps(body).encode()
    assert (await post_v1(world, body, key="wrong"))[0] == 401
    resp = await world.client.post("/webhooks/meetingbaas", data=raw)
    assert resp.status == 401
    # a valid signature made with another secret, and a Recall body signed with MeetingBaaS's
    other = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    assert (await post_signed(world, "/webhooks/meetingbaas", body, other))[0] == 401
    assert (await post_signed(world, "/webhooks/recall", body, MB_SECRET))[0] == 401
    # signed right, but six minutes before the app's clock (or after it): a replay
    for skew in (timedelta(minutes=-6), timedelta(minutes=6)):
        late = await post_signed(world, "/webhooks/meetingbaas", body, MB_SECRET, at=NOW + skew)
        assert late == (401, {"ok": False, "error": "bad signature"})
    # too large: declared, and streamed in chunks without a length
    big = json.dumps({**body, "pad": "x" * 250_000}).encode()
    resp = await world.client.post(
        "/webhooks/meetingbaas", data=big, headers={"x-meeting-baas-api-key": MB_KEY}
    )
    assert resp.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 32_000):
            yield big[i : i + 32_000]

    resp = await world.client.post(
        "/webhooks/meetingbaas", data=chunks(), headers={"x-meeting-baas-api-key": MB_KEY}
    )
    assert resp.status == 413
    # malformed
    status, answer = await post_v1(world, b"{not json")
    assert status == 400 and answer["error"].startswith("body is not valid JSON: Expecting")
    no_bot = copy.deepcopy(body)
    del no_bot["data"]["bot_id"]
    assert await post_v1(world, no_bot) == (400, {"ok": False, "error": "data.bot_id is missing"})
    broken = copy.deepcopy(body)
    broken["data"]["transcript"] = [{"speaker": "A", "words": "hello"}]
    assert (await post_v1(world, broken))[0] == 400
    assert (await post_v1(world, {"event": "complete"}))[0] == 400
    # a rep nobody knows: acknowledged, nothing stored
    stranger = copy.deepcopy(body)
    stranger["data"]["extra"] = {"user_email": "nobody@elsewhere.example"}
    assert (await post_v1(world, stranger))[1]["status"] == "ignored"
    assert await count(world.deps.db, Meeting) == 0
    assert world.deps.submit.events == []


async def test_words_of_the_wrong_type_are_a_400_naming_the_field(world: World) -> None:
    """Not "nobody spoke": a word `{"start": "x", "end": null, "word": 5}` is bad input."""
    body = sample("meeting_ended_v1.json")
    cases = [
        ({"start": "x", "end": None, "word": 5}, "data.transcript[0].words[1].word is not text"),
        ({"start": "x", "end": None, "word": "hi"},
         "data.transcript[0].words[1].start is not a number of seconds"),
        ({"start": 1.0, "end": {"s": 2}, "word": "hi"},
         "data.transcript[0].words[1].end is not a number of seconds"),
    ]  # fmt: skip
    for word, reason in cases:
        bad = copy.deepcopy(body)
        bad["data"]["transcript"][0]["words"].insert(1, word)
        assert await post_v1(world, bad) == (400, {"ok": False, "error": reason})
    only_bad = copy.deepcopy(body)
    only_bad["data"]["transcript"] = [{"speaker": "Sarah Chen", "words": [cases[0][0]]}]
    reason = "data.transcript[0].words[0].word is not text"
    assert await post_v1(world, only_bad) == (400, {"ok": False, "error": reason})
    assert await count(world.deps.db, Meeting) == 0
    assert world.deps.submit.events == []


async def test_v2_completed_defers_the_fetch_to_a_flow_step(world: World) -> None:
    body = sample("meeting_ended_v2_completed.json")
    v2file = {"bot_id": body["data"]["bot_id"], "provider": "gladia", "result": {"utterances": [
        {"speaker": "Alex Rivera", "text": "Thanks for joining.", "start": 0.4, "end": 1.6},
        {"speaker": "Sarah Chen", "text": "Happy to. Budget is approved.", "start": 2.0, "end": 4.1},
    ]}}  # fmt: skip
    async with FakeRecorders(meetingbaas_key=MB_KEY) as fake:
        fake.files["t.json"] = v2file
        body["data"]["transcription"] = fake.file_url("t.json")
        for _ in range(2):
            status, answer = await post_signed(world, "/webhooks/meetingbaas", body, MB_SECRET)
            assert (status, answer["status"]) == (200, "fetch")
        assert fake.requests == []  # nothing fetched inside the request
        m = await meeting_by_bot(world.deps.db, body["data"]["bot_id"])
        assert m.status == "awaiting_transcript"
        assert m.started_at == datetime(2026, 11, 20, 15, 0, 4, tzinfo=UTC)
        ev = world.deps.submit.events[-1]
        assert ev.payload == {"meeting_id": m.id, "recorder": "meetingbaas", "recorded": True,
                              "transcript_url": body["data"]["transcription"]}  # fmt: skip
        assert len(world.deps.submit.jobs) == 1

        tid = await fetch_and_store_transcript(world.deps.db, m.id, ev.payload["transcript_url"])
        assert (
            await fetch_and_store_transcript(world.deps.db, m.id, ev.payload["transcript_url"])
            == tid
        )
        assert "x-meeting-baas-api-key" not in fake.requests[0].headers
        m = await meeting_by_bot(world.deps.db, body["data"]["bot_id"])
        assert m.status == "recorded"
        async with world.deps.db.session() as s:
            tr = await s.get(Transcript, tid)
        assert (
            tr is not None
            and [u["text"] for u in tr.utterances][1] == "Happy to. Budget is approved."
        )

        # an expired presigned URL is renewed through GET /v2/bots/{id} (with our key)
        late = copy.deepcopy(body)
        late["data"]["bot_id"] = "bot-late"
        late["data"]["transcription"] = fake.file_url("expired.json")
        assert (await post_signed(world, "/webhooks/meetingbaas", late, MB_SECRET))[0] == 200
        fake.files["t2.json"] = v2file
        fake.v2_bots["bot-late"] = "t2.json"
        client = MeetingBaasClient(MB_KEY, base_url=fake.base_url)
        late_payload = world.deps.submit.events[-1].payload
        late_tid = await ensure_transcript(world.deps.db, late_payload, meetingbaas=client)
        assert late_tid is not None and late_tid != tid
        assert [r.path for r in fake.requests[-3:]] == [
            "/files/expired.json",
            "/v2/bots/bot-late",
            "/files/t2.json",
        ]
        assert await ensure_transcript(world.deps.db, late_payload) == late_tid  # stored: no fetch

        with pytest.raises(MeetingBaasError) as err:  # presigned URL expired
            await MeetingBaasClient().fetch_transcription_file(fake.file_url("gone.json"))
        assert err.value.reason == "expired"
        fake.fail_next["/files/t.json"] = 503
        with pytest.raises(MeetingBaasError) as err:
            await MeetingBaasClient().fetch_transcription_file(fake.file_url("t.json"))
        assert err.value.transient and err.value.retry_after == 7.0
        fake.delay_s = 0.2
        with pytest.raises(MeetingBaasError, match="timeout"):
            await MeetingBaasClient(timeout_s=0.02).fetch_transcription_file(
                fake.file_url("t.json")
            )


async def test_v1_transcription_complete_fetches_meeting_data(world: World) -> None:
    bot_id = "b-v1-async"
    body = {"event": "transcription_complete", "data": {"bot_id": bot_id},
            "extra": {"user_email": REP_EMAIL}}  # fmt: skip
    status, answer = await post_v1(world, body)
    assert (status, answer["status"]) == (200, "fetch")
    ev = world.deps.submit.events[-1]
    assert ev.payload["fetch"] == "meetingbaas_v1"
    async with FakeRecorders(meetingbaas_key=MB_KEY) as fake:
        fake.meeting_data[bot_id] = {"bot_data": {"bot": {"uuid": bot_id}, "transcripts": [
            {"speaker": "Alex Rivera", "start_time": 1.0,
             "words": [{"text": "Hello", "start_time": 1.0, "end_time": 1.3}]},
        ]}}  # fmt: skip
        client = MeetingBaasClient(MB_KEY, base_url=fake.base_url)
        tid = await fetch_and_store_v1_transcript(
            world.deps.db, ev.payload["meeting_id"], client=client
        )
        assert fake.requests[0].query == {"bot_id": bot_id}
        with pytest.raises(MeetingBaasError, match="unauthorized"):
            await MeetingBaasClient("bad", base_url=fake.base_url).fetch_v1_meeting_data(bot_id)
    async with world.deps.db.session() as s:
        tr = await s.get(Transcript, tid)
    assert tr is not None and tr.utterances[0]["text"] == "Hello"


async def test_failed_bots_tell_the_rep_plainly(world: World) -> None:
    extra = {"user_email": REP_EMAIL}
    v1 = {"event": "failed", "data": {"bot_id": "f1", "error": "BotNotAccepted", "extra": extra}}
    v2 = {"event": "bot.failed", "data": {"bot_id": "f2", "error_code": "TIMEOUT_WAITING_TO_START",
          "error_message": "x"}, "extra": extra}  # fmt: skip
    status = {"event": "bot.status_change", "extra": extra,
              "data": {"bot_id": "f3", "status": {"code": "bot_removed_too_early"}}}  # fmt: skip
    live = {
        "event": "bot.status_change",
        "data": {"bot_id": "f4", "status": {"code": "in_call_recording"}},
    }
    calendar = {"event": "calendar.event_created", "data": {"calendar_id": "c"}}
    generic = {"event": "bot.status_change", "data": {"bot_id": "f5", "status": {"code": "failed"}}}
    no_stt = {"event": "complete", "data": {"bot_id": "f6", "transcript": None, "extra": extra}}
    silent = {"event": "complete", "data": {"bot_id": "f7", "transcript": [], "extra": extra}}
    recall_fatal = {"event": "bot.fatal", "data": {
        "data": {"code": "fatal", "sub_code": "bot_kicked_from_waiting_room", "updated_at": "x"},
        "bot": {"id": "r1", "metadata": extra}}}  # fmt: skip
    assert (await post_v1(world, v1))[0] == 200
    assert (await post_v1(world, v1))[0] == 200  # duplicate
    assert (await post_signed(world, "/webhooks/meetingbaas", v2, MB_SECRET))[0] == 200
    assert (await post_signed(world, "/webhooks/meetingbaas", status, MB_SECRET))[0] == 200
    assert (await post_signed(world, "/webhooks/recall", recall_fatal, RECALL_SECRET, "standard"))[
        0
    ] == 200
    callback = {**v2, "data": {**v2["data"], "bot_id": "f8", "error_code": "BOT_NOT_ACCEPTED"}}
    raw = json.dumps(callback).encode()
    wrong = await world.client.post(
        "/webhooks/meetingbaas", data=raw, headers={"x-mb-secret": "nope"}
    )
    assert wrong.status == 401
    ok = await world.client.post(
        "/webhooks/meetingbaas", data=raw, headers={"x-mb-secret": MB_SECRET}
    )
    assert ok.status == 200
    assert (await post_v1(world, no_stt))[0] == 200
    assert (await post_v1(world, silent))[0] == 200
    for ignored in (live, calendar, generic):
        assert (await post_signed(world, "/webhooks/meetingbaas", ignored, MB_SECRET))[1][
            "status"
        ] == "ignored"

    submit = world.deps.submit
    assert len(submit.jobs) == 7
    reasons = {e.idempotency_key.rsplit(":", 1)[1]: e.payload["reason"] for e in submit.events}
    assert reasons == {
        "f1": "the bot was not let into the meeting",
        "f2": "the meeting did not start before the bot gave up waiting",
        "f3": "the bot was removed from the meeting before it could record",
        "r1": "nobody let the bot in from the waiting room in time",
        "f6": "the recorder produced no transcript",
        "f7": "nobody spoke while the bot was recording",
        "f8": "the bot was not let into the meeting",
    }
    assert all(e.payload["recorded"] is False for e in submit.events)
    assert await ensure_transcript(world.deps.db, submit.events[0].payload) is None
    # removed mid-call, then a late `complete`: the rep hears about the recording after all
    removed = {"event": "bot.status_change", "extra": extra,
               "data": {"bot_id": "f9", "status": {"code": "bot_removed"}}}  # fmt: skip
    assert (await post_v1(world, removed))[0] == 200
    late = sample("meeting_ended_v1.json")
    late["data"]["bot_id"] = "f9"
    assert (await post_v1(world, late))[1]["status"] == "inline"
    assert [e.idempotency_key for e in submit.events[-2:]] == [
        "meeting_ended:meetingbaas:f9", "meeting_ended:meetingbaas:f9:recorded"]  # fmt: skip
    assert (await meeting_by_bot(world.deps.db, "f9")).status == "recorded"
    assert (await post_v1(world, removed))[1]["status"] == "ignored"  # never downgraded
    async with world.deps.db.session() as s:
        statuses = (
            await s.exec(
                select(Meeting.external_id, Meeting.status).where(Meeting.external_id != "f9")
            )
        ).all()
    assert sorted(statuses) == [(b, "failed") for b in ("f1", "f2", "f3", "f6", "f7", "f8", "r1")]


async def test_recall_transcript_done_then_download(world: World) -> None:
    body = {"event": "transcript.done", "data": {
        "data": {"code": "done", "sub_code": None, "updated_at": "2026-11-20T15:06:00Z"},
        "transcript": {"id": "tr-1", "metadata": {}}, "recording": {"id": "rec-1", "metadata": {}},
        "bot": {"id": "rb-1", "metadata": {"user_email": REP_EMAIL,
                "attendees": [{"name": "Sarah Chen", "email": "sarah.chen@acme.example"}]}}}}  # fmt: skip
    status, answer = await post_signed(world, "/webhooks/recall", body, RECALL_SECRET, "standard")
    assert (status, answer["status"]) == (200, "fetch")
    ev = world.deps.submit.events[-1]
    assert ev.idempotency_key == "meeting_ended:recall:rb-1"
    assert ev.payload["recall_transcript_id"] == "tr-1"

    def words(*items: tuple[str, float]) -> list[dict[str, Any]]:
        return [{"text": t, "start_timestamp": {"relative": s}, "end_timestamp": {"relative": s + 0.3}}
                for t, s in items]  # fmt: skip

    async with FakeRecorders(recall_key="rk") as fake:
        fake.recall_transcripts["tr-1"] = [
            {
                "participant": {"id": 1, "name": "Alex R."},
                "words": words(("Hi", 0.5), ("Sarah", 0.9)),
            },
            {"participant": {"id": 2, "name": "Sarah Chen"}, "words": words(("Hello", 2.0))},
        ]
        client = RecallClient("rk", base_url=fake.base_url)
        tid = await ensure_transcript(world.deps.db, ev.payload, recall=client)
        assert [r.headers.get("Authorization") for r in fake.requests] == ["Token rk", "Token rk"]
    async with world.deps.db.session() as s:
        tr = await s.get(Transcript, tid)
    assert tr is not None and [u["text"] for u in tr.utterances] == ["Hi Sarah", "Hello"]
    if speakers_available():  # the flow attributes "Alex R." to the rep
        from flows.meeting_ended.speakers import attribute_meeting

        mapping = await attribute_meeting(world.deps.db, tr.meeting_id, ["Alex R.", "Sarah Chen"])
        assert [mapping[s]["role"] for s in ("Alex R.", "Sarah Chen")] == ["rep", "prospect"]


async def test_sixty_simulate_posts_a_transcript_and_says_when_the_app_is_down(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import socket

    from cli.main import main

    monkeypatch.setenv("MEETINGBAAS_API_KEY", MB_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "unused.db"))
    design = {
        "meeting_id": "sim-1", "title": "Pricing call", "started_at": "2026-11-18T15:00:00Z",
        "rep": {"name": "Alex Rivera", "email": REP_EMAIL},
        "attendees": [{"name": "Sarah Chen", "email": "sarah.chen@acme.example"}],
        "utterances": [
            {"speaker": "Alex Rivera", "start": 0.0, "end": 3.0, "text": "I'll send the proposal by Friday."},
            {"speaker": "Sarah Chen", "start": 3.5, "end": 5.0, "text": "Great, thanks."},
        ],
    }  # fmt: skip
    path = tmp_path / "t.json"
    path.write_text(json.dumps(design))
    url = str(world.client.make_url("/webhooks/meetingbaas"))
    args = ["simulate", "meeting-ended", str(path), "--url", url]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    assert out.startswith("HTTP 200") and '"status": "inline"' in out
    m = await meeting_by_bot(world.deps.db, "sim-sim-1")
    assert (m.title, m.contact_id, m.status) == ("Pricing call", world.ids["dana"], "recorded")
    assert len(world.deps.submit.jobs) == 1

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    down = [
        "simulate",
        "meeting-ended",
        str(path),
        "--url",
        f"http://127.0.0.1:{closed}/webhooks/meetingbaas",
    ]
    assert await asyncio.to_thread(main, down) == 2
    assert "cannot reach the app" in capsys.readouterr().err
    path.write_text(json.dumps({"utterances": "nope"}))
    assert await asyncio.to_thread(main, args) == 2

    # a v2 body is signed on the CLI's clock: the app's clock agrees, or it is a replay
    monkeypatch.setenv("MEETINGBAAS_WEBHOOK_SECRET", MB_SECRET)
    v2 = [
        "simulate",
        "meeting-ended",
        str(SAMPLES / "meeting_ended_v2_completed.json"),
        "--url",
        url,
    ]
    capsys.readouterr()
    assert await asyncio.to_thread(main, v2, clock=lambda: NOW + timedelta(minutes=10)) == 1
    assert capsys.readouterr().out.startswith("HTTP 401")
    assert await asyncio.to_thread(main, v2, clock=lambda: NOW) == 0
    assert capsys.readouterr().out.startswith("HTTP 200")
