"""Outbound CRM writes to HubSpot (the loopback fake) through the CRM port, in real jobs:
a person's recent edit is proposed (a `crm_conflict` card), not written, and "apply anyway"
writes it; an old edit or an integration's is written and recorded in the write ledger, so
its webhook echo is recognised; a crash after the write replays the step without writing
again; a burst of 500 deal writes stays under the portal's burst limit (no 429)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from config.settings import Settings
from connectors.hubspot import HubSpotClient
from connectors.hubspot_models import WebhookEvent
from flows.crm_sync.inbound import handle_events
from flows.crm_writeback.hubspot import HubSpotCrm
from flows.crm_writeback.port import SixtyCrm, crm_for
from flows.registry import build_registry
from orchestrator.context import StepContext, TransientError
from orchestrator.engine import Engine
from orchestrator.events import Decision, Event, JobRef
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow
from storage import crm_write_ledger, hubspot
from storage.crm_write_ledger import CrmWrite, is_our_echo
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import (
    Contact,
    CrmFieldChange,
    Deal,
    SequenceJob,
    SlackPendingAction,
    User,
)
from tests.fakes.hubspot_server import APP_ID, PORTAL_ID, FakeHubSpot
from tests.support.sequences import RecordingDelivery, seed_org

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
KEY = Fernet.generate_key()
CIPHER = TokenCipher(KEY)


class VirtualTime:
    """One clock for the fake portal and the client; the client's waits advance it."""

    def __init__(self) -> None:
        self.t = NOW.timestamp()

    def clock(self) -> float:
        return self.t

    async def sleep(self, s: float) -> None:
        self.t += s


@pytest.fixture
async def time_() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def fake(time_: VirtualTime) -> AsyncIterator[FakeHubSpot]:
    server = await FakeHubSpot(clock=time_.clock).start()
    server.add_owner("501", 9001, "dana@acme.test", "Dana", "Lee")
    server.add_pipeline("deals", "default", "Sales Pipeline", [
        ("disc", "Discovery", {"isClosed": "false", "probability": "0.1"}),
        ("demo1", "Demo", {"isClosed": "false", "probability": "0.3"}),
        ("prop1", "Proposal", {"isClosed": "false", "probability": "0.6"}),
        ("won", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ])  # fmt: skip
    yield server
    await server.stop()


CLIENT: dict[str, HubSpotClient] = {}
CRASHES: list[int] = []


async def probe(ctx: StepContext) -> dict[str, Any]:
    """Write the payload's deal fields through HubSpotCrm (crashing once when asked)."""
    async with ctx.db.session() as s:
        row = await hubspot.get_connection(s, ctx.org_id)
    assert row is not None
    port = HubSpotCrm(row, client=CLIENT["c"])
    out: dict[str, Any] = {}
    for deal_id, fields in ctx.payload["writes"]:
        out[str(deal_id)] = await port.write_deal_fields(ctx, deal_id, fields)
    for from_type, from_id, to_type, to_id in ctx.payload.get("assoc") or []:
        out[f"{from_type}-{to_type}"] = await port.associate(
            ctx, from_type, from_id, to_type, to_id
        )
    for key, text, deal_id in ctx.payload.get("notes") or []:
        out[key] = await port.mirror_note(ctx, key, text, deal_id=deal_id, contact_id=None,
                                          at=ctx.now())  # fmt: skip
    if ctx.payload.get("crash") and not CRASHES:
        CRASHES.append(1)  # the process dies after the write, before the step's checkpoint
        raise TransientError("crashed after the write")
    return out


@sequence("crm_probe", version=1)
async def crm_probe(wf: Workflow) -> None:
    await wf.step(probe, on_failure=OnFailure.RETRY, retries=3)


async def world(db: Database, fake: FakeHubSpot, time_: VirtualTime, *, deals: int = 1,
                http: aiohttp.ClientSession) -> tuple[Engine, RecordingDelivery, int, list[tuple[int, str]]]:  # fmt: skip
    org, users = await seed_org(db)
    pairs = []
    async with db.transaction() as s:
        await hubspot.save_connection(
            s, cipher=CIPHER, org_id=org, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=users[0], now=NOW,
        )  # fmt: skip
        for n in range(deals):
            deal = Deal(org_id=org, name=f"Deal {n}", stage="demo", owner_id=users[0])
            s.add(deal)
            await s.flush()
            assert deal.id is not None
            ext = fake.seed("deals", {"dealname": f"Deal {n}", "dealstage": "demo1",
                                      "pipeline": "default", "amount": "48000"},
                            modified_at=NOW - timedelta(days=30))  # fmt: skip
            await hubspot.link(s, org, "deal", deal.id, ext)
            pairs.append((deal.id, ext))
    CLIENT["c"] = HubSpotClient(fake.static_token, base_url=fake.url, session=http,
                                clock=time_.clock, sleep=time_.sleep)  # fmt: skip
    reg = build_registry()
    reg.add_all([crm_probe])
    delivery = RecordingDelivery()
    settings = Settings(_env_file=None, encryption_key=KEY.decode(), hubspot_api_base=fake.url)
    engine = Engine(db, settings, delivery, reg, heartbeat_s=None,
                    retry_base_s=0.0, clock=lambda: NOW)  # fmt: skip
    return engine, delivery, org, pairs


async def run_probe(engine: Engine, org: int, writes: list[Any], **extra: Any) -> int:
    async with engine.db.session() as s:
        user = (await s.exec(select(User.id).where(User.org_id == org))).first()
    ref = await engine.submit(Event("crm_probe", "test", org, user,
                                    {"id": str(len(writes)) + str(extra), "writes": writes,
                                     **extra}))  # fmt: skip
    assert isinstance(ref, JobRef)
    for _ in range(4):
        await engine.drain()
    return ref.job_id


def patches(fake: FakeHubSpot, ext: str) -> list[Any]:
    return fake.calls_to(f"/deals/{ext}", "PATCH")


async def test_human_edit_inside_window_is_proposed_and_apply_anyway_writes_it(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _delivery, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        fake.edit_in_ui("deals", ext, "dealstage", "disc", user_id=9001,
                        at=NOW - timedelta(days=4))  # fmt: skip
        await run_probe(engine, org, [[deal_id, {"stage": "proposal"}]])
        assert patches(fake, ext) == []  # not written
        assert fake.objects["deals"][ext]["properties"]["dealstage"] == "disc"
        async with db.session() as s:
            cards = (await s.exec(select(SlackPendingAction))).all()
            conflict = (await s.exec(
                select(SequenceJob).where(SequenceJob.sequence_type == "crm_conflict"))).one()  # fmt: skip
        assert len(cards) == 1 and cards[0].kind == "stage_change"
        text = str(cards[0].payload)
        assert "Dana changed Stage to Discovery in HubSpot on 3 Dec; Sixty wanted Proposal" in text
        assert conflict.status == "awaiting_approval"

        assert (await engine.resume(cards[0].id, Decision.APPROVE, "U1")).ok
        await engine.drain()
        assert len(patches(fake, ext)) == 1
        assert fake.objects["deals"][ext]["properties"]["dealstage"] == "prop1"


async def test_keeping_hubspots_value_makes_sixtys_field_agree(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _delivery, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        async with db.transaction() as s:  # Sixty moved its deal to Proposal after a call
            deal = await s.get(Deal, deal_id)
            assert deal is not None
            deal.stage = "proposal"
            s.add(deal)
        fake.edit_in_ui("deals", ext, "dealstage", "disc", user_id=9001,
                        at=NOW - timedelta(days=4))  # fmt: skip
        await run_probe(engine, org, [[deal_id, {"stage": "proposal"}]])
        async with db.session() as s:
            [card] = (await s.exec(select(SlackPendingAction))).all()
        # Dana changes it again before the rep answers: Sixty takes the value HubSpot has now
        fake.edit_in_ui("deals", ext, "dealstage", "demo1", user_id=9001,
                        at=NOW - timedelta(days=1))  # fmt: skip

        assert (await engine.resume(card.id, Decision.SKIP, "U1")).ok
        await engine.drain()
        assert patches(fake, ext) == []  # HubSpot keeps its value
        assert fake.objects["deals"][ext]["properties"]["dealstage"] == "demo1"
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            changes = (await s.exec(select(CrmFieldChange).where(
                CrmFieldChange.deal_id == deal_id))).all()  # fmt: skip
            conflict = (await s.exec(
                select(SequenceJob).where(SequenceJob.sequence_type == "crm_conflict"))).one()  # fmt: skip
        assert deal is not None and deal.stage == "demo"
        assert (deal.field_edits or {})["stage"]["by"] == "hubspot"
        [kept] = changes
        assert (kept.field, kept.old_value, kept.new_value, kept.status) == (
            "stage",
            "proposal",
            "demo",
            "applied",
        )
        assert kept.provenance["reason"] == "kept HubSpot's value"
        assert kept.provenance["external_id"] == ext
        assert conflict.status == "completed"

        # a second answer to the same card changes nothing
        assert not (await engine.resume(card.id, Decision.SKIP, "U1")).ok
        await engine.drain()
        async with db.session() as s:
            assert len((await s.exec(select(CrmFieldChange))).all()) == 1


async def test_old_or_integration_edits_are_written_and_their_echo_is_recognised(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _, org, [(d1, e1), (d2, e2)] = await world(db, fake, time_, deals=2, http=http)
        fake.edit_in_ui(
            "deals", e1, "dealstage", "disc", user_id=9001, at=NOW - timedelta(days=15)
        )  # fmt: skip  (outside the 14-day window)
        await run_probe(engine, org, [[d1, {"stage": "proposal"}],
                                      [d2, {"stage": "proposal", "amount": 52000}]])  # fmt: skip
        assert fake.objects["deals"][e1]["properties"]["dealstage"] == "prop1"
        # d2: only the Sixty-owned stage is written; amount is HubSpot's field
        assert fake.objects["deals"][e2]["properties"]["dealstage"] == "prop1"
        assert fake.objects["deals"][e2]["properties"]["amount"] == "48000"
        async with db.session() as s:
            rows = (await s.exec(select(CrmWrite))).all()
            assert {(r.external_id, r.property) for r in rows} == {(e1, "dealstage"),
                                                                  (e2, "dealstage")}  # fmt: skip
            # the webhook HubSpot sends for our write: attributed to our app -> an echo
            ev = WebhookEvent.from_api(fake.event("deal.propertyChange", e1,
                                                  property_name="dealstage",
                                                  property_value="prop1",
                                                  change_source="INTEGRATION",
                                                  source_id=str(APP_ID)))  # fmt: skip
            kw: dict[str, Any] = {"org_id": org, "object_type": "deals", "external_id": e1,
                  "occurred_at": ev.occurred_at}  # fmt: skip
            assert await is_our_echo(s, **kw, properties={"dealstage": "prop1"},
                                     change_source=ev.change_source, source_id=ev.source_id,
                                     app_id=str(APP_ID))  # fmt: skip
            # no attribution (the journal's re-read record): the ledger recognises the value
            assert await is_our_echo(s, **kw, properties={"dealstage": "prop1"})
            # a person setting another value right after is not an echo
            assert not await is_our_echo(s, **kw, properties={"dealstage": "won"},
                                         change_source="CRM_UI", source_id="userId:9001",
                                         app_id=str(APP_ID))  # fmt: skip
            # another app's integration write is not ours
            assert not await is_our_echo(s, **kw, properties={"dealstage": "won"},
                                         change_source="INTEGRATION", source_id="999",
                                         app_id=str(APP_ID))  # fmt: skip
            # the inbound path re-reads the whole record: still our echo ...
            record = dict(fake.objects["deals"][e1]["properties"])
            assert await is_our_echo(s, **kw, properties=record)
            # ... until a person edits any field after our write
            fake.edit_in_ui("deals", e1, "amount", "50000", user_id=9001,
                            at=NOW + timedelta(minutes=2))  # fmt: skip
            record = dict(fake.objects["deals"][e1]["properties"])
            assert not await is_our_echo(s, **kw, properties=record)
            # a day later the ledger row no longer counts, and pruning drops it
            late = (ev.occurred_at or NOW) + timedelta(hours=25)
            assert not await is_our_echo(s, **{**kw, "occurred_at": late},
                                         properties={"dealstage": "prop1"})  # fmt: skip
        async with db.transaction() as s:
            assert await crm_write_ledger.prune(s, now=NOW + timedelta(hours=25)) == 2


async def test_the_inbound_webhook_for_our_write_changes_nothing(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        async with (
            db.transaction() as s
        ):  # Sixty's name differs from HubSpot's: a refresh would copy it
            deal = await s.get(Deal, deal_id)
            assert deal is not None
            deal.name = "Sixty's name"
            s.add(deal)
        await run_probe(engine, org, [[deal_id, {"stage": "proposal"}]])

        def event(name: str, value: str, source: str, source_id: str) -> WebhookEvent:
            return WebhookEvent.from_api(fake.event("deal.propertyChange", ext, property_name=name,
                                                    property_value=value, change_source=source,
                                                    source_id=source_id))  # fmt: skip

        echo = event("dealstage", "prop1", "INTEGRATION", str(APP_ID))
        got = await handle_events(db, CLIENT["c"], org, [echo], clock=lambda: NOW)
        assert got.echoes == 1 and got.applied == {}
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            assert deal is not None and deal.name == "Sixty's name"
        # a person's later edit is not an echo: it is applied
        time_.t += 120
        fake.edit_in_ui("deals", ext, "dealname", "Renamed in HubSpot", user_id=9001)
        human = event("dealname", "Renamed in HubSpot", "CRM_UI", "userId:9001")
        got = await handle_events(db, CLIENT["c"], org, [human], clock=lambda: NOW)
        assert got.echoes == 0 and got.applied == {"deal": 1}
        async with db.session() as s:
            deal = await s.get(Deal, deal_id)
            assert deal is not None and deal.name == "Renamed in HubSpot"


async def test_a_crash_between_the_write_and_the_checkpoint_writes_once(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    CRASHES.clear()
    async with aiohttp.ClientSession() as http:
        engine, _, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        job = await run_probe(engine, org, [[deal_id, {"stage": "proposal"}]], crash=True)
        async with db.session() as s:
            row = await s.get(SequenceJob, job)
        assert CRASHES == [1] and row is not None and row.status == "completed"
        assert row.attempts >= 2  # the step ran again
        assert len(patches(fake, ext)) == 1  # ... and HubSpot was written once
        assert fake.objects["deals"][ext]["properties"]["dealstage"] == "prop1"


async def test_a_burst_of_500_writes_stays_under_the_burst_limit(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _, org, pairs = await world(db, fake, time_, deals=500, http=http)
        start = time_.t
        await run_probe(engine, org, [[d, {"stage": "proposal"}] for d, _ in pairs])
        assert fake.rate_limited == []  # no 429 at all
        assert all(fake.objects["deals"][e]["properties"]["dealstage"] == "prop1"
                   for _, e in pairs)  # fmt: skip
        writes = fake.calls_to("", "PATCH")
        assert len(writes) == 500
        # 1,000+ calls at 190 per 10 s take at least 50 s of (virtual) time
        assert time_.t - start >= 50


async def test_a_validation_rule_refusal_goes_to_a_person_and_is_not_retried(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, delivery, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        fake.require_when("deals", "dealstage", "prop1", "closedate")
        job = await run_probe(engine, org, [[deal_id, {"stage": "proposal"}]])
        assert len(patches(fake, ext)) == 1  # tried once, never again
        assert fake.objects["deals"][ext]["properties"]["dealstage"] == "demo1"
        dms = [c["text"] for m, c in delivery.calls if m == "chat.postMessage"]
        assert any("needs a person" in t and "closedate" in t for t in dms), dms
        async with db.session() as s:
            row = await s.get(SequenceJob, job)
            assert (await s.exec(select(CrmWrite))).all() == []  # nothing was written
        assert row is not None and row.status == "completed"


async def test_a_logged_note_is_mirrored_once_on_the_deal(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    CRASHES.clear()
    async with aiohttp.ClientSession() as http:
        engine, _, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        await run_probe(engine, org, [], notes=[["email_sent-7", "Campaign reply answered", deal_id]],
                        crash=True)  # fmt: skip
        notes = list(fake.objects.get("notes", {}).values())
        assert [n["properties"]["hs_note_body"] for n in notes] == ["Campaign reply answered"]
        assert ("notes", "deals", ext) in {(f, t, tid) for f, _i, t, tid, _c, _n in fake.links}


async def test_associate_links_the_hubspot_records_of_two_sixty_rows(
    db: Database, fake: FakeHubSpot, time_: VirtualTime
) -> None:
    async with aiohttp.ClientSession() as http:
        engine, _, org, [(deal_id, ext)] = await world(db, fake, time_, http=http)
        person = fake.seed("contacts", {"email": "sam@globex.test"})
        async with db.transaction() as s:
            contact = Contact(org_id=org, name="Sam", email="sam@globex.test")
            s.add(contact)
            await s.flush()
            assert contact.id is not None
            await hubspot.link(s, org, "contact", contact.id, person)
        await run_probe(engine, org, [], assoc=[["deal", deal_id, "contact", contact.id],
                                                ["deal", deal_id, "contact", 999_999]])  # fmt: skip
        linked = {(f, fid, t, tid) for f, fid, t, tid, _c, _n in fake.links}
        assert ("deals", ext, "contacts", person) in linked
        assert len(fake.calls_to(f"/associations/default/contacts/{person}", "PUT")) == 1


async def test_sixty_crm_without_a_connection(db: Database) -> None:
    """No connection: the port is Sixty's tables (what the demo and the tests use)."""
    org, _ = await seed_org(db)

    class Ctx:
        org_id = org

        def __init__(self, d: Database) -> None:
            self.db = d

    assert isinstance(await crm_for(Ctx(db)), SixtyCrm)  # type: ignore[arg-type]
