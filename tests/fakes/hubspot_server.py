"""The HubSpot fake for tests: it lives in `sandbox.hubspot_fake` so `make run` can start it
too (the app never imports tests/); this module re-exports it under its test-side name."""

from sandbox.hubspot_fake import (  # noqa: F401
    APP_ID,
    DEFAULT_TYPES,
    PORTAL_ID,
    Call,
    FakeHubSpot,
    Rule,
    V,
    error,
    iso,
)
