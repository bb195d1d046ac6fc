"""Typed settings from the environment and `.env`; a bad value stops start-up with one line.

Every variable here is documented in README.md and `.env.example`.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Mode(enum.StrEnum):
    SOCKET = "socket"
    HTTP = "http"
    SANDBOX = "sandbox"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Slack
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = Field(
        default=None, description="Override of https://slack.com/api/ (the sandbox sets it)"
    )
    socket_watchdog_s: float = Field(default=60.0, gt=0)

    # Storage
    database_url: str = "sqlite:///./data/sixty.db"
    data_dir: Path = Path("./data")
    encryption_key: str | None = None

    # Web server (webhooks, OAuth callbacks, health)
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    public_base_url: str | None = None
    sandbox_port: int = Field(default=3001, ge=0, le=65535)
    sandbox_hubspot: bool = Field(
        default=False,
        description="Sandbox: start a local fake HubSpot portal, connected and imported (make run)",
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0)

    # Orchestrator
    workers: int = Field(default=4, ge=1, le=64)
    lease_seconds: float = Field(default=30.0, gt=0)
    context_stale_after_s: float = Field(default=6 * 3600, gt=0)

    # Language model (offline engine when unset)
    llm_model: str | None = None
    llm_api_base: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_input_cost_per_token: float | None = Field(default=None, ge=0)
    llm_output_cost_per_token: float | None = Field(default=None, ge=0)

    # Recorders
    meetingbaas_api_key: str | None = None
    meetingbaas_webhook_secret: str | None = None
    recall_webhook_secret: str | None = None
    recall_api_key: str | None = None
    recall_api_base: str = "https://us-east-1.recall.ai"

    # Email / calendar providers
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_pubsub_audience: str | None = None
    google_pubsub_topic: str | None = None
    microsoft_client_id: str | None = None
    microsoft_client_secret: str | None = None
    microsoft_tenant: str = "common"
    email_poll_interval_s: float = Field(default=120.0, gt=0)
    google_api_base: str | None = Field(
        default=None, description="One base URL for every Google endpoint (a local fake, tests)"
    )
    email_undo_seconds: float = Field(default=30.0, ge=0, le=600)
    graph_api_base: str | None = Field(
        default=None, description="Microsoft Graph base URL instead of graph.microsoft.com/v1.0"
    )
    microsoft_authority_base: str | None = Field(
        default=None, description="Identity platform instead of login.microsoftonline.com"
    )

    # Outbound campaigns (Instantly API v2)
    instantly_api_base: str = Field(
        default="https://api.instantly.ai", description="Instantly API host (a local fake in tests)"
    )
    instantly_webhook_secret: str | None = Field(
        default=None,
        description="Shared secret Instantly sends in the X-Sixty-Webhook-Secret header "
        "(set in the webhook subscription's custom headers; Instantly signs nothing)",
    )

    # CRM (HubSpot two-way sync)
    hubspot_client_id: str | None = None
    hubspot_client_secret: str | None = Field(
        default=None, description="The HubSpot app's client secret (OAuth and webhook signatures)"
    )
    hubspot_api_base: str | None = Field(
        default=None,
        description="HubSpot API host instead of api.hubapi.com (a local fake in tests)",
    )
    hubspot_auth_base: str = Field(
        default="https://app.hubspot.com", description="Where the HubSpot install page lives"
    )

    # Enrichment
    apollo_api_key: str | None = None

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if not (
            v.startswith("sqlite") or v.startswith("postgresql") or v.startswith("postgres://")
        ):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return v

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return v or None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return v or None

    @field_validator(
        "public_base_url", "slack_api_url", "llm_api_base", "recall_api_base", "google_api_base",
        "graph_api_base", "microsoft_authority_base", "instantly_api_base", "hubspot_api_base",
        "hubspot_auth_base",
    )  # fmt: skip
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v and not (v.startswith("http://") or v.startswith("https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v or None

    @model_validator(mode="after")
    def _mode_is_complete(self) -> Settings:
        if self.slack_app_token and not self.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode)")
        if self.slack_bot_token and not self.slack_app_token and not self.slack_signing_secret:
            raise ValueError(
                "SLACK_SIGNING_SECRET: required in HTTP mode (SLACK_BOT_TOKEN without SLACK_APP_TOKEN)"
            )
        if self.slack_bot_token and not self.encryption_key:
            raise ValueError(
                "ENCRYPTION_KEY: required with real Slack tokens "
                "(generate one: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            )
        if self.encryption_key:
            from cryptography.fernet import Fernet

            try:
                Fernet(self.encryption_key.encode())
            except ValueError as exc:
                raise ValueError(
                    "ENCRYPTION_KEY: not a valid Fernet key (32 url-safe base64 bytes)"
                ) from exc
        return self

    @property
    def mode(self) -> Mode:
        if self.slack_app_token:
            return Mode.SOCKET
        if self.slack_bot_token:
            return Mode.HTTP
        return Mode.SANDBOX

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postg")


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise ConfigError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ())).upper()
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if loc and not msg.startswith(loc):
            raise ConfigError(f"{loc}: {msg}") from None
        raise ConfigError(msg) from None
