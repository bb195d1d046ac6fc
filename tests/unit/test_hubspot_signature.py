"""HubSpot webhook signature v3: vectors computed from the documented algorithm by hand
(hmac/hashlib here, independent of the module), and refusal of stale, future, tampered and
wrong-URI requests on a fixed clock."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from connectors.hubspot_signature import (
    SignatureRejected,
    sign_v3,
    verify_headers,
    verify_v3,
)

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://sixty.example/hooks/hubspot?portal=62515"
BODY = b'[{"eventId":1,"subscriptionType":"deal.propertyChange","objectId":123}]'
TS = 1_765_100_000_000  # ms
NOW = TS / 1000 + 30  # 30 s after HubSpot signed


def _reference(secret: str, text: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha256).digest()).decode()


def test_known_vector_matches_the_documented_construction() -> None:
    expected = _reference(SECRET, b"POST" + URI.encode() + BODY + str(TS).encode())
    assert sign_v3(SECRET, "POST", URI, BODY, TS) == expected
    # a fixed literal guards against both sides drifting together
    assert sign_v3("secret", "GET", "https://a.test/x", b"", 1) == _reference(
        "secret", b"GEThttps://a.test/x1"
    )
    assert sign_v3("secret", "GET", "https://a.test/x", b"", 1) == (
        "+upxO0dRfY+IXDFCliUR1sccxWhyUDygdTUMU0RAL2s="
    )


def test_accepts_a_fresh_signed_request() -> None:
    sig = sign_v3(SECRET, "POST", URI, BODY, TS)
    verify_v3(SECRET, method="POST", uri=URI, body=BODY, signature=sig, timestamp=str(TS),
              clock=lambda: NOW)  # fmt: skip
    verify_headers(SECRET, method="POST", uri=URI, body=BODY, clock=lambda: NOW,
                   headers={"x-hubspot-signature-v3": sig,
                            "X-HUBSPOT-REQUEST-TIMESTAMP": str(TS)})  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"clock": lambda: TS / 1000 + 301}, "older than 5 minutes"),
        ({"clock": lambda: TS / 1000 - 301}, "in the future"),
        ({"body": BODY.replace(b"123", b"124")}, "does not match"),
        ({"uri": URI.replace("62515", "62516")}, "does not match"),
        ({"uri": "https://sixty.example/hooks/hubspot?portal%3D62515"}, "does not match"),
        ({"method": "PUT"}, "does not match"),
        ({"timestamp": str(TS + 1)}, "does not match"),
        ({"signature": None}, "missing"),
        ({"timestamp": "yesterday"}, "not a number"),
    ],
)
def test_refuses(change: dict[str, object], reason: str) -> None:
    args: dict[str, object] = {"method": "POST", "uri": URI, "body": BODY,
                               "signature": sign_v3(SECRET, "POST", URI, BODY, TS),
                               "timestamp": str(TS), "clock": lambda: NOW}  # fmt: skip
    args.update(change)
    with pytest.raises(SignatureRejected, match=reason):
        verify_v3(SECRET, **args)  # type: ignore[arg-type]


def test_wrong_secret_and_edge_of_window() -> None:
    sig = sign_v3("other-secret", "POST", URI, BODY, TS)
    with pytest.raises(SignatureRejected):
        verify_v3(SECRET, method="POST", uri=URI, body=BODY, signature=sig, timestamp=str(TS),
                  clock=lambda: NOW)  # fmt: skip
    good = sign_v3(SECRET, "POST", URI, BODY, TS)
    verify_v3(
        SECRET,
        method="POST",
        uri=URI,
        body=BODY,
        signature=good,
        timestamp=str(TS),
        clock=lambda: TS / 1000 + 300,
    )  # exactly 5 minutes: still inside
