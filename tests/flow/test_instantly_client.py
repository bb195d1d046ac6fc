"""The Instantly connector against its loopback fake: paging, 429 / Retry-After, the 20/min
`GET /emails` bucket on an injected clock, reply and interest shapes, errors, the watermark,
and the step/variant index conventions (zero-based analytics, 1-based webhooks)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from config.settings import Settings
from connectors.instantly import (
    USER_AGENT,
    InstantlyAuthError,
    InstantlyClient,
    InstantlyRateLimited,
    InstantlyRequestError,
    InstantlyUnavailable,
    client_from_settings,
)
from connectors.instantly_models import (
    INTEREST_INTERESTED,
    analytics_to_webhook,
    parse_index,
    variant_letter,
    webhook_to_analytics,
)
from connectors.rate_bucket import Limiter, TokenBucket
from storage.crypto import TokenCipher
from tests.fakes.instantly_server import BASE_TIME, FakeInstantly

REP = "ana@acme.test"
LEAD = "dana@prospect.test"


class Clock:
    """Injected time: `sleep` advances it instantly and records what was asked."""

    def __init__(self) -> None:
        self.now = 1000.0
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
async def fake(clock: Clock) -> AsyncIterator[FakeInstantly]:
    server = await FakeInstantly(clock=clock).start()
    yield server
    await server.stop()


def client(fake: FakeInstantly, clock: Clock, **kw: object) -> InstantlyClient:
    return InstantlyClient(fake.api_key, base_url=fake.url, clock=clock, sleep=clock.sleep, **kw)  # type: ignore[arg-type]


async def test_settings_default_and_override(fake: FakeInstantly, clock: Clock) -> None:
    assert Settings().instantly_api_base == "https://api.instantly.ai"
    settings = Settings(instantly_api_base=fake.url)
    fake.add_campaign("Q3 Fintech")
    api = client_from_settings(settings, fake.api_key, clock=clock, sleep=clock.sleep)
    assert [c.name for c in await api.list_campaigns()] == ["Q3 Fintech"]
    call = fake.calls[-1]
    assert call.headers["Authorization"] == f"Bearer {fake.api_key}"
    assert call.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("Sixty/")
    assert fake.api_key not in repr(api)


async def test_pagination_follows_next_starting_after(fake: FakeInstantly, clock: Clock) -> None:
    ids = [fake.add_campaign(f"Campaign {i:03}", accounts=[REP]) for i in range(230)]
    api = client(fake, clock)
    campaigns = await api.list_campaigns()
    assert [c.id for c in campaigns] == ids
    calls = fake.calls_to("/api/v2/campaigns")
    assert [c.param("starting_after") for c in calls] == [None, ids[99], ids[199]]
    assert all(c.param("limit") == "100" for c in calls)
    # the page bound stops a long walk
    assert len(await api.list_campaigns(max_pages=2)) == 200


async def test_a_full_last_page_ends_on_the_empty_one(fake: FakeInstantly, clock: Clock) -> None:
    for i in range(200):
        fake.add_campaign(f"Campaign {i:03}")
    assert len(await client(fake, clock).list_campaigns()) == 200
    # the API gives a full last page a cursor too; the walk stops on the empty page after it
    assert len(fake.calls_to("/api/v2/campaigns")) == 3


async def test_accounts_map_campaigns_to_reps(fake: FakeInstantly, clock: Clock) -> None:
    fake.add_account(REP, "Ana", "Rep")
    fake.add_account("bo@acme.test", "Bo", "Rep")
    one = fake.add_campaign("Fintech", accounts=[REP])
    two = fake.add_campaign("Retail", accounts=["bo@acme.test", "gone@acme.test"])
    senders = await client(fake, clock).campaign_senders()
    assert [a.first_name for a in senders[one]] == ["Ana"]
    assert [a.email for a in senders[two]] == ["bo@acme.test"]
    assert REP not in repr(senders)  # addresses stay out of reprs (logs)


async def test_429_waits_retry_after_then_succeeds(fake: FakeInstantly, clock: Clock) -> None:
    fake.add_campaign("Fintech")
    fake.fail_next("/api/v2/campaigns", 429, retry_after="7")
    api = client(fake, clock)
    assert len(await api.list_campaigns()) == 1
    assert clock.sleeps == [7.0]
    assert len(fake.calls_to("/api/v2/campaigns")) == 2


async def test_429_is_bounded(fake: FakeInstantly, clock: Clock) -> None:
    fake.fail_next("/api/v2/campaigns", 429, retry_after="2", times=3)
    with pytest.raises(InstantlyRateLimited) as info:
        await client(fake, clock, max_attempts=3).list_campaigns()
    assert info.value.retryable and info.value.retry_after == 2.0
    assert len(fake.calls_to("/api/v2/campaigns")) == 3
    # a wait longer than the client will sleep is handed back to the caller
    fake.fail_next("/api/v2/campaigns", 429, retry_after="3600")
    with pytest.raises(InstantlyRateLimited) as long_wait:
        await client(fake, clock).list_campaigns()
    assert long_wait.value.retry_after == 3600.0


async def test_emails_bucket_keeps_under_20_a_minute(fake: FakeInstantly, clock: Clock) -> None:
    cid = fake.add_campaign("Fintech", accounts=[REP])
    fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP)
    api = client(fake, clock)
    start = clock.now
    for _ in range(45):
        assert len(await api.list_emails(email_type="received")) == 1
    email_calls = fake.calls_to("/api/v2/emails")
    assert len(email_calls) == 45  # the fake never had to answer 429
    # 20 at once, the 21st..40th after 60 s, the 41st..45th after 120 s
    assert clock.now - start == pytest.approx(120.0)
    assert api.limiter.waited_s == pytest.approx(120.0)
    # other endpoints do not wait behind the emails bucket
    before = clock.now
    await api.list_campaigns()
    assert clock.now == before


async def test_fake_enforces_emails_limit_and_client_recovers(
    fake: FakeInstantly, clock: Clock
) -> None:
    fake.add_email(campaign_id=None, lead=LEAD, eaccount=REP)
    first, second = client(fake, clock), client(fake, clock)  # two processes, one workspace
    for _ in range(20):
        await first.list_emails()
    clock.sleeps.clear()
    await second.list_emails()  # its own bucket is empty: the server's 429 is what stops it
    assert clock.sleeps == [60.0]
    assert len(fake.calls_to("/api/v2/emails")) == 22


def test_token_bucket_is_a_sliding_window() -> None:
    now = [0.0]
    bucket = TokenBucket(3, 10.0, clock=lambda: now[0])
    for _ in range(3):
        assert bucket.wait_s() == 0
        bucket.take()
    assert bucket.wait_s() == 10.0
    now[0] = 4.0
    assert bucket.wait_s() == 6.0 and bucket.available == 0
    now[0] = 10.0
    assert bucket.available == 3
    with pytest.raises(ValueError):
        TokenBucket(0, 1.0)
    assert Limiter().waited_s == 0


async def test_reply_shape_as_received(fake: FakeInstantly, clock: Clock) -> None:
    fake.add_account(REP, "Ana", "Rep")
    cid = fake.add_campaign("Fintech", accounts=[REP])
    parent = fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP, subject="Re: Quick question")
    api = client(fake, clock)
    sent = await api.reply(eaccount=REP, reply_to_uuid=parent["id"], subject="Re: Quick question",
                           body_text="Tuesday works.", body_html="<p>Tuesday works.</p>")  # fmt: skip
    assert fake.replies == [{"eaccount": REP, "reply_to_uuid": parent["id"],
                             "subject": "Re: Quick question",
                             "body": {"text": "Tuesday works.", "html": "<p>Tuesday works.</p>"}}]  # fmt: skip
    assert sent.thread_id == parent["thread_id"] and sent.ue_type == 3
    assert "Tuesday" not in repr(sent) and REP not in repr(sent)


async def test_reply_is_never_retried_on_5xx(fake: FakeInstantly, clock: Clock) -> None:
    fake.add_account(REP)
    parent = fake.add_email(campaign_id=None, lead=LEAD, eaccount=REP)
    fake.fail_next("/api/v2/emails/reply", 503)
    with pytest.raises(InstantlyUnavailable) as info:
        await client(fake, clock).reply(eaccount=REP, reply_to_uuid=parent["id"],
                                        subject="Re: hi", body_text="ok")  # fmt: skip
    assert info.value.retryable and info.value.status == 503
    assert len(fake.calls_to("/api/v2/emails/reply", "POST")) == 1 and fake.replies == []
    # a GET is retried once the 5xx passes
    fake.fail_next("/api/v2/campaigns", 500)
    assert await client(fake, clock).list_campaigns() == []


async def test_interest_update_shape_and_202(fake: FakeInstantly, clock: Clock) -> None:
    cid = fake.add_campaign("Fintech", accounts=[REP])
    fake.add_lead(LEAD, cid)
    fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP)
    api = client(fake, clock)
    status = await api.update_interest_status(
        lead_email=LEAD, interest_value=INTEREST_INTERESTED, campaign_id=cid
    )
    assert status == 202
    assert fake.interest_updates == [{"lead_email": LEAD, "interest_value": 1, "campaign_id": cid}]
    assert fake.leads[LEAD]["lt_interest_status"] == 1
    interested = await api.list_emails(i_status=INTEREST_INTERESTED)
    assert [e.i_status for e in interested] == [1]
    # null resets the lead to plain "Lead"
    assert await api.update_interest_status(lead_email=LEAD, interest_value=None) == 202
    assert fake.interest_updates[-1] == {"lead_email": LEAD, "interest_value": None}


async def test_validation_errors_carry_the_api_message(fake: FakeInstantly, clock: Clock) -> None:
    api = client(fake, clock)
    with pytest.raises(InstantlyRequestError) as info:
        await api.update_interest_status(lead_email=LEAD, interest_value=9)
    assert str(info.value) == "body/interest_value must be a valid status"
    assert info.value.status == 400 and not info.value.retryable
    with pytest.raises(InstantlyRequestError, match="Email not found"):
        await api.reply(eaccount=REP, reply_to_uuid="0198-none", subject="Re", body_text="x")


async def test_refused_key_is_a_clear_auth_error(fake: FakeInstantly, clock: Clock) -> None:
    api = InstantlyClient("wrong-key", base_url=fake.url, clock=clock, sleep=clock.sleep)
    with pytest.raises(InstantlyAuthError) as info:
        await api.list_campaigns()
    assert "the API key was refused" in str(info.value)
    assert "wrong-key" not in str(info.value) and info.value.status == 401
    assert len(fake.calls) == 1  # not retried


async def test_email_filters_and_newest_first(fake: FakeInstantly, clock: Clock) -> None:
    cid = fake.add_campaign("Fintech", accounts=[REP])
    sent = fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP, ue_type=1,
                          at=BASE_TIME, subject="Quick question")  # fmt: skip
    older = fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP,
                           at=BASE_TIME + timedelta(hours=1), thread_id=sent["thread_id"])  # fmt: skip
    newer = fake.add_email(campaign_id=cid, lead="eve@prospect.test", eaccount=REP,
                           at=BASE_TIME + timedelta(hours=2), is_unread=False)  # fmt: skip
    api = client(fake, clock)
    received = await api.list_emails(email_type="received")
    assert [e.id for e in received] == [newer["id"], older["id"]]
    assert all(e.received for e in received)
    assert [e.id for e in await api.list_emails(is_unread=True, email_type="received")] == [
        older["id"]
    ]
    latest = await api.list_emails(latest_of_thread=True)
    assert {e.id for e in latest} == {newer["id"], older["id"]}
    call = fake.calls_to("/api/v2/emails")[-1]
    assert call.param("latest_of_thread") == "true" and call.param("sort_order") == "desc"


async def test_watermark_stops_at_last_seen(fake: FakeInstantly, clock: Clock) -> None:
    cid = fake.add_campaign("Fintech", accounts=[REP])
    first = [fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP,
                            at=BASE_TIME + timedelta(minutes=i)) for i in range(3)]  # fmt: skip
    api = client(fake, clock)
    got, mark = await api.emails_since(None)
    assert [e.id for e in got] == [d["id"] for d in first]  # oldest first
    assert mark is not None and mark.last_id == first[-1]["id"]
    again, same = await api.emails_since(mark)
    assert again == [] and same == mark
    new = [fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP,
                          at=BASE_TIME + timedelta(minutes=10 + i)) for i in range(2)]  # fmt: skip
    got, mark2 = await api.emails_since(mark)
    assert [e.id for e in got] == [d["id"] for d in new]
    since = fake.calls_to("/api/v2/emails")[-1].param("min_timestamp_created")
    assert since == first[-1]["timestamp_created"]
    assert mark2 is not None and mark2.last_id == new[-1]["id"]


async def test_a_walk_cut_short_by_the_page_limit_keeps_the_watermark(
    fake: FakeInstantly, clock: Clock
) -> None:
    """More new emails than the pages allow: the ones found are returned, the watermark stays,
    so the older new emails are found by the next pass instead of being skipped for good."""
    cid = fake.add_campaign("Fintech", accounts=[REP])
    fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP, at=BASE_TIME)
    api = client(fake, clock)
    _, mark = await api.emails_since(None)
    for i in range(150):
        fake.add_email(
            campaign_id=cid, lead=LEAD, eaccount=REP, at=BASE_TIME + timedelta(minutes=1 + i)
        )
    got, kept = await api.emails_since(mark, max_pages=1)
    assert len(got) == 100 and kept == mark  # the newest 100; 50 older new ones not seen yet
    everything, moved = await api.emails_since(mark, max_pages=5)
    assert len(everything) == 150 and moved is not None and moved != mark


async def test_analytics_overview_daily_and_totals(fake: FakeInstantly, clock: Clock) -> None:
    a = fake.add_campaign("Fintech")
    b = fake.add_campaign("Retail")
    fake.set_analytics(a, emails_sent_count=5000, reply_count_unique=280,
                       reply_count_automatic_unique=15, new_leads_contacted_count=1200,
                       total_opportunity_value=1000)  # fmt: skip
    fake.set_daily_rows(a, [{"date": "2026-11-20", "sent": 40, "unique_replies": 2},
                            {"date": "2026-11-21", "sent": 38, "unique_replies": 1}])  # fmt: skip
    api = client(fake, clock)
    totals = await api.campaign_analytics([a, b])
    assert [t.campaign_id for t in totals] == [a, b]
    assert totals[0].emails_sent_count == 5000 and totals[1].emails_sent_count == 0
    assert totals[0].total_opportunity_value == 1000.0
    call = fake.calls_to("/api/v2/campaigns/analytics")[-1]
    assert [v for k, v in call.query if k == "ids"] == [a, b]
    assert call.param("exclude_total_leads_count") == "true"
    over = await api.campaign_overview([a, b])
    assert over.reply_count_automatic_unique == 15 and over.campaign_id == ""
    assert [v for k, v in fake.calls[-1].query if k == "ids"] == [a, b]
    days = await api.daily_analytics(a, start_date="2026-11-21")
    assert [(d.date, d.sent) for d in days] == [("2026-11-21", 38)]


def test_index_conventions() -> None:
    assert parse_index("0") == 0 and parse_index(None) is None and parse_index("x") is None
    assert webhook_to_analytics(1, 1) == (0, 0)
    assert analytics_to_webhook(2, 1) == (3, 2)
    assert variant_letter(0) == "A" and variant_letter(25) == "Z"
    with pytest.raises(ValueError):
        webhook_to_analytics(0, 1)
    with pytest.raises(ValueError):
        analytics_to_webhook(-1, 0)


async def test_webhook_variant_maps_to_steps_row_and_disables_it(
    fake: FakeInstantly, clock: Clock
) -> None:
    cid = fake.add_campaign("Fintech", accounts=[REP], steps=[
        [("Quick question", "A1"), ("Idea for you", "B1")],
        [("Following up", "A2"), ("Bumping this", "B2"), ("Last try", "C2")],
    ])  # fmt: skip
    fake.set_step_rows(cid, [
        {"step": "0", "variant": "0", "sent": 500, "unique_replies": 10},
        {"step": "1", "variant": "1", "sent": 480, "unique_replies": 4,
         "unique_replies_automatic": 1},
        {"step": None, "variant": None, "sent": 3},
    ])  # fmt: skip
    reply = fake.add_email(campaign_id=cid, lead=LEAD, eaccount=REP, step=2)
    received: list[tuple[dict[str, object], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Sixty-Secret")))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hooks/instantly", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        payload = fake.webhook_payload("reply_received", cid, step=2, variant=2, email=reply)
        status = await fake.emit_webhook(f"http://127.0.0.1:{port}/hooks/instantly", payload,
                                         headers={"X-Sixty-Secret": "s3cret"})  # fmt: skip
    finally:
        await runner.cleanup()
    assert status == 200
    body, secret = received[0]
    assert secret == "s3cret"
    assert body["event_type"] == "reply_received" and body["email_id"] == reply["id"]
    assert (body["step"], body["variant"]) == (2, 2)
    assert {"timestamp", "workspace", "campaign_id", "campaign_name"} <= set(body)

    api = client(fake, clock)
    step, variant = webhook_to_analytics(int(body["step"]), int(body["variant"]))  # type: ignore[call-overload]
    rows = await api.step_analytics(cid)
    row = next(r for r in rows if (r.step, r.variant) == (step, variant))
    assert (row.sent, row.human_unique_replies) == (480, 3)
    assert rows[-1].step is None  # null indexes stay None
    campaign = await api.get_campaign(cid)
    assert campaign.steps[step].variants[variant].letter == "B"
    assert campaign.steps[step].variants[variant].subject == "Bumping this"

    updated = await api.set_variant_disabled(cid, step, variant)
    patch = fake.calls_to(f"/api/v2/campaigns/{cid}", "PATCH")[0].json()
    assert list(patch) == ["sequences"]
    flags = [[v.get("v_disabled", False) for v in s["variants"]]
             for s in fake.campaigns[cid]["sequences"][0]["steps"]]  # fmt: skip
    assert flags == [[False, False], [False, True, False]]
    assert updated.steps[1].variants[1].disabled
    with pytest.raises(InstantlyRequestError):
        await api.set_variant_disabled(cid, 5, 0)


async def test_nothing_personal_in_logs(
    fake: FakeInstantly, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_account(REP)
    parent = fake.add_email(campaign_id=None, lead=LEAD, eaccount=REP, text="secret pricing")
    fake.fail_next("/api/v2/emails", 429, retry_after="1")
    api = client(fake, clock)
    with caplog.at_level(logging.DEBUG, logger="connectors.instantly"):
        await api.list_emails()
        await api.reply(eaccount=REP, reply_to_uuid=parent["id"], subject="Re: pricing",
                        body_text="secret answer")  # fmt: skip
    text = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    for needle in (REP, LEAD, "secret", "pricing", fake.api_key):
        assert needle not in text


async def test_key_is_stored_encrypted_and_builds_a_client(
    fake: FakeInstantly, clock: Clock, tmp_path: Path
) -> None:
    from connectors import instantly_connection as conn
    from storage.engine import Database
    from storage.models import Connection
    from tests.support.sequences import seed_org, sqlite_copy

    cipher = TokenCipher(Fernet.generate_key())
    settings = Settings(instantly_api_base=fake.url)
    db = Database(sqlite_copy(tmp_path))
    try:
        org_id, (admin_id,) = await seed_org(db, users=1)
        async with db.transaction() as s:
            stored = await conn.save_api_key(s, cipher=cipher, org_id=org_id, user_id=admin_id,
                                             api_key=f" {fake.api_key} ")  # fmt: skip
        async with db.session() as s:
            row = await s.get(Connection, stored.id)
            assert row is not None and row.token_encrypted
            assert fake.api_key.encode() not in row.token_encrypted
            api = await conn.client_for(s, cipher=cipher, user_id=admin_id, settings=settings,
                                        clock=clock, sleep=clock.sleep)  # fmt: skip
        assert api is not None and await api.list_campaigns() == []
        async with db.transaction() as s:
            await conn.mark_refused(s, connection_id=stored.id)
        async with db.session() as s:
            assert await conn.client_for(s, cipher=cipher, user_id=admin_id,
                                         settings=settings) is None  # fmt: skip
    finally:
        await db.dispose()


async def test_sending_status_reason_from_diagnostics_or_summary(
    fake: FakeInstantly, clock: Clock
) -> None:
    """Sending: the reason is `diagnostics.status`; paused: `diagnostics` is null and the reason
    is `summary.status`; an unknown campaign is the API's 404 message."""
    sending = fake.add_campaign("Sending")
    fake.set_sending_reason(sending, "daily_limit_met")
    paused = fake.add_campaign("Paused", status=2)
    fake.set_sending_reason(paused, "all_accounts_unhealthy")
    api = client(fake, clock)
    assert (await api.sending_status(sending)).reason == "daily_limit_met"
    assert (await api.sending_status(paused)).reason == "all_accounts_unhealthy"
    with pytest.raises(InstantlyRequestError, match="Campaign not found"):
        await api.sending_status("00000000-0000-0000-0000-000000000000")
    (call,) = [c for c in fake.calls if c.path == f"/api/v2/campaigns/{paused}/sending-status"]
    assert call.method == "GET"
