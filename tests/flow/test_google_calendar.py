"""Google Calendar connector over loopback (shipped calendar v3 discovery document, root URL
pointed at the fake): free/busy, invites with Meet, incremental sync, push channels."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.google_api import GoogleInsufficientScope, GoogleNotFound
from connectors.google_calendar import Attendee, GoogleCalendarClient, SyncTokenExpired
from tests.fakes.google_server import CAL_EVENTS, CAL_FREEBUSY, FakeGoogle

REP = "ana@acme.test"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    fake = await FakeGoogle().start()
    yield fake
    await fake.stop()


def client(fake: FakeGoogle, scopes: set[str] | None = None) -> GoogleCalendarClient:
    creds = fake.credentials(REP, scopes or {CAL_EVENTS, CAL_FREEBUSY})
    return GoogleCalendarClient(creds, endpoint=fake.calendar_endpoint)


async def test_freebusy_reads_busy_ranges_and_hidden_calendars(google: FakeGoogle) -> None:
    google.busy[REP] = [
        {"start": "2026-03-10T15:00:00Z", "end": "2026-03-10T16:00:00Z"},
        {"start": "2026-03-12T09:00:00Z", "end": "2026-03-12T09:30:00Z"},  # outside the range
    ]
    google.busy["cfo@acme.test"] = [
        {"start": "2026-03-10T14:30:00Z", "end": "2026-03-10T15:00:00Z"}
    ]
    fb = await client(google).freebusy([REP, "cfo@acme.test", "dana@prospect.test"], T0,
                                       T0 + timedelta(days=1))  # fmt: skip
    assert fb.busy[REP] == [(T0 + timedelta(hours=1), T0 + timedelta(hours=2))]
    assert fb.busy["cfo@acme.test"] == [(T0 + timedelta(minutes=30), T0 + timedelta(hours=1))]
    assert fb.visible(REP) and not fb.visible("dana@prospect.test")
    assert fb.errors == {"dana@prospect.test": ["notFound"]}
    body = google.requests[-1].json()
    assert body["timeMin"] == T0.isoformat() and body["timeZone"] == "UTC"


async def test_freebusy_splits_more_than_fifty_calendars(google: FakeGoogle) -> None:
    emails = [f"p{i}@acme.test" for i in range(60)]
    fb = await client(google).freebusy(emails, T0, T0 + timedelta(hours=8))
    assert set(fb.errors) == set(emails)
    sizes = [len(r.json()["items"]) for r in google.requests if r.route == "calendar.freebusy"]
    assert sizes == [50, 10]


async def test_invite_with_meet_link_is_created_once(google: FakeGoogle) -> None:
    cal = client(google)
    ny = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 12, 10, 0, tzinfo=ny)  # the Thursday after DST starts
    kwargs = dict(summary="Acme x Prospect", description="Pricing follow-up", start=start,
                  end=start + timedelta(minutes=30), tz="America/New_York",
                  attendees=[Attendee("dana@prospect.test", "Dana Smith")],
                  request_id="req-1", event_id="sixty0job42step3")  # fmt: skip
    created = await cal.insert_event(**kwargs)  # type: ignore[arg-type]
    assert created.id == "sixty0job42step3"
    assert created.hangout_link and created.hangout_link.startswith("https://meet.google.com/")
    req = next(r for r in google.requests if r.route == "calendar.events.insert")
    assert req.query["conferenceDataVersion"] == "1" and req.query["sendUpdates"] == "all"
    body = req.json()
    assert body["start"] == {
        "dateTime": "2026-03-12T10:00:00-04:00",
        "timeZone": "America/New_York",
    }
    assert body["attendees"] == [{"email": "dana@prospect.test", "displayName": "Dana Smith"}]
    assert body["conferenceData"]["createRequest"]["requestId"] == "req-1"
    again = await cal.insert_event(**kwargs)  # type: ignore[arg-type]  # retried after a crash
    assert again.id == created.id and again.hangout_link == created.hangout_link
    assert len(google.calendar(REP).events) == 1
    plain = await cal.insert_event(**{**kwargs, "event_id": None, "with_meet": False})  # type: ignore[arg-type]
    assert plain.hangout_link is None
    assert google.requests[-1].query["conferenceDataVersion"] == "0"


async def test_incremental_sync_and_expired_token(google: FakeGoogle) -> None:
    cal = client(google)
    for i in range(3):
        await cal.insert_event(summary=f"e{i}", description="", start=T0 + timedelta(days=i),
                               end=T0 + timedelta(days=i, hours=1), tz="UTC", attendees=[],
                               request_id=f"r{i}", with_meet=False, event_id=f"event{i}0")  # fmt: skip
    events, token = await cal.list_events_incremental(None, page_size=2)  # two pages
    assert [e["id"] for e in events] == ["event00", "event10", "event20"] and token
    assert [
        r.query.get("pageToken") for r in google.requests if r.route == "calendar.events.list"
    ] == [None, "2"]
    google.change_event(REP, "event10", status="cancelled")
    changed, token2 = await cal.list_events_incremental(token)
    assert [(e["id"], e["status"]) for e in changed] == [("event10", "cancelled")]
    assert token2 and token2 != token
    assert (await cal.list_events_incremental(token2))[0] == []
    google.expire_sync_tokens(REP)
    with pytest.raises(SyncTokenExpired):
        await cal.list_events_incremental(token2)


async def test_watch_and_stop_channel(google: FakeGoogle) -> None:
    cal = client(google)
    ch = await cal.watch_events("chan-1", "https://sixty.test/webhooks/google-calendar",
                                "tok-secret", ttl=timedelta(days=2))  # fmt: skip
    assert ch.id == "chan-1" and ch.resource_id and ch.token == "tok-secret"
    expiration_ms = int(google.channels["chan-1"]["expiration"])  # Google's clock (the fake's)
    assert ch.expires_at == datetime.fromtimestamp(expiration_ms / 1000, UTC)
    sent = google.requests[-1].json()
    assert sent["type"] == "web_hook" and sent["params"] == {"ttl": "172800"}
    await cal.stop_channel("chan-1", ch.resource_id)
    assert "chan-1" not in google.channels
    with pytest.raises(GoogleNotFound):
        await cal.stop_channel("chan-1", ch.resource_id)


async def test_missing_calendar_permission_is_reported(google: FakeGoogle) -> None:
    cal = client(google, {CAL_FREEBUSY})
    with pytest.raises(GoogleInsufficientScope):
        await cal.list_events_incremental(None)
