"""What the Google connectors share: endpoints, typed errors, and one way to call the client.

google-api-python-client is built from the discovery documents the package ships
(`static_discovery=True`, no network); only the root URL changes, through
`client_options={"api_endpoint": ...}` (discovery.build_from_document: the endpoint replaces
rootUrl + servicePath). The client is synchronous and httplib2 is not thread-safe, so every
request gets its own `AuthorizedHttp(httplib2.Http())` through `requestBuilder` (the library's
thread-safety guide) and runs in a worker thread (`asyncio.to_thread`). `AuthorizedHttp`
refreshes an expired access token before the call and once more on a 401; when it did,
`on_refresh(credentials)` lets the caller store the new token.

Errors become `GoogleError` subclasses the flows can act on: `GoogleAuthError` (401,
invalid_grant: reconnect), `GoogleInsufficientScope` (403 insufficientPermissions: ask for the
permission), `GoogleRateLimited` (429, 403 rate limits; `retry_after` seconds when given),
`GoogleUnavailable` (5xx, network), `GoogleNotFound` (404), `GoogleConflict` (409),
`GoogleGone` (410), `GoogleBadRequest` (other 4xx). Nothing here logs bodies or addresses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

log = logging.getLogger(__name__)

RATE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded",
     "RATE_LIMIT_EXCEEDED"}
)  # fmt: skip
SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})


@dataclass(frozen=True)
class GoogleEndpoints:
    """Where Google lives; tests point every one of these at the loopback fake."""

    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    gmail_api: str | None = None  # None: the discovery document's rootUrl
    calendar_api: str | None = None  # e.g. "http://127.0.0.1:PORT/calendar/v3/"

    @classmethod
    def at(cls, base_url: str) -> GoogleEndpoints:
        """Everything under one base URL, laid out like Google's paths (the fake, a sandbox)."""
        base = base_url.rstrip("/")
        return cls(auth_uri=f"{base}/o/oauth2/auth", token_uri=f"{base}/token",
                   revoke_uri=f"{base}/revoke", certs_url=f"{base}/oauth2/v1/certs",
                   gmail_api=f"{base}/", calendar_api=f"{base}/calendar/v3/")  # fmt: skip


class GoogleError(Exception):
    """A Google API call failed; `status` is the HTTP status (0 when it never answered)."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class GoogleAuthError(GoogleError):
    """The grant is no longer valid (401 after refresh, invalid_grant): the rep must reconnect."""


class GoogleInsufficientScope(GoogleError):
    """The rep connected without the permission this call needs (e.g. gmail.send)."""


class GoogleRateLimited(GoogleError):
    def __init__(self, message: str, *, status: int, reason: str, retry_after: float | None):
        super().__init__(message, status=status, reason=reason)
        self.retry_after = retry_after


class GoogleUnavailable(GoogleError):
    """5xx or no answer: retry later with backoff."""


class GoogleNotFound(GoogleError):
    pass


class GoogleConflict(GoogleError):
    pass


class GoogleGone(GoogleError):
    pass


class GoogleBadRequest(GoogleError):
    pass


OnRefresh = Callable[[Credentials], Awaitable[None]]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            from datetime import UTC, datetime

            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _error_reason(content: bytes) -> str:
    try:
        err = json.loads(content.decode("utf-8")).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return ""
    if not isinstance(err, dict):
        return str(err or "")
    for item in err.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    for item in err.get("details") or []:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    return str(err.get("status") or "")


def map_http_error(exc: HttpError) -> GoogleError:
    status = int(exc.resp.status)
    reason = _error_reason(exc.content or b"")
    message = f"Google API answered {status} {reason}".strip()
    if status == 401:
        return GoogleAuthError(message, status=status, reason=reason)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return GoogleRateLimited(message, status=status, reason=reason,
                                 retry_after=_retry_after(exc.resp.get("retry-after")))  # fmt: skip
    if status == 403 and reason in SCOPE_REASONS:
        return GoogleInsufficientScope(message, status=status, reason=reason)
    if status >= 500:
        return GoogleUnavailable(message, status=status, reason=reason)
    kinds: dict[int, type[GoogleError]] = {404: GoogleNotFound, 409: GoogleConflict,
                                           410: GoogleGone}  # fmt: skip
    return kinds.get(status, GoogleBadRequest)(message, status=status, reason=reason)


class GoogleApi:
    """One Google API (gmail v1, calendar v3) for one set of credentials."""

    def __init__(
        self,
        api: str,
        version: str,
        credentials: Credentials,
        *,
        endpoint: str | None = None,
        on_refresh: OnRefresh | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        self.credentials = credentials
        self._on_refresh = on_refresh
        self._timeout_s = timeout_s
        options = {"api_endpoint": endpoint} if endpoint else None
        self._service = build(
            api,
            version,
            credentials=credentials,
            static_discovery=True,
            cache_discovery=False,
            client_options=options,
            requestBuilder=self._request_builder,
        )
        self._lock = asyncio.Lock()  # one refresh at a time per credentials object

    @property
    def service(self) -> Any:
        return self._service

    def _request_builder(self, _http: Any, *args: Any, **kwargs: Any) -> HttpRequest:
        fresh = google_auth_httplib2.AuthorizedHttp(
            self.credentials, http=httplib2.Http(timeout=self._timeout_s)
        )
        return HttpRequest(fresh, *args, **kwargs)

    async def call(self, make_request: Callable[[Any], Any], *, what: str) -> Any:
        """Build the request from the service and execute it in a worker thread."""
        before = self.credentials.token
        try:
            if not self.credentials.valid:
                async with self._lock:  # refresh once, not once per concurrent call
                    result = await asyncio.to_thread(_execute, make_request, self._service)
            else:
                result = await asyncio.to_thread(_execute, make_request, self._service)
        except HttpError as exc:
            err = map_http_error(exc)
            log.info("google call failed", extra={"call": what, "status": err.status,
                                                  "reason": err.reason})  # fmt: skip
            raise err from None
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise GoogleUnavailable("token refresh failed; retry later") from None
            log.info("google token refresh refused", extra={"call": what})
            raise GoogleAuthError("the Google grant was revoked or expired",
                                  reason="invalid_grant") from None  # fmt: skip
        except (TimeoutError, TransportError, httplib2.HttpLib2Error, OSError) as exc:
            log.info("google unreachable", extra={"call": what, "error": type(exc).__name__})
            raise GoogleUnavailable(f"Google unreachable ({type(exc).__name__})") from None
        finally:
            if self.credentials.token != before and self._on_refresh is not None:
                await self._on_refresh(self.credentials)
        return result


def _execute(make_request: Callable[[Any], Any], service: Any) -> Any:
    return make_request(service).execute(num_retries=0)
