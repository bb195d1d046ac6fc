"""`sixty instantly connect EMAIL`: the key is checked against Instantly before it is stored
(encrypted); a refused key or an unknown user is a clear error and stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from cli.instantly import _connect
from cli.main import UsageError
from config.settings import Settings
from storage.engine import Database
from storage.models import Connection, Org, User
from tests.fakes.instantly_server import FakeInstantly


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeInstantly]:
    server = await FakeInstantly(clock=Clock()).start()
    yield server
    await server.stop()


async def test_connect_checks_the_key_then_stores_it(
    sqlite_db: Database, fake: FakeInstantly, tmp_path: Path
) -> None:
    fake.add_account("alex@sixty-demo.example")
    async with sqlite_db.transaction() as s:
        org = Org(name="Sixty demo")
        s.add(org)
        await s.flush()
        s.add(
            User(
                org_id=org.id or 0, slack_user_id="U1", email="alex@sixty-demo.example", name="Alex"
            )
        )
    settings = Settings(_env_file=None, database_url=sqlite_db.url, data_dir=tmp_path,
                        encryption_key=Fernet.generate_key().decode(), instantly_api_base=fake.url)  # fmt: skip
    with pytest.raises(UsageError, match="API key was refused"):
        await _connect(settings, "alex@sixty-demo.example", "wrong-key", None)
    with pytest.raises(UsageError, match="no Sixty user"):
        await _connect(settings, "nobody@sixty-demo.example", fake.api_key, None)
    async with sqlite_db.session() as s:
        assert (await s.exec(select(Connection))).all() == []
    out = await _connect(settings, "Alex@sixty-demo.example ", fake.api_key, None)
    assert out == {"connected": "Alex@sixty-demo.example ", "sending_accounts": 1}
    async with sqlite_db.session() as s:
        [row] = (await s.exec(select(Connection))).all()
    assert row.provider == "instantly" and row.token_encrypted is not None
    assert fake.api_key.encode() not in row.token_encrypted  # stored encrypted


def test_no_key_on_stdin_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from cli.main import main

    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["instantly", "connect", "alex@sixty-demo.example"]) == 2
