"""The Instantly API v2 fake, for tests: it lives in `sandbox.instantly_fake` (the sandbox runs it
too, so `make run` shows a demo campaign); re-exported here under the name tests use."""

from __future__ import annotations

from sandbox.instantly_fake import (
    BASE_TIME,
    EMAILS_PER_MINUTE,
    INTEREST_VALUES,
    SUBSCRIPTION_TO_PAYLOAD,
    WEBHOOK_EVENT_TYPES,
    WORKSPACE_ID,
    Call,
    FakeInstantly,
    api_error,
    iso,
)

__all__ = [
    "BASE_TIME", "EMAILS_PER_MINUTE", "INTEREST_VALUES", "SUBSCRIPTION_TO_PAYLOAD",
    "WEBHOOK_EVENT_TYPES", "WORKSPACE_ID", "Call", "FakeInstantly", "api_error", "iso",
]  # fmt: skip
