"""The HubSpot Webhooks Journal poll (`hubspot:journal`, every 5 minutes): the inbound path when
no public URL receives HubSpot's webhooks, and the replay after an outage (the journal keeps 3
days). Per org with an active HubSpot connection, `poll_journal` reads from the stored offset and
applies each entry through the same handler as the webhook (`flows.crm_sync.inbound`: deduped by
event id, the record re-read, echoes of our own writes skipped), so an event that came both ways
is applied once. One org failing does not stop the others; a portal out of its daily API budget
is skipped until HubSpot's day turns; a portal that refuses the key (revoked, a scope removed)
is marked `error` with what to do, shown in App Home, and not polled again until an admin
reconnects. Nothing personal is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from connectors.hubspot import HubSpotAuthError, HubSpotDailyLimit, HubSpotError
from flows.crm_sync.connection import client_for
from flows.crm_sync.inbound import poll_journal
from orchestrator.crons import CronSpec, interval_trigger
from orchestrator.events import Event
from storage import hubspot
from storage.crypto import settings_cipher

log = logging.getLogger(__name__)

EVERY_S = 300
REFUSED = "HubSpot refused Sixty's key (revoked, or a scope was removed): reconnect HubSpot"


async def poll_all(deps: Any) -> dict[int, int]:
    """{org id: events received} for every org whose journal was read."""
    async with deps.db.session() as s:
        connections = await hubspot.active_connections(s)
    seen: dict[int, int] = {}
    for conn in connections:
        try:
            client = client_for(conn, db=deps.db, settings=deps.settings,
                                cipher=settings_cipher(deps.settings),
                                clock=lambda: deps.clock().timestamp())  # fmt: skip
            got = await poll_journal(deps.db, client, conn.org_id, clock=deps.clock)
        except HubSpotAuthError:  # revoked, or a scope removed: stop until an admin reconnects
            async with deps.db.transaction() as s:
                row = await hubspot.get_connection(s, conn.org_id)
                if row is not None and row.status == hubspot.ACTIVE:
                    await hubspot.set_status(s, row, hubspot.ERROR, now=deps.clock(),
                                             detail=REFUSED)  # fmt: skip
            log.warning(
                "hubspot refused the connection; sync stopped", extra={"org_id": conn.org_id}
            )
            continue
        except HubSpotDailyLimit:
            log.warning(
                "hubspot journal skipped: daily budget spent", extra={"org_id": conn.org_id}
            )
            continue
        except (HubSpotError, OSError) as exc:  # one portal failing must not stop the others
            log.warning("hubspot journal poll failed",
                        extra={"org_id": conn.org_id, "error": type(exc).__name__})  # fmt: skip
            continue
        seen[conn.org_id] = got.received
        if got.received:
            log.info("hubspot journal applied", extra={"org_id": conn.org_id,
                     "received": got.received, "duplicates": got.duplicates,
                     "echoes": got.echoes})  # fmt: skip
    return seen


def cron_specs(deps: Any) -> list[CronSpec]:
    async def every_five_minutes(fire: datetime) -> list[Event]:
        await poll_all(deps)
        return []

    return [CronSpec("hubspot:journal", interval_trigger(seconds=EVERY_S), every_five_minutes)]
