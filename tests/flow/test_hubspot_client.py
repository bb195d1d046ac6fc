"""The HubSpot connector against its loopback fake: paging, batch chunking at 100, search
windows split under the 10,000 cap, 5/s search pacing and the 10-second burst bucket on an
injected clock, 429 backoff by policyName, the daily budget, NeedsAPerson for validation
rules, property history sources, engagements and associations, owners and pipelines, the
webhooks journal, OAuth refresh, signed webhooks, and logs free of addresses and bodies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from connectors.hubspot import (
    HubSpotAuthError,
    HubSpotClient,
    HubSpotDailyLimit,
    HubSpotUnavailable,
    JournalOffsetExpired,
    NeedsAPerson,
    OAuthToken,
)
from connectors.hubspot_limits import PortalLimits
from connectors.hubspot_models import (
    NOTE_TO_CONTACT,
    AssociationSpec,
    ObjectInput,
    ObjectUpdate,
    TokenGrant,
)
from connectors.hubspot_signature import SignatureRejected, verify_headers
from storage.crypto import TokenCipher
from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot

BASE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EMAIL = "dana.lee@prospect.test"
NOTE_BODY = "Dana said the budget is frozen until Q2; legal wants the DPA first."


class Clock:
    """Epoch seconds; `sleep` advances time instantly and records the waits."""

    def __init__(self) -> None:
        self.now = BASE.timestamp()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeHubSpot]:
    server = await FakeHubSpot(clock=clock).start()
    yield server
    await server.stop()


def client(fake: FakeHubSpot, clock: Clock, limits: PortalLimits | None = None) -> HubSpotClient:
    return HubSpotClient(fake.static_token, portal_id=PORTAL_ID, base_url=fake.url,
                         clock=clock, sleep=clock.sleep, limits=limits)  # fmt: skip


async def test_list_pages_with_after_and_opt_in_properties(fake: FakeHubSpot, clock: Clock) -> None:
    ids = [fake.seed("contacts", {"email": f"c{i}@acme.test", "firstname": f"C{i}"})
           for i in range(230)]  # fmt: skip
    api = client(fake, clock)
    rows = await api.list_objects("contacts", properties=["email", "firstname"])
    assert [r.id for r in rows] == ids
    assert rows[5].get("firstname") == "C5" and rows[5].get("email") == "c5@acme.test"
    calls = fake.calls_to("/crm/objects/2026-09/contacts", "GET")
    assert [c.query.get("after") for c in calls] == [None, "100", "200"]
    assert all(
        c.query["limit"] == "100" and c.query["properties"] == "email,firstname" for c in calls
    )
    assert calls[0].headers["Authorization"] == f"Bearer {fake.static_token}"
    assert fake.static_token not in repr(api) and "c5@acme.test" not in repr(rows[5])


async def test_batch_create_is_chunked_at_100(fake: FakeHubSpot, clock: Clock) -> None:
    inputs = [ObjectInput({"name": f"Acme {i}", "domain": f"acme{i}.test"}) for i in range(250)]
    result = await client(fake, clock).batch_create("companies", inputs)
    calls = fake.calls_to("/companies/batch/create")
    assert [len(c.json()["inputs"]) for c in calls] == [100, 100, 50]
    assert result.calls == 3 and not result.errors
    assert sorted(r.get("domain") or "" for r in result.results) == sorted(
        f"acme{i}.test" for i in range(250)
    )
    assert len(fake.objects["companies"]) == 250


async def test_batch_upsert_by_email_and_batch_read(fake: FakeHubSpot, clock: Clock) -> None:
    existing = fake.seed("contacts", {"email": EMAIL, "firstname": "Dana"})
    api = client(fake, clock)
    result = await api.batch_upsert("contacts", [
        ObjectUpdate(EMAIL, {"jobtitle": "CFO"}, id_property="email"),
        ObjectUpdate("new.person@prospect.test", {"firstname": "Nia"}, id_property="email"),
    ])  # fmt: skip
    assert not result.errors and len(result.results) == 2
    assert fake.objects["contacts"][existing]["properties"]["jobtitle"] == "CFO"
    read = await api.batch_read("contacts", [EMAIL, "new.person@prospect.test"],
                                properties=["firstname"], id_property="email")  # fmt: skip
    assert sorted(r.get("firstname") or "" for r in read) == ["Dana", "Nia"]


async def test_search_splits_windows_beyond_10000(fake: FakeHubSpot, clock: Clock) -> None:
    start = BASE - timedelta(days=12)
    for i in range(12_000):  # one deal every 86.4 s over 12 days
        fake.seed(
            "deals", {"dealname": f"Deal {i}"}, modified_at=start + timedelta(seconds=86.4 * i)
        )
    api = client(fake, clock)
    rows = await api.search_modified("deals", start, BASE, properties=["dealname"])
    assert len(rows) == 12_000 and len({r.id for r in rows}) == 12_000
    stamps = [r.get("hs_lastmodifieddate") or "" for r in rows]
    assert stamps == sorted(stamps)
    searches = fake.calls_to("/deals/search", "POST")
    bodies = [c.json() for c in searches]
    assert all(int(b.get("after") or 0) + b["limit"] <= 10_000 for b in bodies)
    assert all(b["limit"] <= 200 for b in bodies)
    windows = {(b["filterGroups"][0]["filters"][0]["value"], b["filterGroups"][0]["filters"][1]["value"])
               for b in bodies}  # fmt: skip
    assert len(windows) == 3  # the whole range (total 12,000) and its two halves
    assert fake.rate_limited == []  # 5/s pacing: no 429 on the way
    # pacing on the injected clock: never more than 5 searches in any 1-second window
    times = [c.at for c in searches]
    assert all(times[i + 5] - times[i] >= 1.0 for i in range(len(times) - 5))
    assert clock.now - BASE.timestamp() >= (len(searches) - 5) / 5 - 0.01
    # one query alone is cut at 10,000 without asking past the cap (HubSpot would 400)
    assert len(await api.search("deals", properties=["dealname"])) == 10_000


async def test_search_filters_sorts_and_the_fake_cap(fake: FakeHubSpot, clock: Clock) -> None:
    for stage, amount in (
        ("appointmentscheduled", "100"),
        ("closedwon", "900"),
        ("closedwon", "50"),
    ):
        fake.seed("deals", {"dealstage": stage, "amount": amount})
    api = client(fake, clock)
    rows = await api.search("deals", filter_groups=[{"filters": [
        {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]}],
        sorts=[{"propertyName": "amount", "direction": "DESCENDING"}], properties=["amount"])  # fmt: skip
    assert [r.get("amount") for r in rows] == ["900", "50"]
    status, doc = 0, None
    try:
        await api.search_page("deals", after="9900", limit=200)
    except Exception as exc:  # the fake enforces HubSpot's cap too
        status, doc = getattr(exc, "status", 0), str(exc)
    assert status == 400 and "10,000" in str(doc)


async def test_burst_bucket_keeps_500_writes_under_the_limit(
    fake: FakeHubSpot, clock: Clock
) -> None:
    ids = [fake.seed("contacts", {"firstname": f"N{i}"}) for i in range(500)]
    api = client(fake, clock)  # professional: 190 per 10 s, the fake's limit too
    for oid in ids:
        await api.update("contacts", oid, {"lifecyclestage": "lead"})
    assert fake.rate_limited == []
    writes = [c.at for c in fake.calls if c.method == "PATCH"]
    assert len(writes) == 500
    assert all(writes[i + 190] - writes[i] >= 10.0 for i in range(len(writes) - 190))
    assert clock.now - BASE.timestamp() >= 20.0  # 500 writes need at least three windows


async def test_429_ten_secondly_backs_off_and_retries(fake: FakeHubSpot, clock: Clock) -> None:
    oid = fake.seed("deals", {"dealname": "Q1"})
    path = f"/crm/objects/2026-09/deals/{oid}"
    fake.fail_next(path, 429, {"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
                   times=2)  # fmt: skip
    deal = await client(fake, clock).get_object("deals", oid, properties=["dealname"])
    assert deal.get("dealname") == "Q1"
    assert clock.sleeps == [10.0, 10.0] and len(fake.calls_to(path)) == 3


async def test_429_daily_stops_and_reports(fake: FakeHubSpot, clock: Clock) -> None:
    oid = fake.seed("deals", {"dealname": "Q1"})
    path = f"/crm/objects/2026-09/deals/{oid}"
    fake.fail_next(path, 429, {"errorType": "RATE_LIMIT", "policyName": "DAILY"})
    api = client(fake, clock)
    with pytest.raises(HubSpotDailyLimit, match="daily"):
        await api.get_object("deals", oid)
    before = len(fake.calls)
    with pytest.raises(HubSpotDailyLimit):  # the rest of the day: nothing is sent
        await api.get_object("deals", oid)
    assert len(fake.calls) == before and clock.sleeps == []
    clock.now = (BASE + timedelta(days=1)).replace(hour=0, minute=1).timestamp()
    assert (await api.get_object("deals", oid, properties=["dealname"])).get("dealname") == "Q1"


async def test_daily_budget_is_our_share(fake: FakeHubSpot, clock: Clock) -> None:
    oid = fake.seed("deals", {"dealname": "Q1"})
    limits = PortalLimits("starter", daily_share=0.4, daily_cap=3, clock=clock)
    assert PortalLimits("starter", daily_share=0.4, clock=clock).daily.budget == 100_000
    api = client(fake, clock, limits=limits)
    for _ in range(3):
        await api.get_object("deals", oid)
    with pytest.raises(HubSpotDailyLimit, match="3 of 3"):
        await api.get_object("deals", oid)
    assert len(fake.calls) == 3


async def test_validation_rule_raises_needs_a_person(fake: FakeHubSpot, clock: Clock) -> None:
    fake.require_when("deals", "dealstage", "closedwon", "closedate")
    oid = fake.seed("deals", {"dealstage": "contractsent"})
    other = fake.seed("deals", {"dealstage": "contractsent"})
    api = client(fake, clock)
    with pytest.raises(NeedsAPerson) as caught:
        await api.update("deals", oid, {"dealstage": "closedwon"})
    assert 'Property "closedate" is required when "dealstage" is "closedwon"' in str(caught.value)
    assert caught.value.status == 400 and len(fake.calls_to(f"/deals/{oid}", "PATCH")) == 1
    assert clock.sleeps == []
    result = await api.batch_update("deals", [
        ObjectUpdate(oid, {"dealstage": "closedwon"}, trace_id="t-1"),
        ObjectUpdate(other, {"dealstage": "closedwon", "closedate": "2026-12-01"}),
    ])  # fmt: skip
    assert [r.id for r in result.results] == [other]
    assert [e.message for e in result.needs_a_person] == [fake.rules[0].message()]
    assert result.needs_a_person[0].context["objectWriteTraceId"] == ["t-1"]


async def test_history_tells_human_edits_from_ours(fake: FakeHubSpot, clock: Clock) -> None:
    oid = fake.seed("deals", {"dealstage": "appointmentscheduled", "amount": "100"},
                    modified_at=BASE - timedelta(days=3))  # fmt: skip
    api = client(fake, clock)
    await api.update("deals", oid, {"amount": "250"})
    fake.edit_in_ui("deals", oid, "dealstage", "contractsent", user_id=77,
                    at=BASE + timedelta(minutes=5))  # fmt: skip
    deal = await api.property_history("deals", oid, ["dealstage", "amount"])
    call = fake.calls[-1]
    assert call.query["propertiesWithHistory"] == "dealstage,amount"
    stage = deal.latest("dealstage")
    assert stage is not None and stage.value == "contractsent" and stage.source_type == "CRM_UI"
    assert stage.is_human_edit and stage.user_id == 77 and stage.source_id == "userId:77"
    amount = deal.latest("amount")
    assert amount is not None and amount.value == "250" and amount.source_type == "INTEGRATION"
    assert not amount.is_human_edit
    assert [e.value for e in deal.history["amount"]] == ["250", "100"]
    assert deal.history["amount"][1].source_type == "IMPORT"


async def test_batch_history_reads_go_50_at_a_time(fake: FakeHubSpot, clock: Clock) -> None:
    ids = [fake.seed("deals", {"dealstage": "qualifiedtobuy"}) for _ in range(120)]
    api = client(fake, clock)
    deals = await api.batch_read("deals", ids, properties=["dealstage"],
                                 properties_with_history=["dealstage"])  # fmt: skip
    assert sorted(d.id for d in deals) == sorted(ids)
    assert all(d.latest("dealstage") is not None for d in deals)
    sizes = [len(c.json()["inputs"]) for c in fake.calls_to("/deals/batch/read")]
    assert sizes == [50, 50, 20]
    await api.batch_read("deals", ids, properties=["dealstage"])
    assert [len(c.json()["inputs"]) for c in fake.calls_to("/deals/batch/read")][3:] == [100, 20]


async def test_engagements_and_associations(fake: FakeHubSpot, clock: Clock) -> None:
    contact = fake.seed("contacts", {"email": EMAIL})
    deal = fake.seed("deals", {"dealname": "Q1"})
    api = client(fake, clock)
    note = await api.create_note(body=NOTE_BODY, timestamp=BASE, owner_id="9001",
                                 associations=[AssociationSpec(contact, (NOTE_TO_CONTACT,))])  # fmt: skip
    sent = fake.calls_to("/crm/objects/2026-09/notes", "POST")[0].json()
    assert sent["properties"] == {"hs_timestamp": "2026-12-01T09:00:00.000Z",
                                  "hs_note_body": NOTE_BODY, "hubspot_owner_id": "9001"}  # fmt: skip
    assert sent["associations"] == [{"to": {"id": contact}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}]  # fmt: skip
    links = await api.associations("notes", note.id, "contacts")
    assert [(a.to_id, a.types[0].type_id) for a in links] == [(contact, 202)]
    task = await api.create_task(subject="Send the DPA", due=BASE + timedelta(days=2))
    meeting = await api.create_meeting(title="Discovery", start=BASE, end=BASE + timedelta(hours=1))
    assert fake.objects["tasks"][task.id]["properties"]["hs_task_status"] == "NOT_STARTED"
    assert fake.objects["meetings"][meeting.id]["properties"]["hs_meeting_end_time"] == (
        "2026-12-01T10:00:00.000Z"
    )
    await api.associate_default("deals", deal, "contacts", contact)
    assert fake.calls[-1].method == "PUT" and fake.calls[-1].path.endswith(
        f"/deals/{deal}/associations/default/contacts/{contact}"
    )
    result = await api.batch_associate_default("meetings", "deals", [(meeting.id, deal)])
    assert result.calls == 1 and not result.errors
    assert [a.to_id for a in await api.associations("deals", deal, "meetings")] == [meeting.id]
    with pytest.raises(ValueError, match="65,536"):
        await api.create_note(body="x" * 65_537, timestamp=BASE)


async def test_owners_and_pipeline_stage_labels(fake: FakeHubSpot, clock: Clock) -> None:
    for i in range(130):
        fake.add_owner(str(5000 + i), 70 + i, f"rep{i}@acme.test", f"Rep{i}", "Smith")
    fake.add_pipeline("deals", "default", "Sales Pipeline", [
        ("appointmentscheduled", "Appointment scheduled", {"probability": "0.2", "isClosed": "false"}),
        ("closedwon", "Closed won", {"probability": "1.0", "isClosed": "true"})])  # fmt: skip
    api = client(fake, clock)
    owners = await api.owners()
    assert len(owners) == 130 and owners[0].user_id == 70 and owners[0].name == "Rep0 Smith"
    assert "rep0@acme.test" not in repr(owners[0])
    (pipe,) = await api.pipelines("deals")
    assert pipe.stage_label("closedwon") == "Closed won" and pipe.stages[1].is_closed
    assert pipe.stages[0].probability == 0.2


async def test_journal_reads_in_order_and_reports_expiry(fake: FakeHubSpot, clock: Clock) -> None:
    deal = fake.seed("deals", {"dealstage": "contractsent"})
    first = fake.add_journal_entry([fake.event("object.propertyChange", deal, property_name="dealstage",
                                               property_value="closedwon", source_id="userId:77")])  # fmt: skip
    fake.add_journal_entry([fake.event("object.creation", deal, change_source="INTEGRATION")])
    api = client(fake, clock)
    entry = await api.journal_next(None)
    assert entry is not None and entry.offset == first
    (event,) = entry.events
    assert event.change_source == "CRM_UI" and event.source_id == "userId:77"
    assert event.property_name == "dealstage" and event.object_id == int(deal)
    assert fake.calls_to("/earliest")[0].query["installPortalId"] == str(PORTAL_ID)
    assert "Authorization" not in fake.calls_to(f"/_journal_files/{first}")[0].headers
    second = await api.journal_next(entry.offset)
    assert second is not None and second.events[0].subscription_type == "object.creation"
    assert await api.journal_next(second.offset) is None
    with pytest.raises(JournalOffsetExpired):
        await api.journal_next("00000000-0000-0000-0000-000000000000")
    assert api.limits.daily.used == 0  # journal calls are exempt from the limits


async def test_oauth_refresh_every_30_minutes_and_on_401(fake: FakeHubSpot, clock: Clock) -> None:
    oid = fake.seed("deals", {"dealname": "Q1"})
    cipher = TokenCipher(Fernet.generate_key())
    stored: list[bytes] = []

    async def save(grant: TokenGrant) -> None:
        stored.append(cipher.encrypt(grant.token_blob()))

    start = TokenGrant("expired-token", fake.refresh_token, BASE - timedelta(minutes=1))
    tokens = OAuthToken(client_id=fake.client_id, client_secret=fake.client_secret, grant=start,
                        on_refresh=save)  # fmt: skip
    api = HubSpotClient(tokens, base_url=fake.url, clock=clock, sleep=clock.sleep)
    assert (await api.get_object("deals", oid, properties=["dealname"])).get("dealname") == "Q1"
    (refresh,) = fake.calls_to("/oauth/2026-03/token")
    assert b"grant_type=refresh_token" in refresh.body and refresh.query == {}
    assert tokens.grant.expires_at == BASE + timedelta(minutes=30)
    blob = cipher.decrypt(stored[0])
    assert TokenGrant.from_blob(blob).access_token == tokens.grant.access_token
    clock.now += 29 * 60 + 30  # inside the 60 s skew: refreshed before use
    await api.get_object("deals", oid)
    assert fake.refreshes == 2 and len(stored) == 2
    fake.tokens.pop(tokens.grant.access_token)  # revoked server-side: 401 -> refresh once
    await api.get_object("deals", oid)
    assert fake.refreshes == 3
    fake.refresh_token = "rotated-elsewhere"
    fake.tokens.pop(tokens.grant.access_token)
    with pytest.raises(HubSpotAuthError, match="reconnect"):
        await api.get_object("deals", oid)


async def test_signed_webhook_reaches_a_receiver_that_verifies(
    fake: FakeHubSpot, clock: Clock
) -> None:
    outcomes: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_headers(fake.app_secret, method=request.method, uri=str(request.url), body=body,
                           headers=request.headers, clock=clock)  # fmt: skip
        except SignatureRejected as exc:
            outcomes.append(str(exc))
            return web.Response(status=401)
        outcomes.append("ok")
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks/hubspot", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/hooks/hubspot"
    try:
        events = [
            fake.event("deal.propertyChange", "123", property_name="amount", property_value="5")
        ]
        assert await fake.emit_webhook(url, events) == 204
        assert await fake.emit_webhook(url, events, secret="wrong") == 401
        stale = int((clock() - 301) * 1000)
        assert await fake.emit_webhook(url, events, timestamp_ms=stale) == 401
    finally:
        await runner.cleanup()
    assert outcomes == ["ok", "signature does not match", "timestamp older than 5 minutes"]


async def test_logs_hold_no_addresses_or_bodies(
    fake: FakeHubSpot, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.require_when("contacts", "lifecyclestage", "customer", "company")
    contact = fake.seed("contacts", {"email": EMAIL})
    api = client(fake, clock)
    await api.batch_upsert(
        "contacts", [ObjectUpdate(EMAIL, {"firstname": "Dana"}, id_property="email")]
    )
    await api.create_note(body=NOTE_BODY, timestamp=BASE,
                          associations=[AssociationSpec(contact, (NOTE_TO_CONTACT,))])  # fmt: skip
    await api.search("contacts", filter_groups=[{"filters": [
        {"propertyName": "email", "operator": "EQ", "value": EMAIL}]}])  # fmt: skip
    with pytest.raises(NeedsAPerson):
        await api.update("contacts", contact, {"lifecyclestage": "customer"})
    assert caplog.records  # the connector did log
    dumped = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    assert EMAIL not in dumped and NOTE_BODY not in dumped and "Dana" not in dumped


async def test_search_429_waits_a_second_and_5xx_retries_reads_only(
    fake: FakeHubSpot, clock: Clock
) -> None:
    oid = fake.seed("deals", {"dealname": "Q1"})
    api = client(fake, clock)
    fake.fail_next("/crm/objects/2026-09/deals/search", 429,
                   {"errorType": "RATE_LIMIT", "policyName": "SECONDLY"})  # fmt: skip
    assert [d.id for d in await api.search("deals")] == [oid]
    assert clock.sleeps == [1.0]
    fake.fail_next(f"/crm/objects/2026-09/deals/{oid}", 503)
    assert (await api.get_object("deals", oid, properties=["dealname"])).get("dealname") == "Q1"
    fake.fail_next(f"/crm/objects/2026-09/deals/{oid}", 503)
    with pytest.raises(HubSpotUnavailable):  # a write is not repeated blindly
        await api.update("deals", oid, {"dealname": "Q2"})
    assert fake.objects["deals"][oid]["properties"]["dealname"] == "Q1"


async def test_a_refused_batch_chunk_is_recorded_and_the_rest_go_on(
    fake: FakeHubSpot, clock: Clock
) -> None:
    ids = [fake.seed("contacts", {"firstname": f"N{i}"}) for i in range(150)]
    fake.fail_next("/crm/objects/2026-09/contacts/batch/update", 400, {
        "category": "VALIDATION_ERROR", "message": "You do not have permission to edit these records"})  # fmt: skip
    result = await client(fake, clock).batch_update(
        "contacts", [ObjectUpdate(i, {"jobtitle": "VP"}) for i in ids])  # fmt: skip
    assert result.calls == 2 and len(result.results) == 50
    assert [e.message for e in result.needs_a_person] == [
        "You do not have permission to edit these records"
    ]


async def test_a_refused_static_token_is_an_auth_error(fake: FakeHubSpot, clock: Clock) -> None:
    api = HubSpotClient("pat-na1-revoked", base_url=fake.url, clock=clock, sleep=clock.sleep)
    with pytest.raises(HubSpotAuthError, match="refused the token"):
        await api.list_objects("contacts")
    assert len(fake.calls) == 1
