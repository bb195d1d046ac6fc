"""The error handler called directly: a `UserFacingError` is shown as is, anything else as a
reference the logs carry too; with no channel the user is told in their DM."""

from __future__ import annotations

import logging

import pytest

from bot.errors import UserFacingError, handle_error
from tests.bot.fakes import RecordingClient


async def test_user_facing_error_is_shown_where_the_click_was() -> None:
    client = RecordingClient()
    body = {"user": {"id": "U2"}, "channel": {"id": "C1"}}
    await handle_error(UserFacingError("That deal is closed."), body, client, logging.getLogger())  # type: ignore[arg-type]
    assert client.of("chat.postEphemeral") == [
        {"channel": "C1", "user": "U2", "text": "That deal is closed."}
    ]


async def test_other_errors_get_a_reference_in_the_dm(caplog: pytest.LogCaptureFixture) -> None:
    client = RecordingClient()
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        await handle_error(RuntimeError("boom"), {"user_id": "U2"}, client, logging.getLogger())  # type: ignore[arg-type]
    [posted] = client.of("chat.postMessage")
    ref = caplog.records[0].ref  # type: ignore[attr-defined]
    assert posted["channel"] == "DU2" and f"(ref {ref})" in posted["text"]
