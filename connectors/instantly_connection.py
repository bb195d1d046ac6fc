"""Where an org's Instantly API key lives: a `connections` row (provider `instantly`) for the
user who connected it, the key encrypted at rest like OAuth tokens (`storage.crypto`).

Instantly keys are workspace keys (shown once in Settings -> Integrations -> API Keys); they do
not expire, so `expires_at` is None and the only status changes are `active` -> `error` when the
API refuses the key (`mark_refused`, after an `InstantlyAuthError`). `meta` keeps the optional
sub-workspace id for admin keys (`x-as-workspace`). The key is never logged or returned in a
repr; callers get a ready `InstantlyClient`.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from connectors.instantly import InstantlyClient, client_from_settings
from storage import connections as repo
from storage.crypto import TokenCipher

PROVIDER = "instantly"


async def save_api_key(
    session: AsyncSession, *, cipher: TokenCipher, org_id: int, user_id: int, api_key: str,
    workspace_id: str | None = None,
) -> repo.StoredConnection:  # fmt: skip
    """Store (or replace) the key, encrypted; the caller commits."""
    key = api_key.strip()
    if not key:
        raise ValueError("an Instantly API key is required")
    meta = {"workspace_id": workspace_id} if workspace_id else {}
    return await repo.save_connection(
        session, cipher=cipher, org_id=org_id, user_id=user_id, provider=PROVIDER,
        tokens={"api_key": key}, scopes=(), expires_at=None, meta=meta,
    )  # fmt: skip


async def client_for(
    session: AsyncSession, *, cipher: TokenCipher, user_id: int, settings: Any, **kw: Any
) -> InstantlyClient | None:
    """A client on the stored key, or None when there is none or it was refused before."""
    stored = await repo.load_connection(session, cipher=cipher, user_id=user_id,
                                        provider=PROVIDER)  # fmt: skip
    if stored is None or stored.status != repo.ACTIVE:
        return None
    key = stored.tokens.get("api_key")
    if not isinstance(key, str) or not key:
        return None
    workspace = stored.meta.get("workspace_id")
    return client_from_settings(settings, key, workspace_id=workspace or None, **kw)


async def mark_refused(session: AsyncSession, *, connection_id: int) -> None:
    """The API answered 401/403 for this key: stop using it until it is replaced."""
    await repo.set_status(session, connection_id=connection_id, status=repo.ERROR)
