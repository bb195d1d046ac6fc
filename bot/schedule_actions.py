"""Slack listeners for the time picker: slot choice, send times, send invite, show more, ways
out, their time zone, and "I'll handle this".

Every listener acks first. The button value carries the picker's job id (parsed as a
`PickerRef` by `bot/values.py`); the options and the search that produced them are read from
that job's outputs in the database (never from the message), and only the job's own rep may act
on it (`bot/authz.py`). Each action becomes a new
`calendar_find_times` event (`action` offer / invite / email, `source_job_id`, `picker` = the
message to update), keyed so that a double click starts one job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from blocks.ids import ScheduleAction, matcher
from blocks.scheduling import closed_blocks, slots_block_id
from bot.authz import acked_actor
from bot.deps import Deps
from bot.replies import tell
from bot.values import BadValue, PickerRef, SlotIndex, parse
from orchestrator.events import Event, EventSource, EventType, JobRef
from storage.models import SequenceJob, User

log = logging.getLogger(__name__)

SEQUENCE = "calendar_find_times"


def picker_state(job: SequenceJob) -> dict[str, Any] | None:
    """What the picker of `job` shows: its search params, options and ways out."""
    outputs = (job.context or {}).get("outputs") or {}
    checked = outputs.get("check_slot") or {}
    if checked.get("taken"):
        return checked
    found = outputs.get("find_times")
    return found if isinstance(found, dict) and not found.get("error") else None


def _where(body: dict[str, Any]) -> dict[str, str]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return {"channel": channel, "ts": ts} if channel and ts else {}


def selected_index(body: dict[str, Any], job_id: int) -> int | None:
    values = ((body.get("state") or {}).get("values") or {}).get(slots_block_id(job_id)) or {}
    chosen = (values.get(ScheduleAction.CHOOSE.value) or {}).get("selected_option") or {}
    raw = chosen.get("value")
    try:
        picked = parse(SlotIndex, raw if isinstance(raw, str) else None)
    except BadValue:
        return None
    return picked.index if isinstance(picked, SlotIndex) else None


async def _own_job(deps: Deps, job_id: int, actor: User) -> SequenceJob | None:
    async with deps.db.session() as s:
        job = await s.get(SequenceJob, job_id)
    if job is None or job.user_id != actor.id or job.sequence_type != SEQUENCE:
        return None
    return job


@dataclass(frozen=True)
class Picked:
    """One click on a picker, after the rep's own picker was loaded."""

    deps: Deps
    body: dict[str, Any]
    client: AsyncWebClient
    value: PickerRef
    actor: User
    job: SequenceJob
    state: dict[str, Any]


async def accept_pick(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                      value: PickerRef, deps: Deps) -> Picked | None:  # fmt: skip
    """Ack, then the click with the rep's own picker loaded; None (after telling them) when it is not theirs."""
    actor = await acked_actor(ack, body, client, context, value, deps)
    if actor is None:
        return None
    job = await _own_job(deps, value.job_id, actor)
    state = picker_state(job) if job is not None else None
    if job is None or state is None:
        await tell(client, body, "Only the person these times were found for can use them.")
        return None
    return Picked(deps, body, client, value, actor, job, state)


async def _submit(
    p: Picked, payload: dict[str, Any], key: str, busy_text: str = "I'm already on it."
) -> None:
    event = Event(
        type=EventType.CALENDAR_FIND_TIMES,
        source=EventSource.SLACK_BUTTON_APPROVE,
        org_id=p.actor.org_id,
        user_id=p.actor.id,
        payload={
            **payload,
            "source_job_id": p.job.id,
            "picker": _where(p.body),
            "requested": "slack",
        },
        idempotency_key=f"calendar_find_times:{key}",
    )
    ref = await p.deps.submit(event)
    if not isinstance(ref, JobRef):
        await tell(p.client, p.body, busy_text if ref.reason == "duplicate" else ref.reason)
        return
    log.info("picker action", extra={"job_id": ref.job_id, "source_job_id": p.job.id,
                                      "action": payload.get("action", "offer")})  # fmt: skip


async def handle_choose(ack: AsyncAck) -> None:
    await ack()  # the choice is read from the message state when a button is clicked


async def handle_more(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                      value: PickerRef, deps: Deps) -> None:  # fmt: skip
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    params = dict(p.state.get("params") or {})
    shown = len(p.state.get("options") or [])
    params["offset"] = int(params.get("offset") or 0) + max(shown, 1)
    await _submit(p, params, f"more:{p.job.id}:{params['offset']}")


async def handle_way_out(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                         value: PickerRef, deps: Deps) -> None:  # fmt: skip
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    code = p.value.code
    way = next((w for w in p.state.get("ways_out") or [] if w.get("code") == code), None)
    if way is None:
        await tell(p.client, p.body, "That option is no longer available.")
        return
    params = {**(p.state.get("params") or {}), **(way.get("params") or {}), "offset": 0}
    await _submit(p, params, f"way:{p.job.id}:{code}")


async def handle_timezone(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                          value: PickerRef, deps: Deps) -> None:  # fmt: skip
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    zone = p.value.code
    params = {**(p.state.get("params") or {}), "timezone": zone, "offset": 0}
    await _submit(p, params, f"tz:{p.job.id}:{zone}")


async def handle_invite(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                        value: PickerRef, deps: Deps) -> None:  # fmt: skip
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    options = p.state.get("options") or []
    index = selected_index(p.body, p.job.id or 0)
    if index is None or not 0 <= index < len(options):
        await tell(
            p.client, p.body, "Pick one of the times first, then click Send calendar invite."
        )
        return
    chosen = options[index]
    payload = {**(p.state.get("params") or {}), "action": "invite",
               "slot": {"start": chosen["start"], "end": chosen["end"]}}  # fmt: skip
    await _submit(
        p, payload, f"invite:{p.job.id}:{index}", "That invite is already on its way for approval."
    )


async def handle_email(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                       value: PickerRef, deps: Deps) -> None:  # fmt: skip
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    payload = {**(p.state.get("params") or {}), "action": "email",
               "options": [{"start": o["start"], "end": o["end"]} for o in p.state.get("options") or []],
               "prospect_tz": p.state.get("prospect_tz")}  # fmt: skip
    await _submit(p, payload, f"email:{p.job.id}",
                  "The email with these times is already waiting for your approval.")  # fmt: skip


async def handle_handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any],
                        value: PickerRef, deps: Deps) -> None:  # fmt: skip
    """ "I'll handle this": the picker is closed."""
    if (p := await accept_pick(ack, body, client, context, value, deps)) is None:
        return
    where = _where(p.body)
    if not where:
        return
    blocks = [b.to_dict() for b in closed_blocks("OK, I'll leave this one with you.")]
    await p.client.chat_update(channel=where["channel"], ts=where["ts"],
                               text="Leaving this one with you", blocks=blocks)  # fmt: skip


def register(app: AsyncApp) -> None:
    app.action(ScheduleAction.CHOOSE)(handle_choose)
    app.action(ScheduleAction.MORE)(handle_more)
    app.action(matcher(ScheduleAction.WAY_OUT))(
        handle_way_out
    )  # one button per way out: sched-way-out:<code>
    app.action(ScheduleAction.TIMEZONE)(handle_timezone)
    app.action(ScheduleAction.SEND_INVITE)(handle_invite)
    app.action(ScheduleAction.SEND_EMAIL)(handle_email)
    app.action(ScheduleAction.HANDLE)(handle_handle)
