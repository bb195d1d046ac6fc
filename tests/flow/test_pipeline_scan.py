"""The pipeline scan query (storage/pipeline.py) on SQLite and PostgreSQL: stale by the org's
threshold through the activities table, at risk by flags and close dates, closed deals ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.engine import Database
from storage.models import Activity, Company, Deal, Org, User
from storage.pipeline import scan

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def seed(db: Database) -> dict[str, int]:
    async with db.transaction() as s:
        org = Org(name="Scan")
        s.add(org)
        await s.flush()
        rep = User(org_id=org.id, slack_user_id="U1", email="r@x.example", name="Rep")
        other = User(org_id=org.id, slack_user_id="U2", email="o@x.example", name="Other")
        co = Company(org_id=org.id, name="Granite")
        s.add_all([rep, other, co])
        await s.flush()
        specs = {
            # name: (days since last activity or None, stage, flags, close in days, owner)
            "fresh": (1, "demo", [], 60, rep),
            "stale": (20, "proposal", [], 60, rep),
            "edge": (14, "proposal", [], 60, rep),
            "just_under": (13, "proposal", [], 60, rep),
            "never": (None, "discovery", [], None, rep),
            "flagged": (2, "demo", ["at_risk"], 60, rep),
            "passed": (2, "negotiation", [], -3, rep),
            "soon_quiet": (9, "negotiation", [], 4, rep),
            "soon_busy": (1, "negotiation", [], 4, rep),
            "won": (40, "closed_won", [], -30, rep),
            "others": (30, "proposal", [], 60, other),
        }
        ids = {}
        for name, (days, stage, flags, close, owner) in specs.items():
            d = Deal(
                org_id=org.id,
                company_id=co.id,
                owner_id=owner.id,
                name=name,
                stage=stage,
                flags=flags,
                close_date=(NOW + timedelta(days=close)).date() if close is not None else None,
            )
            s.add(d)
            await s.flush()
            ids[name] = d.id
            if days is not None:
                for extra in (days + 10, days + 3, days):  # the last one decides
                    s.add(
                        Activity(
                            org_id=org.id,
                            deal_id=d.id,
                            kind="note",
                            occurred_at=NOW - timedelta(days=extra, hours=1),
                        )
                    )
        ids["org"], ids["rep"] = org.id, rep.id
    return ids


async def test_scan_finds_stale_and_at_risk(db: Database) -> None:
    ids = await seed(db)
    async with db.engine.connect() as conn:
        found = {
            h.name: h
            for h in await scan(
                conn, org_id=ids["org"], now=NOW, stale_days=14, owner_id=ids["rep"]
            )
        }
        org_wide = {h.name for h in await scan(conn, org_id=ids["org"], now=NOW, stale_days=14)}
        strict = {h.name for h in await scan(conn, org_id=ids["org"], now=NOW, stale_days=30)}
    assert set(found) == {"stale", "edge", "never", "flagged", "passed", "soon_quiet"}
    assert found["stale"].reasons == ("stale",) and found["stale"].days_quiet == 20
    assert found["edge"].stale and found["never"].days_quiet is None and found["never"].stale
    assert found["flagged"].reasons == ("negative_signal",)
    assert found["passed"].reasons == ("close_date_passed",)
    assert found["soon_quiet"].reasons == ("closing_soon_quiet",)
    assert found["stale"].last_activity_at == NOW - timedelta(days=20, hours=1)
    assert next(iter(found)) == "never"  # most overdue first
    assert org_wide == set(found) | {"others"}
    assert "stale" not in strict and "others" in strict


async def test_a_meeting_that_ended_is_a_touch(db: Database) -> None:
    """Issue 11 §2.8: a company met this morning is not "19 days quiet" because nobody logged
    an activity; a cancelled or future meeting is no touch."""
    from storage.models import CalendarEvent

    ids = await seed(db)
    async with db.transaction() as s:
        deals = {d.name: d.id for d in (await s.exec(select(Deal))).all()}

        def meeting(deal: str, ends_ago: timedelta, status: str = "confirmed") -> CalendarEvent:
            end = NOW - ends_ago
            return CalendarEvent(org_id=ids["org"], user_id=ids["rep"], title=deal, status=status,
                                 start_at=end - timedelta(minutes=45), end_at=end, is_external=True,
                                 deal_id=deals[deal])  # fmt: skip

        s.add_all([
            meeting("stale", timedelta(hours=5)),  # met this morning: not stale
            meeting("edge", timedelta(days=-1)),  # tomorrow: no touch yet
            meeting("edge", timedelta(hours=3), status="cancelled"),  # cancelled: no touch
            meeting("others", timedelta(days=16)),  # newer than its last activity (30 days)
        ])  # fmt: skip
    async with db.engine.connect() as conn:
        found = {h.name: h for h in await scan(conn, org_id=ids["org"], now=NOW, stale_days=14)}
    assert "stale" not in found
    assert found["edge"].stale and found["edge"].days_quiet == 14
    # a meeting 16 days ago is newer than the last activity 30 days ago: 16 days quiet
    assert found["others"].days_quiet == 16
    assert found["others"].last_activity_at == NOW - timedelta(days=16)
