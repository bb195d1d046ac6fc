"""HubSpot app install (OAuth authorization code): the install URL an admin opens and the
code exchange at `POST /oauth/2026-03/token` (form body: `grant_type=authorization_code,
client_id, client_secret, redirect_uri, code` -> `{access_token, refresh_token, expires_in,
hub_id}`), NEXT_BUILDS.md D1. Refreshing is `connectors.hubspot.OAuthToken`'s job.

Scopes are the minimal set of D1: read/write on contacts, companies and deals, owners, and the
deal schema (pipelines). Nothing here logs codes or tokens.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import aiohttp

from connectors.hubspot import DEFAULT_BASE_URL, TOKEN_PATH, HubSpotAuthError, HubSpotUnavailable
from connectors.hubspot_models import TokenGrant

SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.owners.read",
    "crm.schemas.deals.read",
)
DEFAULT_AUTH_BASE = "https://app.hubspot.com"


def install_url(*, client_id: str, redirect_uri: str, state: str,
                auth_base: str = DEFAULT_AUTH_BASE) -> str:  # fmt: skip
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": " ".join(SCOPES), "state": state})  # fmt: skip
    return f"{auth_base.rstrip('/')}/oauth/authorize?{query}"


async def exchange_code(*, code: str, client_id: str, client_secret: str, redirect_uri: str,
                        now: datetime, api_base: str | None = None,
                        timeout_s: float = 30.0) -> TokenGrant:  # fmt: skip
    """The grant for an install's code; `HubSpotAuthError` when HubSpot refuses it."""
    form = {"grant_type": "authorization_code", "client_id": client_id,
            "client_secret": client_secret, "redirect_uri": redirect_uri, "code": code}  # fmt: skip
    url = (api_base or DEFAULT_BASE_URL).rstrip("/") + TOKEN_PATH
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=form,
                                    timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:  # fmt: skip
                status = resp.status
                doc = await resp.json(content_type=None) if await resp.read() else None
    except (TimeoutError, aiohttp.ClientError):
        raise HubSpotUnavailable("HubSpot token endpoint unreachable") from None
    if status >= 500:
        raise HubSpotUnavailable(f"HubSpot token endpoint answered {status}", status=status)
    if status >= 400 or not isinstance(doc, dict) or not doc.get("access_token"):
        raise HubSpotAuthError("HubSpot refused the install code", status=status or 400)
    return TokenGrant.from_api(doc, now)
