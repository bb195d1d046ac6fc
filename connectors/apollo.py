"""Apollo.io people enrichment for pre-meeting briefs (`POST /api/v1/people/match`, header
`x-api-key`; shared/reference/EXTERNAL_APIS.md section 8).

`apollo_client(settings)` is None when `APOLLO_API_KEY` is unset: enrichment is skipped cleanly.
`ApolloClient.match(email)` answers a `Person` or None (a 200 without `person` is "no match");
any failure (timeout, 4xx/5xx, bad JSON) is logged without the address and answers None, so a
brief never waits on or fails because of enrichment. Only the fields a brief shows are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.apollo.io"
MATCH_PATH = "/api/v1/people/match"


@dataclass(frozen=True)
class Person:
    name: str | None
    title: str | None
    headline: str | None
    seniority: str | None
    organization: str | None
    linkedin_url: str | None

    def note(self) -> str | None:
        """A short line for the brief: headline, else title at organisation."""
        if self.headline:
            return self.headline
        parts = [p for p in (self.title, self.organization) if p]
        return " at ".join(parts) or None


class ApolloClient:
    def __init__(
        self, api_key: str, base_url: str = DEFAULT_BASE_URL, timeout_s: float = 5.0
    ) -> None:
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def match(self, email: str) -> Person | None:
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.post(
                    self._base + MATCH_PATH,
                    json={"email": email, "reveal_personal_emails": False},
                    headers={
                        "x-api-key": self._key,
                        "Content-Type": "application/json",
                        "Cache-Control": "no-cache",
                    },
                ) as resp,
            ):
                if resp.status != 200:
                    log.info("apollo enrichment refused", extra={"status": resp.status})
                    return None
                doc: Any = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.info("apollo enrichment failed", extra={"error": type(exc).__name__})
            return None
        person = doc.get("person") if isinstance(doc, dict) else None
        if not isinstance(person, dict):
            return None
        raw_org = person.get("organization")
        org: dict[str, Any] = raw_org if isinstance(raw_org, dict) else {}

        def s(v: Any) -> str | None:
            return v.strip() if isinstance(v, str) and v.strip() else None

        return Person(
            name=s(person.get("name")),
            title=s(person.get("title")),
            headline=s(person.get("headline")),
            seniority=s(person.get("seniority")),
            organization=s(org.get("name")),
            linkedin_url=s(person.get("linkedin_url")),
        )


def apollo_client(settings: Any, base_url: str | None = None) -> ApolloClient | None:
    key = getattr(settings, "apollo_api_key", None)
    if not key:
        return None
    secret = key.get_secret_value() if hasattr(key, "get_secret_value") else str(key)
    return ApolloClient(
        secret, base_url or getattr(settings, "apollo_base_url", None) or DEFAULT_BASE_URL
    )
