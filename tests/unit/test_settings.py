"""Settings: a missing or invalid variable stops start-up with one clear line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config import ConfigError, Mode, load_settings

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DATABASE_", "ENCRYPTION_", "LLM_", "PORT", "WORKERS")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_sandbox_on_sqlite() -> None:
    s = load_settings()
    assert s.mode is Mode.SANDBOX
    assert s.database_url.startswith("sqlite")


def test_socket_mode_when_app_token_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("ENCRYPTION_KEY", KEY)
    assert load_settings().mode is Mode.SOCKET


def test_http_mode_needs_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("ENCRYPTION_KEY", KEY)
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET"):
        load_settings()
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    assert load_settings().mode is Mode.HTTP


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN: must be a bot token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN: must be an app-level token"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with"),
        ("PORT", "not-a-number", "PORT:"),
        ("WORKERS", "0", "WORKERS:"),
        ("PUBLIC_BASE_URL", "example.com", "PUBLIC_BASE_URL: must be an http"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL:"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_real_tokens_need_a_valid_encryption_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    with pytest.raises(ConfigError, match="^ENCRYPTION_KEY: required"):
        load_settings()
    monkeypatch.setenv("ENCRYPTION_KEY", "short")
    with pytest.raises(ConfigError, match="^ENCRYPTION_KEY: not a valid Fernet key"):
        load_settings()


def test_app_start_with_bad_setting_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = "oracle://nope"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL: must start with sqlite:/// or postgresql://"
    ]
    assert "Traceback" not in proc.stderr


def test_env_example_documents_every_setting() -> None:
    from config.settings import Settings

    documented = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in documented, f"{name.upper()} missing from .env.example"
        assert f"`{name.upper()}`" in readme, f"{name.upper()} missing from README"
