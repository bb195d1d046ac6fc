"""HubSpot webhook signature v3: our own check (the SDK once allowed 3,000 s instead of 300).

Per HubSpot's request-validation docs (NEXT_BUILDS.md D1): headers `X-HubSpot-Signature-v3` and
`X-HubSpot-Request-Timestamp` (milliseconds since the epoch). The signed string is the UTF-8 of
`method + uri + raw_body + timestamp`, with `uri` exactly as HubSpot called it (scheme, host,
path and query; proxies that rewrite or decode it break the check). The signature is
base64(HMAC-SHA256(app client secret, that string)). Requests older than 5 minutes are refused,
and so are timestamps more than 5 minutes in the future (a clock skew allowance the same size).
Comparison is constant-time. `clock` returns seconds since the epoch and is injected in tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE_MS = 5 * 60 * 1000


class SignatureRejected(Exception):
    """Why a webhook request was refused (a short reason; never the body)."""


def sign_v3(secret: str, method: str, uri: str, body: bytes | str, timestamp_ms: int | str) -> str:
    """The v3 signature HubSpot would send for this request."""
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    message = method.upper().encode("utf-8") + uri.encode("utf-8") + raw
    message += str(timestamp_ms).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_v3(
    secret: str, *, method: str, uri: str, body: bytes | str, signature: str | None,
    timestamp: str | None, clock: Callable[[], float] = time.time,
) -> None:  # fmt: skip
    """Raise `SignatureRejected` unless the request is a fresh, correctly signed v3 call."""
    if not secret:
        raise SignatureRejected("no app secret is configured")
    if not signature or not timestamp:
        raise SignatureRejected("signature headers missing")
    try:
        ts_ms = int(timestamp)
    except ValueError:
        raise SignatureRejected("timestamp is not a number") from None
    now_ms = int(clock() * 1000)
    if now_ms - ts_ms > MAX_AGE_MS:
        raise SignatureRejected("timestamp older than 5 minutes")
    if ts_ms - now_ms > MAX_AGE_MS:
        raise SignatureRejected("timestamp in the future")
    expected = sign_v3(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(
        expected.encode("ascii"), signature.strip().encode("ascii", "replace")
    ):
        raise SignatureRejected("signature does not match")


def verify_headers(
    secret: str, *, method: str, uri: str, body: bytes, headers: Mapping[str, str],
    clock: Callable[[], float] = time.time,
) -> None:  # fmt: skip
    """`verify_v3` reading the two headers (case-insensitively) from `headers`."""
    lower = {k.lower(): v for k, v in headers.items()}
    verify_v3(secret, method=method, uri=uri, body=body, clock=clock,
              signature=lower.get(SIGNATURE_HEADER.lower()),
              timestamp=lower.get(TIMESTAMP_HEADER.lower()))  # fmt: skip
