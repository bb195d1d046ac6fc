"""The CRM write ledger: what Sixty wrote to HubSpot, so an inbound change that is only the echo
of our own write is not applied back (echo suppression).

Interface only on this branch: the inbound path (`flows.crm_sync.inbound`) calls
`is_our_echo` for every changed object before applying it. The ledger itself (rows, the
protection window, matching by object + properties + time) is built in the outbound-writes
branch, which replaces this body; until then nothing is recognised as an echo.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession


async def is_our_echo(
    session: AsyncSession,
    *,
    org_id: int,
    object_type: str,
    external_id: str,
    properties: dict[str, Any],
    occurred_at: datetime | None,
) -> bool:
    """True if the HubSpot change `(object_type, external_id)` with these current `properties`
    at `occurred_at` is one Sixty wrote itself. Always False until the ledger exists."""
    del session, org_id, object_type, external_id, properties, occurred_at
    return False
