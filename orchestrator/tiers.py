"""Context tiers for a job, loaded once and kept in its state.

Tier 1 (always): org, user, preferences, features, budget. Tier 2 (when the event names a
contact, company or deal): those rows. Tier 3 (only for steps declaring it): enrichment and
the like; the default loader returns nothing until a later issue plugs one in. Loaders are
plain async functions `(conn, job) -> dict`, swappable through `ContextLoaders`.
Values are JSON-ready (times as ISO strings) because they live in `sequence_jobs.context`.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import orjson
from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Company, Contact, Deal, Org, OrgSettings, User, UserPreferences
from storage.rows import table_of

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
    orgs, sets = table_of(Org), table_of(OrgSettings)
    users, prefs = table_of(User), table_of(UserPreferences)
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
_TIER1_TABLES = ("org_settings", "user_preferences", "orgs", "users")
_CACHE_ROWS = 256


class Tier1Query:
    """Tier 1 as driver-level SQL for one dialect, with SQLAlchemy's own result conversion.

    The worker runs it on the raw connection in the same thread hop as the claim (SQLite) or
    right after it (PostgreSQL), so the hot path skips SQLAlchemy's statement execution; the
    values are converted by the column types' result processors, exactly as `conn.execute`
    would (UTC datetimes, JSON, booleans).
    """

    def __init__(self, dialect: Any) -> None:
        named = type(dialect)(paramstyle="pyformat" if dialect.name == "postgresql" else "named")
        self.sql = str(_TIER1.compile(dialect=named))
        self.dialect = dialect
        self.columns: list[tuple[str, str, Any]] = []
        for key, col in zip(_TIER1.selected_columns.keys(), _TIER1.selected_columns, strict=True):
            table = next(t for t in _TIER1_TABLES if key.startswith(t + "_"))
            self.columns.append((table, key[len(table) + 1 :], col.type))
        self._procs: dict[tuple[Any, ...], list[Any]] = {}
        self._cache: dict[Any, bytes] = {}  # (raw row, user id) -> the parsed dict as JSON

    @staticmethod
    def params(org_id: int, user_id: int | None) -> dict[str, Any]:
        return {"org_id": org_id, "uid": user_id or -1}

    def processors(self, description: Any) -> list[Any]:
        """Result processors for the driver's column type codes (PostgreSQL needs them)."""
        codes = tuple(d[1] for d in description or ())
        procs = self._procs.get(codes)
        if procs is None:
            procs = self._procs[codes] = [
                typ._cached_result_processor(self.dialect, codes[i] if codes else None)
                for i, (_t, _n, typ) in enumerate(self.columns)
            ]
        return procs

    def parse(self, row: Any, description: Any, user_id: int | None) -> dict[str, Any]:
        """The tier-1 dict from one raw row and its cursor description.

        Jobs of one rep read the same row again and again: an unchanged row is answered
        from a small cache (a fresh copy each time, so no two jobs share a dict).
        """
        try:
            key: Any = (tuple(row) if row is not None else None, user_id)
            hash(key)
        except TypeError:  # PostgreSQL hands JSON columns over as dicts: no caching
            key = None
        cached = self._cache.get(key) if key is not None else None
        if cached is not None:
            return orjson.loads(cached)  # type: ignore[no-any-return]
        out = self._parse(row, description, user_id)
        if key is not None:
            if len(self._cache) >= _CACHE_ROWS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = orjson.dumps(out)
        return out

    def _parse(self, row: Any, description: Any, user_id: int | None) -> dict[str, Any]:
        parts: dict[str, dict[str, Any]] = {t: {} for t in _TIER1_TABLES}
        if row is not None:
            procs = self.processors(description)
            for (table, name, _typ), proc, value in zip(self.columns, procs, row, strict=True):
                parts[table][name] = proc(value) if proc is not None else value
        return _tier1_from_parts(parts, user_id)


def _tier1_from_parts(parts: dict[str, dict[str, Any]], user_id: int | None) -> dict[str, Any]:
    org = row_dict(parts["orgs"]) if parts["orgs"].get("id") is not None else None
    settings = row_dict(parts["org_settings"]) if parts["org_settings"].get("org_id") else {}
    out: dict[str, Any] = {
        "org": org,
        "settings": settings,
        "features": settings.get("features") or {},
        "budget_usd_month": settings.get("ai_budget_usd_month", 50.0),
    }
    if user_id:
        u = parts["users"]
        out["user"] = row_dict(u) if u.get("id") is not None else None
        p = parts["user_preferences"]
        out["prefs"] = row_dict(p) if p.get("user_id") is not None else {}
    return out


_QUERIES: weakref.WeakKeyDictionary[Any, Tier1Query] = weakref.WeakKeyDictionary()


def tier1_query(dialect: Any) -> Tier1Query:
    """The compiled tier-1 query for an engine's dialect (built once per dialect)."""
    q = _QUERIES.get(dialect)
    if q is None:
        q = _QUERIES[dialect] = Tier1Query(dialect)
    return q


async def load_tier1(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    """Org, org settings, user and preferences in one round trip (outer joins)."""
    q = tier1_query(conn.dialect)
    res = await conn.exec_driver_sql(q.sql, q.params(job["org_id"], job.get("user_id")))
    description = res.cursor.description if res.cursor is not None else None
    return q.parse(res.first(), description, job.get("user_id"))


async def load_tier2(conn: AsyncConnection, job: dict[str, Any]) -> dict[str, Any]:
    payload = job.get("trigger_payload") or {}
    out: dict[str, Any] = {}
    for key, model in (("contact_id", Contact), ("company_id", Company), ("deal_id", Deal)):
        ident = payload.get(key)
        if isinstance(ident, int):
            table = table_of(model)
            row = (
                await conn.execute(
                    select(table).where(table.c.id == ident, table.c.org_id == job["org_id"])
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
