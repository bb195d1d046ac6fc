"""The Retry button on a job's failure message (`blocks.job_status.job_failed`).

The value is the job id (`bot.values.JobRef`, parsed before any listener; `permitted` checks
it against the clicker); `orchestrator.admin.retry_for_rep` checks that the job is the clicking rep's
own and failed, then the orchestrator re-queues it from the step that failed, as `sixty jobs
retry` does. The answer is an ephemeral to the clicker.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import JobAction
from bot.authz import acked_actor
from bot.deps import Deps
from bot.replies import tell
from bot.values import JobRef
from orchestrator.admin import retry_for_rep

log = logging.getLogger(__name__)


async def handle_retry(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                       context: dict[str, Any], value: JobRef, deps: Deps) -> None:  # fmt: skip
    if (actor := await acked_actor(ack, body, client, context, value, deps)) is None:
        return
    if deps.orchestrator is None:
        await tell(client, body, "Retrying is not available on this install right now.")
        return
    text = await retry_for_rep(deps.db, deps.orchestrator.retry, job_id=value.job_id,
                               user_id=actor.id, org_id=actor.org_id)  # fmt: skip
    log.info("job retry clicked", extra={"user_id": actor.id, "job_id": value.job_id})
    await tell(client, body, text)


def register(app: AsyncApp) -> None:
    app.action(JobAction.RETRY.value)(handle_retry)
