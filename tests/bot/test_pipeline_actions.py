"""Batch review buttons called directly: Draft re-engagement submits a revival and rewrites the
review to the deals left; Skip only rewrites; Handle all checks every listed deal first."""

from __future__ import annotations

from datetime import timedelta

from bot import pipeline_actions
from bot.authz import REFUSALS
from bot.values import DealRef, DealsRef
from orchestrator.events import EventType
from storage.access import Ref
from storage.models import Deal
from tests.bot.conftest import NOW, World
from tests.bot.fakes import click, context_for


async def _stale_deal(w: World, owner_id: int, name: str) -> int:
    old = NOW - timedelta(days=60)
    async with w.deps.db.transaction() as s:
        deal = Deal(org_id=w.org_id, owner_id=owner_id, name=name, stage="proposal", amount=1000.0,
                    created_at=old, updated_at=old, stage_changed_at=old)  # fmt: skip
        s.add(deal)
        await s.flush()
        return deal.id or 0


def _review(*deal_ids: int) -> list[dict[str, object]]:
    return [
        {"type": "header", "block_id": "head"},
        *({"type": "section", "block_id": f"deal-{d}"} for d in deal_ids),
    ]


def _listed(blocks: list[dict[str, object]]) -> list[str]:
    return [
        str(b.get("block_id")) for b in blocks if str(b.get("block_id") or "").startswith("deal-")
    ]


async def test_revive_submits_one_revival_and_lists_the_other_deal(world: World) -> None:
    granite = await _stale_deal(world, world.rep_id, "Granite")
    cobalt = await _stale_deal(world, world.rep_id, "Cobalt")
    body = click("U2", blocks=_review(granite, cobalt))
    await pipeline_actions.handle_revive(world.ack, body, world.client, context_for(world.deps, "U2"),
                                         DealRef(deal_id=granite), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.type == EventType.STALE_DEAL_REVIVAL
    assert event.payload == {"deal_id": granite, "origin": "batch_review"}
    [update] = world.client.of("chat.update")
    assert (update["channel"], update["ts"]) == ("DCHAN", "1700000000.000001")
    assert update["text"] == "Drafting the re-engagement email; it will wait for your approval."
    assert _listed(update["blocks"]) == [f"deal-{cobalt}"]
    assert update["blocks"][1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": update["text"]}],
    }


async def test_skip_of_the_last_deal_leaves_only_the_note(world: World) -> None:
    granite = await _stale_deal(world, world.rep_id, "Granite")
    await pipeline_actions.handle_skip_deal(world.ack, click("U2", blocks=_review(granite)), world.client,
                                            context_for(world.deps, "U2"), DealRef(deal_id=granite), world.deps)  # fmt: skip
    assert world.orchestrator.events == []
    [update] = world.client.of("chat.update")
    assert update["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": "Skipped."}}]


async def test_handle_all_refuses_when_a_listed_deal_is_someone_elses(world: World) -> None:
    mine = await _stale_deal(world, world.rep_id, "Mine")
    theirs = await _stale_deal(world, world.admin_id, "Theirs")
    await pipeline_actions.handle_all(world.ack, click("U2", blocks=_review(mine, theirs)), world.client,
                                      context_for(world.deps, "U2"), DealsRef(deal_ids=[mine]), world.deps)  # fmt: skip
    assert world.orchestrator.events == []
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [REFUSALS[Ref.DEAL]]
    assert world.client.of("chat.update") == []
