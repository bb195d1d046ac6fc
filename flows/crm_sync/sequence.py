"""The `crm_import` sequence: the HubSpot portal import as a durable job, submitted by the
install callback (`bot/webhooks/hubspot.py`, one job per org and connection time).

One step runs `import_portal` (idempotent: every record is found again by its `crm_links` row,
so a step re-run after a crash, a timeout or a transient HubSpot failure continues without
duplicates) with a retry policy and a long time limit (the engine's lease heartbeat keeps the
job while it runs). HubSpot errors worth retrying (5xx, network, per-second limits) are retried
with backoff; the rest (a refused token, the daily allowance spent, HubSpot gone) end the import
with a reason. A second step DMs the admin who connected: the counts, or what went wrong and
what to do.
"""

from __future__ import annotations

from typing import Any

from blocks.text import plural
from connectors.hubspot import HubSpotAuthError, HubSpotDailyLimit, HubSpotError
from flows.crm_sync.connection import NotConnected, client_for_org
from flows.crm_sync.import_portal import import_portal
from orchestrator.context import StepContext, TransientError
from orchestrator.events import EventType
from orchestrator.sequence import OnFailure, sequence
from orchestrator.workflow import Workflow

IMPORT_TIMEOUT_S = 6 * 3600.0  # a large portal at HubSpot's rate limits; the lease heartbeats
IMPORT_RETRIES = 5


def _reason(exc: Exception) -> str:
    """What went wrong and what to do, in words (never HubSpot's raw body)."""
    if isinstance(exc, NotConnected):
        return f"{exc}. Connect HubSpot again from Sixty's Home tab; the import starts by itself."
    if isinstance(exc, HubSpotAuthError):
        return ("HubSpot refused Sixty's access (the app may have been uninstalled or a scope "
                "removed). Connect HubSpot again from Sixty's Home tab; the import starts by "
                "itself.")  # fmt: skip
    if isinstance(exc, HubSpotDailyLimit):
        return ("the portal's daily HubSpot API allowance is spent. Run `sixty crm import` "
                "tomorrow; what was imported stays and nothing is imported twice.")  # fmt: skip
    return (f"HubSpot answered with an error ({type(exc).__name__}). Run `sixty crm import` to "
            "try again; what was imported stays and nothing is imported twice.")  # fmt: skip


async def import_hubspot(ctx: StepContext) -> dict[str, Any]:
    """Import (or continue importing) the org's portal; `{"failed": reason}` when it cannot."""
    from storage.crypto import settings_cipher

    try:
        client = await client_for_org(ctx.db, ctx.settings, settings_cipher(ctx.settings),
                                      ctx.org_id, clock=lambda: ctx.now().timestamp())  # fmt: skip
        result = await import_portal(ctx.db, client, ctx.org_id, clock=ctx.now)
    except HubSpotError as exc:
        if exc.retryable:
            raise TransientError(type(exc).__name__, getattr(exc, "retry_after", None)) from exc
        return {"failed": _reason(exc)}
    except NotConnected as exc:
        return {"failed": _reason(exc)}
    return {
        "companies": result.done.get("company", 0),
        "contacts": result.done.get("contact", 0),
        "deals": result.done.get("deal", 0),
        "owners_mapped": result.owners_mapped,
        "owners_total": result.owners_total,
    }


def summary(out: dict[str, Any]) -> str:
    """The admin's DM for the import step's output."""
    if out.get("failed"):
        return f"HubSpot import stopped: {out['failed']}"
    return (f"HubSpot import done: {plural(int(out['companies']), 'company', 'companies')}, "
            f"{plural(int(out['contacts']), 'contact')}, {plural(int(out['deals']), 'deal')}; "
            f"owners matched: {out['owners_mapped']} of {out['owners_total']}.")  # fmt: skip


async def tell_admin(ctx: StepContext, out: dict[str, Any]) -> dict[str, Any]:
    if ctx.user_id is None:
        return {"told": False}
    await ctx.post_dm(summary(out), key="crm_import")
    return {"told": True}


@sequence(EventType.CRM_IMPORT, version=1, events=(EventType.CRM_IMPORT,))
async def crm_import(wf: Workflow) -> None:
    out = await wf.step(import_hubspot, on_failure=OnFailure.RETRY, retries=IMPORT_RETRIES,
                        timeout_s=IMPORT_TIMEOUT_S)  # fmt: skip
    await wf.step(tell_admin, out)
