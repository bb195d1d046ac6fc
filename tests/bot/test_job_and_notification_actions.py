"""Retry, Open (a held notification) and Undo CRM changes called directly."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from bot import job_actions, notification_batch_actions, post_meeting_actions
from bot.authz import REFUSALS
from bot.values import JobRef, NotificationRef
from storage import crm
from storage.access import Ref
from storage.models import Deal, SlackNotificationSent
from tests.bot.conftest import NOW, World, seed_job
from tests.bot.fakes import click, context_for


async def test_retry_without_an_orchestrator_says_so(world: World) -> None:
    job_id = await seed_job(world, world.rep_id)
    deps = replace(world.deps, orchestrator=None)
    await job_actions.handle_retry(world.ack, click("U2"), world.client, context_for(deps, "U2"),
                                   JobRef(job_id=job_id), deps)  # fmt: skip
    assert world.ack.calls == [{}]
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [
        "Retrying is not available on this install right now."
    ]


async def test_open_posts_the_held_message_and_records_it_delivered(world: World) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "3 deals need you"}}]
    async with world.deps.db.transaction() as s:
        note = SlackNotificationSent(org_id=world.org_id, user_id=world.rep_id, kind="pipeline", dedupe_key="n1",
                                     status="batched", summary="3 deals", blocks=blocks, sent_at=NOW)  # fmt: skip
        s.add(note)
        await s.flush()
        note_id = note.id or 0
    await notification_batch_actions.handle_open(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                                 NotificationRef(notification_id=note_id), world.deps)  # fmt: skip
    [posted] = world.client.of("chat.postMessage")
    assert (posted["channel"], posted["text"], posted["blocks"]) == ("DCHAN", "3 deals", blocks)
    async with world.deps.db.session() as s:
        row = (
            await s.exec(select(SlackNotificationSent).where(SlackNotificationSent.id == note_id))
        ).one()
    assert row.status == "delivered"


async def test_undo_with_nothing_applied_says_so(world: World) -> None:
    job_id = await seed_job(world, world.rep_id)
    await post_meeting_actions.handle_rollback(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                               JobRef(job_id=job_id), world.deps)  # fmt: skip
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [
        "There were no CRM changes left to undo."
    ]


async def test_undo_of_someone_elses_job_is_refused(world: World) -> None:
    job_id = await seed_job(world, world.admin_id)
    await post_meeting_actions.handle_rollback(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                               JobRef(job_id=job_id), world.deps)  # fmt: skip
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [REFUSALS[Ref.JOB]]


async def test_undo_restores_what_the_job_changed(world: World) -> None:
    job_id = await seed_job(world, world.rep_id)
    async with world.deps.db.transaction() as s:
        deal = Deal(org_id=world.org_id, owner_id=world.rep_id, name="Granite", stage="discovery")
        s.add(deal)
        await s.flush()
        await crm.record_field_change(s, deal=deal, name="stage", new="proposal", provenance={}, apply=True,
                                      job_id=job_id, now=NOW)  # fmt: skip
        deal_id = deal.id
    await post_meeting_actions.handle_rollback(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                               JobRef(job_id=job_id), world.deps)  # fmt: skip
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [
        "Undid 1 CRM change: stage."
    ]
    async with world.deps.db.session() as s:
        assert (await s.get(Deal, deal_id)).stage == "discovery"  # type: ignore[union-attr]
