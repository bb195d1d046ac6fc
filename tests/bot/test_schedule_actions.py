"""Time picker handlers called directly: Show more asks for the next page of the same search,
Send invite without a chosen slot says what to do, a picker of someone else's is refused."""

from __future__ import annotations

from typing import Any

from blocks.ids import ScheduleAction
from blocks.scheduling import slots_block_id
from bot import schedule_actions
from bot.authz import REFUSALS
from bot.values import PickerRef
from orchestrator.events import EventType
from storage.access import Ref
from tests.bot.conftest import World, seed_job
from tests.bot.fakes import click, context_for

FOUND = {"find_times": {"params": {"contact_id": 7, "duration": 30, "offset": 0},
                        "options": [{"start": "2026-11-26T14:00:00+00:00", "end": "2026-11-26T14:30:00+00:00"},
                                    {"start": "2026-11-26T15:00:00+00:00", "end": "2026-11-26T15:30:00+00:00"}],
                        "ways_out": []}}  # fmt: skip


async def _picker(w: World, user_id: int) -> int:
    return await seed_job(w, user_id, schedule_actions.SEQUENCE, context={"outputs": FOUND})


async def test_more_submits_the_next_page(world: World) -> None:
    job_id = await _picker(world, world.rep_id)
    await schedule_actions.handle_more(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                       PickerRef(job_id=job_id), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.type == EventType.CALENDAR_FIND_TIMES
    assert event.idempotency_key == f"calendar_find_times:more:{job_id}:2"
    assert event.payload == {"contact_id": 7, "duration": 30, "offset": 2, "source_job_id": job_id,
                             "picker": {"channel": "DCHAN", "ts": "1700000000.000001"}, "requested": "slack"}  # fmt: skip


async def test_invite_with_a_chosen_slot_asks_for_that_slot(world: World) -> None:
    job_id = await _picker(world, world.rep_id)
    body: dict[str, Any] = click("U2")
    body["state"] = {
        "values": {
            slots_block_id(job_id): {
                ScheduleAction.CHOOSE.value: {"selected_option": {"value": "1"}}
            }
        }
    }
    await schedule_actions.handle_invite(world.ack, body, world.client, context_for(world.deps, "U2"),
                                         PickerRef(job_id=job_id), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.payload["action"] == "invite"
    assert event.payload["slot"] == FOUND["find_times"]["options"][1]


async def test_invite_without_a_slot_says_to_pick_one(world: World) -> None:
    job_id = await _picker(world, world.rep_id)
    await schedule_actions.handle_invite(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                         PickerRef(job_id=job_id), world.deps)  # fmt: skip
    assert world.orchestrator.events == []
    [told] = world.client.of("chat.postEphemeral")
    assert told["text"] == "Pick one of the times first, then click Send calendar invite."


async def test_someone_elses_picker_is_refused(world: World) -> None:
    job_id = await _picker(world, world.admin_id)
    await schedule_actions.handle_more(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                       PickerRef(job_id=job_id), world.deps)  # fmt: skip
    assert world.orchestrator.events == []
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [REFUSALS[Ref.JOB]]
