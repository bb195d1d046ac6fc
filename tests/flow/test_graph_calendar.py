"""Graph calendar through the loopback fake: getSchedule busy time and working hours, Teams
invites that are created once per transaction id, and calendarView delta sync."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.graph import Attendee, DeltaExpired, GraphClient, parse_time, windows_to_iana
from tests.fakes.graph_server import FakeGraph

REP = "rep@contoso.test"
COLLEAGUE = "lee@contoso.test"
PROSPECT = "dana@prospect.test"
T0 = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    graph = await FakeGraph().start()
    yield graph
    await graph.stop()


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[GraphClient]:
    token = fake.issue_token(REP, {"Calendars.ReadWrite", "User.Read"})
    async with GraphClient(token, base_url=fake.graph_base) as c:
        yield c


async def test_get_schedule_busy_tentative_oof_and_hours(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.add_event(REP, T0, T0 + timedelta(hours=1))
    fake.add_event(REP, T0 + timedelta(hours=2), T0 + timedelta(hours=3), show_as="tentative")
    fake.add_event(REP, T0 + timedelta(days=1), T0 + timedelta(days=2), show_as="oof")
    fake.add_event(REP, T0 + timedelta(hours=4), T0 + timedelta(hours=5), show_as="free")
    fake.add_event(REP, T0 + timedelta(days=9), T0 + timedelta(days=9, hours=1))  # outside
    fake.calendar(COLLEAGUE).working_hours = {
        "daysOfWeek": ["monday", "tuesday"], "startTime": "08:00:00.0000000",
        "endTime": "17:00:00.0000000", "timeZone": {"name": "Pacific Standard Time"}}  # fmt: skip
    fake.add_event(COLLEAGUE, T0, T0 + timedelta(minutes=30))
    out = await client.get_schedule([REP, COLLEAGUE, PROSPECT], T0 - timedelta(hours=1),
                                    T0 + timedelta(days=3), interval=60)  # fmt: skip
    rep = out[REP]
    assert [(b.start, b.end, b.status) for b in rep.busy] == [
        (T0, T0 + timedelta(hours=1), "busy"),
        (T0 + timedelta(hours=2), T0 + timedelta(hours=3), "tentative"),
        (T0 + timedelta(days=1), T0 + timedelta(days=2), "oof"),
    ]
    assert rep.availability_view.startswith("02010") and rep.visible
    assert out[COLLEAGUE].working_hours is not None
    assert out[COLLEAGUE].working_hours.time_zone == "America/Los_Angeles"
    assert out[COLLEAGUE].working_hours.start == "08:00:00"
    assert not out[PROSPECT].visible and out[PROSPECT].busy == ()
    sent = fake.requests[-1]
    assert sent.headers["Prefer"] == 'outlook.timezone="UTC"'
    assert sent.json()["startTime"] == {"dateTime": "2026-03-09T12:00:00", "timeZone": "UTC"}


async def test_create_event_is_once_per_transaction(fake: FakeGraph, client: GraphClient) -> None:
    start = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    kwargs = dict(subject="Sixty x Prospect", body="Agenda", start=start,
                  end=start + timedelta(minutes=30), tz="America/New_York",
                  attendees=[Attendee(PROSPECT, "Dana")], transaction_id="booking-42")  # fmt: skip
    first = await client.create_event(**kwargs)  # type: ignore[arg-type]
    assert first.join_url and first.join_url.startswith("https://teams.microsoft.com/")
    sent = fake.requests[-1].json()
    assert sent["isOnlineMeeting"] is True and sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["transactionId"] == "booking-42"
    assert sent["start"] == {"dateTime": "2026-03-10T10:00:00", "timeZone": "America/New_York"}
    assert sent["attendees"] == [{"emailAddress": {"address": PROSPECT, "name": "Dana"},
                                  "type": "required"}]  # fmt: skip
    again = await client.create_event(**kwargs)  # type: ignore[arg-type]
    assert again.id == first.id and len(fake.events) == 1
    # a server that does not deduplicate: recovery looks the event up before creating
    fake.dedupe_transactions = False
    found = await client.find_event("booking-42")
    assert found is not None and found.id == first.id
    assert await client.find_event("booking-43") is None
    with pytest.raises(ValueError):
        await client.create_event(**{**kwargs, "end": start})  # type: ignore[arg-type]


async def test_events_delta_pages_changes_removals_and_expiry(
    fake: FakeGraph, client: GraphClient
) -> None:
    fake.delta_page_size = 2
    ids = [fake.add_event(REP, T0 + timedelta(hours=i), T0 + timedelta(hours=i, minutes=30))
           for i in range(3)]  # fmt: skip
    window = {"start": T0 - timedelta(days=1), "end": T0 + timedelta(days=7)}
    items, link = await client.events_delta(None, **window)
    assert sorted(i["id"] for i in items) == sorted(ids) and link  # two pages followed
    assert sum(1 for r in fake.routes_called() if r == "calendar.delta") == 2
    none, link2 = await client.events_delta(link)
    assert none == [] and link2
    fake.remove_event(REP, ids[0])
    new = fake.add_event(REP, T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))
    changes, link3 = await client.events_delta(link2)
    assert {c["id"] for c in changes} == {ids[0], new}
    assert next(c for c in changes if c["id"] == ids[0])["@removed"] == {"reason": "deleted"}
    fake.expire_delta_tokens(REP)
    with pytest.raises(DeltaExpired) as info:
        await client.events_delta(link3)
    assert info.value.status == 410
    with pytest.raises(ValueError):
        await client.events_delta(None)


def test_graph_times_and_zones() -> None:
    assert parse_time("2026-03-15T12:00:00.1234567") == datetime(2026, 3, 15, 12, 0, 0, 123456,
                                                                 tzinfo=UTC)  # fmt: skip
    assert parse_time("2026-07-01T09:00:00", "Pacific Standard Time") == datetime(
        2026, 7, 1, 16, 0, tzinfo=UTC)  # PDT in July  # fmt: skip
    assert windows_to_iana("GMT Standard Time") == "Europe/London"
    assert windows_to_iana("Europe/Paris") == "Europe/Paris"
