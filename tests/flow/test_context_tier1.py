"""Tier 1 read as driver-level SQL matches SQLAlchemy's typed select, value for value."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import update

from orchestrator.tiers import _TIER1, _tier1_from_parts, load_tier1
from storage.models import OrgSettings, UserPreferences
from tests.support.sequences import seed_org


async def typed_tier1(conn: Any, org_id: int, user_id: int | None) -> dict[str, Any]:
    """The reference: SQLAlchemy executes the select and converts every column by its type."""
    row = (await conn.execute(_TIER1, {"org_id": org_id, "uid": user_id or -1})).first()
    parts: dict[str, dict[str, Any]] = {
        t: {} for t in ("org_settings", "user_preferences", "orgs", "users")
    }
    if row is not None:
        for key, value in row._mapping.items():
            table = next(t for t in parts if key.startswith(t + "_"))
            parts[table][key[len(table) + 1 :]] = value
    return _tier1_from_parts(parts, user_id)


async def test_raw_tier1_equals_the_typed_select(db: Any) -> None:
    org, users = await seed_org(db, quiet=("21:30", "07:15"))
    async with db.engine.begin() as conn:
        await conn.execute(
            update(UserPreferences)
            .where(UserPreferences.user_id == users[0])
            .values(
                paused_until=datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC),
                muted_kinds=["brief", "pipeline"],
                features={"coaching": False},
            )
        )
        await conn.execute(
            update(OrgSettings)
            .where(OrgSettings.org_id == org)
            .values(features={"email_send": True}, disabled_event_types=["x.y"])
        )
    async with db.engine.connect() as conn:
        for user in (users[0], users[1], None, 999_999):
            raw = await load_tier1(conn, {"org_id": org, "user_id": user})
            assert raw == await typed_tier1(conn, org, user)
        mine = await load_tier1(conn, {"org_id": org, "user_id": users[0]})
        missing = await load_tier1(conn, {"org_id": 999_999, "user_id": users[0]})
    prefs = mine["prefs"]
    assert prefs["quiet_hours_start"] == time(21, 30).isoformat()
    assert prefs["paused_until"] == "2026-12-01T09:30:15.123456+00:00"
    assert prefs["muted_kinds"] == ["brief", "pipeline"]
    assert mine["features"] == {"email_send": True}
    assert mine["user"]["active"] is True
    assert "email" not in mine["user"] and "signature" not in prefs
    assert missing["org"] is None and missing["user"] is None


async def test_unchanged_rows_are_cached_as_copies_and_changes_show(db: Any) -> None:
    org, users = await seed_org(db)
    job = {"org_id": org, "user_id": users[0]}
    async with db.engine.connect() as conn:
        first = await load_tier1(conn, job)
        first["prefs"]["muted_kinds"].append("mutated by a step")
        second = await load_tier1(conn, job)
        assert second["prefs"]["muted_kinds"] == []  # a fresh copy, not the same dict
    async with db.engine.begin() as conn:
        await conn.execute(
            update(UserPreferences)
            .where(UserPreferences.user_id == users[0])
            .values(max_notifications_per_hour=3)
        )
    async with db.engine.connect() as conn:
        third = await load_tier1(conn, job)
    assert third["prefs"]["max_notifications_per_hour"] == 3


def test_state_json_keeps_what_orjson_alone_would_refuse() -> None:
    from datetime import UTC, datetime

    from orchestrator.store import dumps, loads

    value = {"big": 2**70, 1: "int key", "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)}
    assert loads(dumps(value)) == {"big": 2**70, "1": "int key", "at": "2026-01-02T03:04:00+00:00"}
    assert loads(dumps({"at": datetime(2026, 1, 2, tzinfo=UTC)})) == {
        "at": "2026-01-02T00:00:00+00:00"
    }
