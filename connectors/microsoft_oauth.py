"""Microsoft identity platform OAuth for a rep's mailbox: MSAL confidential client,
authorization-code flow with PKCE, refresh, and disconnect.

- `initiate_auth_code_flow(state)` -> the MSAL flow dict (`auth_uri` to send the rep to, plus
  the PKCE `code_verifier` and `nonce` MSAL generated); the caller stores the whole dict with
  the state (`storage.connections.save_oauth_state(..., flow=flow)`, bound to the Slack user,
  expiring). Scopes are `Mail.Read Mail.Send Calendars.ReadWrite User.Read`; MSAL adds
  `openid profile offline_access` itself and refuses them if passed (EXTERNAL_APIS.md 5).
- `acquire_token_by_auth_code_flow(flow, auth_response)` -> `MicrosoftGrant` with the scopes the
  token endpoint says were granted (an admin or the rep may have granted fewer) and the account
  from the ID token (`preferred_username`, received over TLS from the token endpoint).
  MSAL checks `state` (a mismatch raises ValueError -> `GraphAuthError`), PKCE and the nonce.
- `acquire_token_by_refresh_token(refresh_token)` -> a new grant; Microsoft rotates refresh
  tokens, so the caller stores the new one (`store_grant`). `refresher(...)` builds the
  callback `connectors.graph.GraphClient(refresh=...)` calls on a 401; when the refresh token
  is refused it marks the connection `expired` (reconnect) before raising `GraphAuthError`.
- `disconnect(...)`: Microsoft has no endpoint to revoke one delegated refresh token (only
  `revokeSignInSessions`, which signs the user out of every app and needs an admin-grade
  permission), so Disconnect deletes the Graph subscriptions (best effort, by the caller),
  deletes the stored tokens and connection row, and tells the rep where to remove the app's
  consent (`CONSENT_URL`). The tokens we held are then unusable by us; the access token lapses
  within its lifetime (about an hour).

MSAL is synchronous (requests): every call runs in a worker thread. The authority is
`{authority_base}/{tenant}`; MSAL fetches `{authority}/v2.0/.well-known/openid-configuration`
and needs https, so tests run the fake's login endpoints over TLS with a self-signed
certificate and pass `verify=<its PEM>`; `instance_discovery=False` (and
`validate_authority=False`) keep MSAL from asking login.microsoftonline.com about an unknown
host. Tokens and addresses are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msal
import requests
from sqlmodel import select

from connectors.graph import (
    GraphAuthError,
    GraphClient,
    GraphError,
    GraphUnavailable,
    RefreshToken,
)
from storage.clock import Clock, wall_clock
from storage.connections import (
    EXPIRED,
    StoredConnection,
    delete_connection,
    save_connection,
    set_status,
)
from storage.crypto import TokenCipher
from storage.engine import Database
from storage.models import CalendarSyncState, Connection, MailboxState

log = logging.getLogger(__name__)

PROVIDER = "microsoft"
AUTHORITY_BASE = "https://login.microsoftonline.com"
MAIL_READ, MAIL_SEND = "Mail.Read", "Mail.Send"
CALENDARS_READWRITE, USER_READ = "Calendars.ReadWrite", "User.Read"
SCOPES: tuple[str, ...] = (MAIL_READ, MAIL_SEND, CALENDARS_READWRITE, USER_READ)
RESERVED = frozenset({"openid", "profile", "offline_access", "email"})
CONSENT_URL = "https://myapplications.microsoft.com/"
_GRAPH_PREFIX = "https://graph.microsoft.com/"


def normalise_scopes(scopes: Any) -> tuple[str, ...]:
    """The token endpoint answers a space-separated string, sometimes fully qualified
    (`https://graph.microsoft.com/Mail.Send`); keep short names, sorted, unique."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes or ())
    out = {s[len(_GRAPH_PREFIX):] if s.startswith(_GRAPH_PREFIX) else s for s in items}  # fmt: skip
    return tuple(sorted(s for s in out if s))


def has_scope(granted: Any, scope: str) -> bool:
    have = {s.lower() for s in normalise_scopes(granted)}
    wanted = scope.lower()
    if wanted in have:
        return True
    # ReadWrite implies Read (Mail.ReadWrite covers Mail.Read, Calendars.ReadWrite ...Read)
    return wanted.endswith(".read") and wanted.replace(".read", ".readwrite") in have


@dataclass(frozen=True)
class MicrosoftGrant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: tuple[str, ...]
    account_email: str | None = None
    tenant_id: str | None = None
    object_id: str | None = None

    def token_blob(self) -> dict[str, Any]:
        """What is encrypted at rest (never logged)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    @property
    def can_send(self) -> bool:
        return has_scope(self.scopes, MAIL_SEND)


class MicrosoftOAuth:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        tenant: str = "common",
        authority_base: str = AUTHORITY_BASE,
        scopes: tuple[str, ...] = SCOPES,
        verify: bool | str = True,
        timeout_s: float = 15.0,
        clock: Clock = wall_clock,
    ) -> None:
        bad = RESERVED.intersection(s.lower() for s in scopes)
        if bad:
            raise ValueError(f"do not pass reserved scopes {sorted(bad)}; MSAL adds them")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.authority = f"{authority_base.rstrip('/')}/{tenant}"
        self.scopes = scopes
        self._verify = verify
        self._timeout_s = timeout_s
        self._clock = clock
        self._known_host = authority_base.rstrip("/") == AUTHORITY_BASE
        self._app: msal.ConfidentialClientApplication | None = None
        self._app_lock = asyncio.Lock()

    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(32)

    def _build_app(self) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=self._client_secret,
            authority=self.authority,
            validate_authority=self._known_host,
            instance_discovery=None if self._known_host else False,
            http_client=_TimeoutSession(requests.Session(), self._timeout_s, self._verify),
            token_cache=msal.TokenCache(),  # in memory only; storage keeps the tokens
        )

    async def app(self) -> msal.ConfidentialClientApplication:
        """The MSAL application (its constructor fetches the OpenID configuration)."""
        if self._app is None:
            async with self._app_lock:
                if self._app is None:
                    try:
                        self._app = await asyncio.to_thread(self._build_app)
                    except (requests.RequestException, OSError) as exc:
                        raise GraphUnavailable(
                            f"authority unreachable ({type(exc).__name__})") from None  # fmt: skip
        return self._app

    async def initiate_auth_code_flow(
        self, state: str, *, scopes: tuple[str, ...] | None = None, login_hint: str | None = None
    ) -> dict[str, Any]:
        """The MSAL flow (JSON-serialisable dict): send the rep to `flow["auth_uri"]`, keep the
        rest until the callback."""
        app = await self.app()

        def initiate() -> dict[str, Any]:
            with warnings.catch_warnings():
                # MSAL recommends response_mode=form_post; our callback is a GET with the code
                # in the query, protected by state, PKCE and the nonce.
                warnings.filterwarnings("ignore", message="response_mode", category=UserWarning)
                return dict(app.initiate_auth_code_flow(
                    list(scopes or self.scopes), redirect_uri=self.redirect_uri, state=state,
                    login_hint=login_hint, prompt="select_account"))  # fmt: skip

        return await asyncio.to_thread(initiate)

    async def acquire_token_by_auth_code_flow(
        self, flow: Mapping[str, Any], auth_response: Mapping[str, str]
    ) -> MicrosoftGrant:
        """Trade the callback's query parameters for tokens."""
        app = await self.app()
        try:
            result = await asyncio.to_thread(
                app.acquire_token_by_auth_code_flow, dict(flow), dict(auth_response)
            )
        except ValueError:  # state mismatch or a flow used twice
            log.info("microsoft callback rejected", extra={"error": "state_mismatch"})
            raise GraphAuthError("the sign-in callback does not match this flow",
                                 code="state_mismatch") from None  # fmt: skip
        except RuntimeError:  # nonce mismatch
            raise GraphAuthError("the ID token does not match this flow", code="nonce") from None
        except (requests.RequestException, OSError) as exc:
            raise GraphUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from None
        return self._grant(result, what="code")

    async def acquire_token_by_refresh_token(
        self, refresh_token: str, *, scopes: tuple[str, ...] | None = None
    ) -> MicrosoftGrant:
        """A new access (and refresh) token; `GraphAuthError` when the grant was revoked."""
        app = await self.app()
        try:
            result = await asyncio.to_thread(
                app.acquire_token_by_refresh_token, refresh_token, list(scopes or self.scopes)
            )
        except (requests.RequestException, OSError) as exc:
            raise GraphUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from None
        grant = self._grant(result, what="refresh")
        if grant.refresh_token is None:
            grant = MicrosoftGrant(grant.access_token, refresh_token, grant.expires_at,
                                   grant.scopes, grant.account_email, grant.tenant_id,
                                   grant.object_id)  # fmt: skip
        return grant

    def _grant(self, result: Mapping[str, Any], *, what: str) -> MicrosoftGrant:
        if "error" in result or "access_token" not in result:
            error = str(result.get("error") or "no_token")
            log.info("microsoft token request refused", extra={"call": what, "error": error})
            if error in ("temporarily_unavailable", "server_error"):
                raise GraphUnavailable(f"token endpoint: {error}", code=error)
            raise GraphAuthError(f"Microsoft refused the {what} ({error})", code=error)
        claims = result.get("id_token_claims") or {}
        expires_at = None
        if result.get("expires_in"):
            expires_at = self._clock() + timedelta(seconds=float(result["expires_in"]))
        email = claims.get("preferred_username") or claims.get("email")
        return MicrosoftGrant(
            access_token=str(result["access_token"]),
            refresh_token=result.get("refresh_token"),
            expires_at=expires_at,
            scopes=normalise_scopes(result.get("scope") or self.scopes),
            account_email=str(email) if email else None,
            tenant_id=claims.get("tid"),
            object_id=claims.get("oid"),
        )

    # ------------------------------------------------------------------ storage glue

    async def store_grant(
        self,
        db: Database,
        cipher: TokenCipher,
        *,
        org_id: int,
        user_id: int,
        grant: MicrosoftGrant,
    ) -> StoredConnection:
        """Create or replace the rep's Microsoft connection (tokens encrypted, scopes plain)."""
        meta = {k: v for k, v in (("tenant_id", grant.tenant_id),
                                  ("object_id", grant.object_id)) if v}  # fmt: skip
        async with db.transaction() as session:
            return await save_connection(
                session, cipher=cipher, org_id=org_id, user_id=user_id, provider=PROVIDER,
                tokens=grant.token_blob(), scopes=grant.scopes, expires_at=grant.expires_at,
                account_email=grant.account_email, meta=meta,
            )  # fmt: skip

    def refresher(self, db: Database, cipher: TokenCipher, conn: StoredConnection) -> RefreshToken:
        """The `refresh` callback for `GraphClient`: refresh with the stored refresh token, store
        the rotated tokens, return the new access token."""
        state = {"refresh_token": conn.tokens.get("refresh_token")}

        async def refresh() -> str:
            token = state["refresh_token"]
            if not token:
                raise GraphAuthError("no refresh token stored; reconnect", code="no_refresh_token")
            try:
                grant = await self.acquire_token_by_refresh_token(token)
            except GraphAuthError:  # revoked or expired grant: the App Home asks to reconnect
                async with db.transaction() as session:
                    await set_status(session, connection_id=conn.id, status=EXPIRED)
                raise
            assert conn.user_id is not None
            await self.store_grant(db, cipher, org_id=conn.org_id, user_id=conn.user_id,
                                   grant=grant)  # fmt: skip
            state["refresh_token"] = grant.refresh_token
            return grant.access_token

        return refresh

    async def disconnect(
        self, db: Database, *, user_id: int, graph: GraphClient | None = None
    ) -> bool:
        """Delete the Graph subscriptions (best effort, with `graph` built from the still-stored
        token), the sync state and the stored tokens and connection. See the module docstring
        for why there is no revoke call. Returns True when a connection existed."""
        async with db.session() as session:
            conn = (await session.exec(select(Connection).where(
                Connection.user_id == user_id, Connection.provider == PROVIDER))).first()  # fmt: skip
            if conn is None:
                return False
            box = await session.get(MailboxState, conn.id)
            cals = list((await session.exec(select(CalendarSyncState).where(
                CalendarSyncState.user_id == user_id,
                CalendarSyncState.provider == PROVIDER))).all())  # fmt: skip
        subs = [s for s in [box.subscription_id if box else None,
                            *(c.channel_id for c in cals)] if s]  # fmt: skip
        if graph is not None:
            for sub in subs:
                try:
                    await graph.delete_subscription(sub)
                except GraphError as exc:  # the grant may already be gone; deletion goes on
                    log.info("graph subscription not deleted", extra={"status": exc.status})
        async with db.transaction() as session:
            if box is not None:
                row = await session.get(MailboxState, box.connection_id)
                if row is not None:
                    await session.delete(row)
            for cal in cals:
                row2 = await session.get(CalendarSyncState, cal.id)
                if row2 is not None:
                    await session.delete(row2)
            await session.flush()
            existed = await delete_connection(session, user_id=user_id, provider=PROVIDER)
        log.info("microsoft connection deleted", extra={"user_id": user_id, "existed": existed,
                                                        "subscriptions": len(subs)})  # fmt: skip
        return existed


class _TimeoutSession:
    """A requests.Session with a default timeout (MSAL passes none) and `verify` per call
    (a session attribute would lose to REQUESTS_CA_BUNDLE in requests' settings merge)."""

    def __init__(self, session: requests.Session, timeout_s: float, verify: bool | str) -> None:
        self._session = session
        self._timeout_s = timeout_s
        self._verify = verify

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout_s)
        kwargs.setdefault("verify", self._verify)
        return self._session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout_s)
        kwargs.setdefault("verify", self._verify)
        return self._session.post(url, **kwargs)

    def close(self) -> None:
        self._session.close()
