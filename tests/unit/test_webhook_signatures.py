"""Svix / Standard Webhooks signatures, judged on the app's clock: the replay window is five
minutes either side of `now`, both header styles are read, and bodies are signed byte for byte."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from svix.webhooks import Webhook

from bot.webhooks import verify_signature

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
BODY = b'{"event": "complete"}'


def headers(at: datetime, body: bytes = BODY, prefix: str = "svix") -> dict[str, str]:
    sig = Webhook(SECRET)._inner.sign("msg_1", at, body)  # the library svix sends with
    return {f"{prefix}-id": "msg_1", f"{prefix}-timestamp": str(int(at.timestamp())),
            f"{prefix}-signature": f"v1,bogus {sig}"}  # fmt: skip


@pytest.mark.parametrize("prefix", ["svix", "webhook"])
def test_a_fresh_signature_passes_in_either_header_style(prefix: str) -> None:
    assert verify_signature(SECRET, BODY, headers(NOW, prefix=prefix), NOW)


@pytest.mark.parametrize("skew_s", [-301, 301, -86_400])
def test_a_signature_outside_five_minutes_of_the_clock_is_a_replay(skew_s: int) -> None:
    at = NOW + timedelta(seconds=skew_s)
    assert not verify_signature(SECRET, BODY, headers(at), NOW)
    assert verify_signature(SECRET, BODY, headers(at), at)  # the same headers, on time


def test_bodies_are_checked_byte_for_byte_and_anything_else_fails() -> None:
    raw = b"\xff\xfe not utf-8"
    assert verify_signature(SECRET, raw, headers(NOW, raw), NOW)
    assert not verify_signature(SECRET, BODY + b" ", headers(NOW), NOW)
    assert not verify_signature("whsec_" + "A" * 44, BODY, headers(NOW), NOW)  # another secret
    assert not verify_signature(None, BODY, headers(NOW), NOW)
    assert not verify_signature("not base64 !", BODY, headers(NOW), NOW)
    bad_time = {**headers(NOW), "svix-timestamp": "yesterday"}
    assert not verify_signature(SECRET, BODY, bad_time, NOW)
    missing = {k: v for k, v in headers(NOW).items() if k != "svix-id"}
    assert not verify_signature(SECRET, BODY, missing, NOW)
