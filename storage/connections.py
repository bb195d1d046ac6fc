"""Repository for OAuth connections (Google, Microsoft) and the OAuth `state` rows of a
flow in progress. The caller owns the session: nothing here commits.

Tokens are stored only encrypted (`storage.crypto.TokenCipher`, Fernet) in
`connections.token_encrypted`; granted scopes, expiry, status and the account address sit in
plain columns so the App Home can show them. `OAuthState` binds a `state` value to the Slack
user who started the flow, with its PKCE verifier (sealed, `TokenCipher.seal`) and an expiry;
`take_oauth_state` deletes it on first use, atomically, so a callback can be used once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.crypto import TokenCipher
from storage.models import Connection, MailboxState, OAuthState
from storage.rows import table_of
from storage.types import utcnow

ACTIVE, EXPIRED, REVOKED, ERROR = "active", "expired", "revoked", "error"
STATE_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class StoredConnection:
    """A connection row with its tokens decrypted (keep it in memory only)."""

    id: int
    org_id: int
    user_id: int | None
    provider: str
    account_email: str | None
    scopes: tuple[str, ...]
    tokens: dict[str, Any]
    expires_at: datetime | None
    status: str
    meta: dict[str, Any]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def _stored(row: Connection, cipher: TokenCipher) -> StoredConnection:
    assert row.id is not None
    tokens = cipher.decrypt(row.token_encrypted) if row.token_encrypted else {}
    return StoredConnection(
        id=row.id, org_id=row.org_id, user_id=row.user_id, provider=row.provider,
        account_email=row.account_email, scopes=tuple(row.scopes or ()), tokens=tokens,
        expires_at=row.expires_at, status=row.status, meta=dict(row.meta or {}),
    )  # fmt: skip


async def _row(session: AsyncSession, user_id: int, provider: str) -> Connection | None:
    stmt = select(Connection).where(Connection.user_id == user_id, Connection.provider == provider)
    return (await session.exec(stmt)).first()


async def save_connection(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    org_id: int,
    user_id: int,
    provider: str,
    tokens: dict[str, Any],
    scopes: tuple[str, ...] | list[str],
    expires_at: datetime | None,
    account_email: str | None = None,
    meta: dict[str, Any] | None = None,
) -> StoredConnection:
    """Create or replace the user's connection to `provider` (a reconnect keeps the row id).

    A refresh token missing from `tokens` (Google omits it on some re-consents) is kept from
    the stored one."""
    row = await _row(session, user_id, provider)
    if row is None:
        row = Connection(org_id=org_id, user_id=user_id, provider=provider)
    elif row.token_encrypted and not tokens.get("refresh_token"):
        old = cipher.decrypt(row.token_encrypted)
        if old.get("refresh_token"):
            tokens = {**tokens, "refresh_token": old["refresh_token"]}
    row.org_id = org_id
    row.token_encrypted = cipher.encrypt(tokens)
    row.scopes = sorted(set(scopes))
    row.expires_at = expires_at
    row.status = ACTIVE
    if account_email is not None:
        row.account_email = account_email
    if meta is not None:
        row.meta = {**(row.meta or {}), **meta}
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    return _stored(row, cipher)


async def load_connection(
    session: AsyncSession, *, cipher: TokenCipher, user_id: int, provider: str
) -> StoredConnection | None:
    row = await _row(session, user_id, provider)
    return _stored(row, cipher) if row is not None else None


async def connection_by_id(
    session: AsyncSession, *, cipher: TokenCipher, connection_id: int
) -> StoredConnection | None:
    row = await session.get(Connection, connection_id)
    return _stored(row, cipher) if row is not None else None


async def connection_for_account(
    session: AsyncSession, *, provider: str, account_email: str
) -> Connection | None:
    """The active connection for a mailbox address (case-insensitive); tokens stay encrypted."""
    stmt = select(Connection).where(
        Connection.provider == provider,
        Connection.status == ACTIVE,
        func.lower(Connection.account_email) == account_email.strip().lower(),
    )
    return (await session.exec(stmt)).first()


async def update_tokens(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    connection_id: int,
    access_token: str,
    expires_at: datetime | None,
) -> None:
    """Store a refreshed access token (the refresh token is kept)."""
    row = await session.get(Connection, connection_id)
    if row is None:
        return
    tokens = cipher.decrypt(row.token_encrypted) if row.token_encrypted else {}
    tokens["access_token"] = access_token
    tokens["expires_at"] = expires_at.isoformat() if expires_at else None
    row.token_encrypted = cipher.encrypt(tokens)
    row.expires_at = expires_at
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def set_status(session: AsyncSession, *, connection_id: int, status: str) -> None:
    """`expired` when the grant stopped working (ask the rep to reconnect), `error`, ..."""
    if status not in (ACTIVE, EXPIRED, REVOKED, ERROR):
        raise ValueError(f"unknown connection status {status!r}")
    row = await session.get(Connection, connection_id)
    if row is not None:
        row.status = status
        row.updated_at = utcnow()
        session.add(row)
        await session.flush()


async def expire_connection(session: AsyncSession, *, user_id: int, provider: str) -> None:
    """Mark the rep's connection at `provider` expired (the grant stopped working)."""
    row = await _row(session, user_id, provider)
    if row is not None and row.id is not None:
        await set_status(session, connection_id=row.id, status=EXPIRED)


async def active_mailboxes(
    session: AsyncSession, *, providers: tuple[str, ...]
) -> list[Connection]:
    """Active connections of a rep at any of `providers`, in id order."""
    stmt = select(Connection).where(
        Connection.status == ACTIVE,
        col(Connection.provider).in_(providers),
        col(Connection.user_id).is_not(None),
    )
    return list((await session.exec(stmt.order_by(col(Connection.id)))).all())


async def never_polled_graph_mailboxes(session: AsyncSession) -> list[Connection]:
    """Active Microsoft mailboxes whose inbox state has no `last_polled_at` (or no row)."""
    stmt = (
        select(Connection)
        .outerjoin(MailboxState, col(MailboxState.connection_id) == col(Connection.id))
        .where(
            Connection.status == ACTIVE,
            Connection.provider == "microsoft",
            col(Connection.user_id).is_not(None),
            col(MailboxState.last_polled_at).is_(None),
        )
    )
    return list((await session.exec(stmt.order_by(col(Connection.id)))).all())


async def delete_connection(session: AsyncSession, *, user_id: int, provider: str) -> bool:
    """Forget the connection (after revoking it at the provider). True when one existed."""
    row = await _row(session, user_id, provider)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


# --------------------------------------------------------------------------- OAuth state


@dataclass(frozen=True)
class TakenState:
    """An OAuth flow in progress, taken from its `state` row, the PKCE verifier revealed."""

    user_id: int
    provider: str
    code_verifier: str | None
    flow: dict[str, Any]


async def save_oauth_state(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    state: str,
    user_id: int,
    provider: str,
    code_verifier: str | None,
    now: datetime,
    ttl: timedelta = STATE_TTL,
    flow: dict[str, Any] | None = None,
) -> None:
    """Remember the flow; the PKCE verifier is stored sealed only (also the copy inside an
    MSAL `flow`, which `take_oauth_state` puts back)."""
    flow = dict(flow or {})
    code_verifier = code_verifier or flow.get("code_verifier")
    flow.pop("code_verifier", None)
    sealed = cipher.seal(code_verifier) if code_verifier else None
    session.add(OAuthState(state=state, user_id=user_id, provider=provider,
                           code_verifier=sealed, flow=flow, expires_at=now + ttl))  # fmt: skip
    await session.flush()


async def take_oauth_state(
    session: AsyncSession, *, cipher: TokenCipher, state: str, provider: str, now: datetime
) -> TakenState | None:
    """The flow this callback belongs to, used up on the way; None if unknown, for another
    provider, or expired (an expired row is deleted too).

    One `DELETE ... RETURNING`: of any number of concurrent callbacks with the same state,
    only the one whose delete removed the row gets it back (the others match no row)."""
    table = table_of(OAuthState)
    stmt = delete(OAuthState).where(col(OAuthState.state) == state).returning(*table.c)
    row = (await session.execute(stmt)).mappings().first()
    if row is None or row["provider"] != provider or row["expires_at"] <= now:
        return None
    verifier = cipher.reveal(row["code_verifier"])
    flow = dict(row["flow"] or {})
    if flow and verifier:
        flow["code_verifier"] = verifier
    return TakenState(user_id=row["user_id"], provider=row["provider"], code_verifier=verifier,
                      flow=flow)  # fmt: skip
