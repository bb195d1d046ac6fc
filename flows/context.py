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

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, bindparam, select
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


def _tier1_statement() -> Any:
    orgs, sets = Org.__table__, OrgSettings.__table__
    users, prefs = User.__table__, UserPreferences.__table__
    return (
        select(orgs, sets, users, prefs)
        .select_from(
            orgs.outerjoin(sets, sets.c.org_id == orgs.c.id)
            .outerjoin(users, (users.c.id == bindparam("uid")) & (users.c.org_id == orgs.c.id))
            .outerjoin(prefs, prefs.c.user_id == users.c.id)
        )
        .where(orgs.c.id == bindparam("org_id"))
        .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    )


# Built once: constructing this 4-table select cost more than running it.
_TIER1 = _tier1_statement()


async def load_tier1(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    """Org, org settings, user and preferences in one round trip (outer joins)."""
    params = {"org_id": job["org_id"], "uid": job.get("user_id") or -1}
    row = (await conn.execute(_TIER1, params)).first()
    parts: dict[str, dict[str, Any]] = {
        "orgs": {},
        "org_settings": {},
        "users": {},
        "user_preferences": {},
    }
    if row is not None:
        for key, value in row._mapping.items():
            for table in ("org_settings", "user_preferences", "orgs", "users"):
                if key.startswith(table + "_"):
                    parts[table][key[len(table) + 1 :]] = value
                    break
    org = row_dict(parts["orgs"]) if parts["orgs"].get("id") is not None else None
    settings = row_dict(parts["org_settings"]) if parts["org_settings"].get("org_id") else {}
    out: dict[str, Any] = {
        "org": org,
        "settings": settings,
        "features": settings.get("features") or {},
        "budget_usd_month": settings.get("ai_budget_usd_month", 50.0),
    }
    if job.get("user_id"):
        u = parts["users"]
        out["user"] = row_dict(u) if u.get("id") is not None else None
        p = parts["user_preferences"]
        out["prefs"] = row_dict(p) if p.get("user_id") is not None else {}
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
