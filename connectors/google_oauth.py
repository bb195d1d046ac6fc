"""Google OAuth 2.0 for the web-server flow (google-auth-oauthlib `Flow`), refresh and revoke.

- `authorization_url(state)` -> (url, code_verifier): `access_type=offline` (a refresh token),
  `include_granted_scopes=true` (incremental auth: asking for gmail.send later keeps the rest),
  `prompt=consent`, PKCE S256 with a verifier Flow generates; the caller stores `state` (bound
  to the Slack user, expiring) and the verifier (`storage.connections.save_oauth_state`).
- `exchange(code, code_verifier)` -> `GoogleGrant` with the scopes Google actually granted (the
  consent screen lets a rep untick boxes; oauthlib raises a "Scope has changed" Warning then,
  which carries the token, so it is read from there rather than failing) and the account's
  address from the ID token (received straight from the token endpoint over TLS, so its
  signature need not be re-checked: OpenID Connect Core 3.1.3.7).
- `credentials(grant)` -> `google.oauth2.credentials.Credentials` for the API connectors;
  `refresh(credentials)`; `revoke(token)` posts to the revoke endpoint (on Disconnect).

Scopes (checked against the discovery documents shipped with google-api-python-client):
`gmail.readonly` covers messages.list/get, history.list, watch and settings.sendAs.list (so the
signature is readable without gmail.settings.basic, which only PATCH needs); `gmail.send`
sends; `calendar.events` covers events.insert/list/watch and channels.stop; `calendar.freebusy`
covers freeBusy.query; `openid email` name the account.

All endpoints come from `GoogleEndpoints`, so tests point them at the loopback fake (oauthlib
then needs `OAUTHLIB_INSECURE_TRANSPORT=1`, which only the tests set).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from google.auth import jwt as google_jwt
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from connectors.google_api import GoogleAuthError, GoogleEndpoints, GoogleUnavailable
from storage.clock import Clock, wall_clock

log = logging.getLogger(__name__)

_AUTH = "https://www.googleapis.com/auth/"
GMAIL_READONLY = _AUTH + "gmail.readonly"
GMAIL_SEND = _AUTH + "gmail.send"
CALENDAR_EVENTS = _AUTH + "calendar.events"
CALENDAR_FREEBUSY = _AUTH + "calendar.freebusy"
USERINFO_EMAIL = _AUTH + "userinfo.email"
SCOPES: tuple[str, ...] = (
    "openid", USERINFO_EMAIL, GMAIL_READONLY, GMAIL_SEND, CALENDAR_EVENTS, CALENDAR_FREEBUSY,
)  # fmt: skip
_ALIASES = {"email": USERINFO_EMAIL, "profile": _AUTH + "userinfo.profile"}


def normalise_scopes(scopes: Any) -> tuple[str, ...]:
    """Google answers `email` for userinfo.email and may join scopes with spaces."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes or ())
    return tuple(sorted({_ALIASES.get(s, s) for s in items}))


def has_scope(granted: Any, scope: str) -> bool:
    return scope in normalise_scopes(granted)


@dataclass(frozen=True)
class GoogleGrant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: tuple[str, ...]
    account_email: str | None = None
    raw_extra: dict[str, Any] = field(default_factory=dict)

    def token_blob(self) -> dict[str, Any]:
        """What is encrypted at rest (never logged)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    @property
    def can_send(self) -> bool:
        return GMAIL_SEND in self.scopes


class GoogleOAuth:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        endpoints: GoogleEndpoints | None = None,
        scopes: tuple[str, ...] = SCOPES,
        timeout_s: float = 15.0,
        clock: Clock = wall_clock,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.endpoints = endpoints or GoogleEndpoints()
        self.scopes = scopes
        self._timeout_s = timeout_s
        self._clock = clock

    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(32)

    def _flow(self, scopes: tuple[str, ...], code_verifier: str | None = None) -> Flow:
        config = {
            "web": {
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "auth_uri": self.endpoints.auth_uri,
                "token_uri": self.endpoints.token_uri,
                "redirect_uris": [self.redirect_uri],
            }
        }
        return Flow.from_client_config(
            config,
            scopes=list(scopes),
            redirect_uri=self.redirect_uri,
            code_verifier=code_verifier,
            autogenerate_code_verifier=code_verifier is None,
        )

    def authorization_url(
        self, state: str, *, scopes: tuple[str, ...] | None = None, login_hint: str | None = None
    ) -> tuple[str, str]:
        """The consent URL to send the rep to, and the PKCE verifier to keep until the callback."""
        flow = self._flow(scopes or self.scopes)
        extra = {"login_hint": login_hint} if login_hint else {}
        url, _ = flow.authorization_url(
            state=state,
            access_type="offline",
            include_granted_scopes="true",
            prompt="consent",
            **extra,
        )
        assert flow.code_verifier is not None
        return url, flow.code_verifier

    async def exchange(self, code: str, code_verifier: str) -> GoogleGrant:
        """Trade the callback's code for tokens (blocking client: runs in a worker thread)."""
        flow = self._flow(self.scopes, code_verifier)
        try:
            token = await asyncio.to_thread(self._fetch, flow, code)
        except OAuth2Error as exc:
            log.info("google code exchange refused", extra={"error": exc.error})
            raise GoogleAuthError(f"Google refused the code ({exc.error})",
                                  reason=exc.error or "") from None  # fmt: skip
        except (OSError, TransportError, ValueError) as exc:
            raise GoogleUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from None
        return self._grant(token)

    @staticmethod
    def _fetch(flow: Flow, code: str) -> dict[str, Any]:
        try:
            return dict(flow.fetch_token(code=code))
        except Warning as w:  # oauthlib: "Scope has changed" (the rep unticked a permission)
            token = getattr(w, "token", None)
            if token is None:
                raise
            return dict(token)

    def _grant(self, token: dict[str, Any]) -> GoogleGrant:
        scopes = normalise_scopes(token.get("scope") or self.scopes)
        email = None
        if token.get("id_token"):
            claims = google_jwt.decode(token["id_token"], verify=False)
            if claims.get("email_verified", True):
                email = claims.get("email")
        expires_at = None
        if token.get("expires_in"):  # oauthlib also sets expires_at, from the wall clock
            expires_at = self._clock() + timedelta(seconds=float(token["expires_in"]))
        elif token.get("expires_at"):
            expires_at = datetime.fromtimestamp(float(token["expires_at"]), UTC)
        return GoogleGrant(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=expires_at,
            scopes=scopes,
            account_email=email,
        )

    def credentials(
        self,
        *,
        access_token: str | None,
        refresh_token: str | None,
        expires_at: datetime | None,
        scopes: tuple[str, ...] | list[str] = (),
    ) -> Credentials:
        expiry = expires_at.astimezone(UTC).replace(tzinfo=None) if expires_at else None
        return Credentials(
            token=access_token,
            refresh_token=refresh_token,
            token_uri=self.endpoints.token_uri,
            client_id=self.client_id,
            client_secret=self._client_secret,
            scopes=list(scopes) or None,
            expiry=expiry,
        )

    def credentials_from_blob(
        self, blob: dict[str, Any], scopes: tuple[str, ...] | list[str] = ()
    ) -> Credentials:
        """Credentials from what `GoogleGrant.token_blob()` stored (decrypted by the caller)."""
        expires = blob.get("expires_at")
        return self.credentials(
            access_token=blob.get("access_token"),
            refresh_token=blob.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scopes=scopes,
        )

    def credentials_for(self, grant: GoogleGrant) -> Credentials:
        return self.credentials(access_token=grant.access_token, refresh_token=grant.refresh_token,
                                expires_at=grant.expires_at, scopes=grant.scopes)  # fmt: skip

    async def refresh(self, creds: Credentials) -> Credentials:
        """A new access token from the refresh token; GoogleAuthError when it was revoked."""
        try:
            await asyncio.to_thread(creds.refresh, GoogleRequest())
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise GoogleUnavailable("token refresh failed; retry later") from None
            raise GoogleAuthError("the Google grant was revoked or expired",
                                  reason="invalid_grant") from None  # fmt: skip
        except TransportError as exc:
            raise GoogleUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from None
        return creds

    async def revoke(self, token: str) -> bool:
        """Revoke a refresh (or access) token; True when Google confirmed or already forgot it."""
        timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(
                    self.endpoints.revoke_uri,
                    data={"token": token},
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                ) as resp,
            ):
                await resp.read()
                if resp.status == 200:
                    return True
                if resp.status == 400:  # invalid_token: already revoked or expired
                    return True
                raise GoogleUnavailable(f"revoke answered {resp.status}", status=resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GoogleUnavailable(f"revoke endpoint unreachable ({type(exc).__name__})") from None


def expires_at_of(creds: Credentials) -> datetime | None:
    """google-auth keeps `expiry` naive UTC; storage wants it aware."""
    return creds.expiry.replace(tzinfo=UTC) if creds.expiry else None
