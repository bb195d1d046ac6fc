"""Apply Alembic migrations (`sixty db upgrade` and app start-up)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.engine import ensure_sqlite_dir, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


# The encryption key for migrations that seal or reveal stored secrets, loaded only if one
# needs it (`storage.crypto.load_key`); without it they read the environment's settings.
SecretKey = Callable[[], bytes] | bytes | None


def alembic_config(database_url: str, secret_key: SecretKey = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    if secret_key is not None:
        cfg.attributes["secret_key"] = secret_key
    return cfg


def upgrade(database_url: str, revision: str = "head", *, secret_key: SecretKey = None) -> None:
    ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url, secret_key), revision)


def downgrade(database_url: str, revision: str = "base", *, secret_key: SecretKey = None) -> None:
    command.downgrade(alembic_config(database_url, secret_key), revision)
