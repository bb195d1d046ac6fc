"""Context tiers for a job, loaded once and kept in its state.

Tier 1 (always): org, user, preferences, features, budget. Tier 2 (when the event names a
contact, company or deal): those rows. Tier 3 (only for steps declaring it): enrichment and
the like; the default loader returns nothing until a later issue plugs one in. Loaders are
plain async functions `(conn, job) -> dict`, swappable through `ContextLoaders`.
Values are JSON-ready (times as ISO strings) because they live in `sequence_jobs.context`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Company, Contact, Deal, Org, OrgSettings, User, UserPreferences

Loader = Callable[[AsyncConnection, dict[str, Any]], Awaitable[dict[str, Any]]]

PRIVATE_COLUMNS = {"email", "signature", "token_encrypted"}


def row_dict(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row._mapping.items() if hasattr(row, "_mapping") else row.items():
        if k in PRIVATE_COLUMNS:
            continue
        out[k] = v.isoformat() if isinstance(v, (datetime, date, time)) else v
    return out


async def load_tier1(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    org = (await conn.execute(select(Org.__table__).where(Org.id == job["org_id"]))).first()
    out: dict[str, Any] = {"org": row_dict(org) if org else None}
    s = (
        await conn.execute(select(OrgSettings.__table__).where(OrgSettings.org_id == job["org_id"]))
    ).first()
    out["settings"] = row_dict(s) if s else {}
    out["features"] = (out["settings"] or {}).get("features") or {}
    out["budget_usd_month"] = (out["settings"] or {}).get("ai_budget_usd_month", 50.0)
    if job.get("user_id"):
        u = (await conn.execute(select(User.__table__).where(User.id == job["user_id"]))).first()
        out["user"] = row_dict(u) if u else None
        p = (
            await conn.execute(
                select(UserPreferences.__table__).where(UserPreferences.user_id == job["user_id"])
            )
        ).first()
        out["prefs"] = row_dict(p) if p else {}
    return out


async def load_tier2(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    payload = job.get("trigger_payload") or {}
    out: dict[str, Any] = {}
    for key, model in (("contact_id", Contact), ("company_id", Company), ("deal_id", Deal)):
        ident = payload.get(key)
        if isinstance(ident, int):
            row = (
                await conn.execute(
                    select(model.__table__).where(
                        model.__table__.c.id == ident, model.__table__.c.org_id == job["org_id"]
                    )
                )
            ).first()
            out[key.removesuffix("_id")] = row_dict(row) if row else None
    return out


async def load_tier3(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    return {}


def names_tier2(payload: dict[str, Any]) -> bool:
    return any(payload.get(k) is not None for k in ("contact_id", "company_id", "deal_id"))


@dataclass
class ContextLoaders:
    tier1: Loader = load_tier1
    tier2: Loader = load_tier2
    tier3: Loader = load_tier3
