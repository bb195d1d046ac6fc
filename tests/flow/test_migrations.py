"""Migrations apply from empty and round-trip on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text
from sqlmodel import select

from storage.connections import take_oauth_state
from storage.crypto import TokenCipher
from storage.engine import Database, sync_url
from storage.migrate import downgrade, upgrade
from storage.models import (
    ALL_TABLES,
    CalendarSyncState,
    Connection,
    MailboxState,
    OAuthState,
    Org,
    User,
    UserPreferences,
)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def test_every_table_exists_after_upgrade(db: Database) -> None:
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(ALL_TABLES.tables) <= names


async def test_times_round_trip_as_aware_utc(db: Database) -> None:
    at = NOW.astimezone(timezone(timedelta(hours=5, minutes=30)))  # written in another offset
    async with db.transaction() as s:
        org = Org(name="Acme")
        s.add(org)
        await s.flush()
        s.add(User(org_id=org.id, slack_user_id="U1", email="a@x.test", name="A", created_at=at))
    async with db.session() as s:
        user = (await s.exec(select(User))).one()
        stamped = (await s.exec(select(Org))).one().created_at  # the model's default
    for value in (user.created_at, stamped):
        assert value.tzinfo is not None
        assert value.utcoffset().total_seconds() == 0
    assert user.created_at == NOW


async def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as s:
            s.add(Org(name="Naive", created_at=datetime(2026, 1, 1)))


async def test_downgrade_then_upgrade(db_url: str) -> None:
    downgrade(db_url, "base")
    upgrade(db_url)
    database = Database(db_url)
    async with database.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    await database.dispose()
    assert version is not None
    assert sync_url(db_url)


async def test_0005_seals_plaintext_secrets_and_its_downgrade_reveals_them(db_url: str) -> None:
    key = Fernet.generate_key()
    cipher = TokenCipher(key)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    downgrade(db_url, "0004", secret_key=key)
    database = Database(db_url)
    plain = {"client_state": "graph-client-state", "channel_token": "google-channel-token",
             "code_verifier": "pkce-verifier-" + "x" * 30}  # fmt: skip
    query = text(
        "SELECT m.client_state, c.channel_token, o.code_verifier, o.flow FROM mailbox_states m, "
        "calendar_sync_states c, oauth_states o"
    )

    async def stored() -> Any:
        async with database.engine.connect() as conn:
            return (await conn.execute(query)).one()

    try:
        async with database.transaction() as s:  # rows written in plaintext before 0005
            org = Org(name="Acme")
            s.add(org)
            await s.flush()
            user = User(org_id=org.id, slack_user_id="U1", email="a@x.test", name="A")
            s.add(user)
            await s.flush()
            conn = Connection(org_id=org.id, user_id=user.id, provider="microsoft")
            s.add(conn)
            await s.flush()
            s.add(MailboxState(connection_id=conn.id, subscription_id="sub-1",
                               client_state=plain["client_state"]))  # fmt: skip
            s.add(CalendarSyncState(user_id=user.id, provider="google", channel_id="ch-1",
                                    channel_token=plain["channel_token"]))  # fmt: skip
            s.add(OAuthState(state="st-1", user_id=user.id, provider="microsoft",
                             code_verifier=plain["code_verifier"], expires_at=now,
                             flow={"nonce": "n", "code_verifier": plain["code_verifier"]}))  # fmt: skip
        upgrade(db_url, secret_key=lambda: key)
        sealed = await stored()
        for value, secret in zip(sealed[:3], plain.values(), strict=True):
            assert secret not in value and cipher.reveal(value) == secret
        flow = sealed[3] if isinstance(sealed[3], dict) else json.loads(sealed[3])
        assert flow == {"nonce": "n"}
        downgrade(db_url, "0004", secret_key=key)
        back = await stored()
        assert tuple(back[:3]) == tuple(plain.values())
        back_flow = back[3] if isinstance(back[3], dict) else json.loads(back[3])
        assert back_flow == {"nonce": "n", "code_verifier": plain["code_verifier"]}
        upgrade(db_url, secret_key=key)
        async with database.transaction() as s:  # the sealed flow is usable as before
            taken = await take_oauth_state(s, cipher=cipher, state="st-1", provider="microsoft",
                                           now=now - timedelta(minutes=1))  # fmt: skip
        assert taken is not None and taken.flow["code_verifier"] == plain["code_verifier"]
    finally:
        await database.dispose()


async def test_0011_adds_the_campaign_digest_time_and_its_downgrade_drops_it(db_url: str) -> None:
    """Up: existing preferences keep the digest at the brief's time (null); a time is stored;
    down: the column is gone and the rows stay."""
    columns = "SELECT * FROM user_preferences"
    downgrade(db_url, "0010")
    database = Database(db_url)
    try:
        async with database.transaction() as s:
            org = Org(name="Acme")
            s.add(org)
            await s.flush()
            user = User(org_id=org.id, slack_user_id="U1", email="a@x.test", name="A")
            s.add(user)
            await s.flush()
            uid = user.id
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO user_preferences (user_id, quiet_hours_start, "
                                    "quiet_hours_end, max_notifications_per_hour, "
                                    "coaching_frequency, daily_send_limit, working_hours_start, "
                                    "working_hours_end, working_days, meeting_buffer_minutes, "
                                    "min_notice_minutes, time_preference, muted_kinds, features, "
                                    "updated_at) VALUES (:u, NULL, NULL, 10, 'weekly', 50, "
                                    "'09:00:00', '17:00:00', 'mon-fri', 15, 120, 'none', '[]', "
                                    "'{}', :t)"), {"u": uid, "t": NOW})  # fmt: skip
        upgrade(db_url)
        async with database.engine.begin() as conn:
            row = (
                (await conn.execute(text(f"{columns} WHERE user_id = :u"), {"u": uid}))
                .mappings()
                .one()
            )
            assert row["campaign_digest_time"] is None
            await conn.execute(text("UPDATE user_preferences SET campaign_digest_time = '06:45:00' "
                                    "WHERE user_id = :u"), {"u": uid})  # fmt: skip
        async with database.session() as s:
            prefs = await s.get(UserPreferences, uid)
            assert prefs is not None and prefs.campaign_digest_time == time(6, 45)
        await database.dispose()
        downgrade(db_url, "0010")
        database = Database(db_url)
        async with database.engine.connect() as conn:
            names = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("user_preferences")}
            )
            count = (await conn.execute(text("SELECT COUNT(*) FROM user_preferences"))).scalar()
        assert "campaign_digest_time" not in names and count == 1
    finally:
        await database.dispose()
        upgrade(db_url)
