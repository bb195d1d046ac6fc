""" "Keep testing" on the campaign digest's suggestion, called directly: the rep's own suggestion
is snoozed for 7 days; another rep's click is refused and nothing changes."""

from __future__ import annotations

from datetime import timedelta

from bot import campaign_actions
from bot.values import CampaignSuggestionRef
from storage.instantly_models import CampaignSuggestion
from tests.bot.conftest import NOW, World
from tests.bot.fakes import click, context_for


async def _suggestion(world: World, user_id: int) -> int:
    async with world.deps.db.transaction() as s:
        row = CampaignSuggestion(org_id=world.org_id, user_id=user_id, campaign_id="c-1",
                                 campaign_name="Outbound Q4", step=0, variants="A")  # fmt: skip
        s.add(row)
        await s.flush()
        assert row.id is not None
        return row.id


async def _row(world: World, sid: int) -> CampaignSuggestion:
    async with world.deps.db.session() as s:
        row = await s.get(CampaignSuggestion, sid)
    assert row is not None
    return row


async def test_keep_testing_snoozes_the_reps_own_suggestion(world: World) -> None:
    sid = await _suggestion(world, world.rep_id)
    await campaign_actions.handle_keep_testing(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                               CampaignSuggestionRef(suggestion_id=sid), world.deps)  # fmt: skip
    row = await _row(world, sid)
    assert row.status == "snoozed" and row.snoozed_until == NOW + timedelta(days=7)
    [told] = world.client.of("chat.postEphemeral")
    assert "leave step 1 of Outbound Q4 out of your digest" in told["text"]


async def test_another_reps_click_is_refused(world: World) -> None:
    sid = await _suggestion(world, world.rep_id)
    await campaign_actions.handle_keep_testing(world.ack, click("U1"), world.client, context_for(world.deps, "U1"),
                                               CampaignSuggestionRef(suggestion_id=sid), world.deps)  # fmt: skip
    row = await _row(world, sid)
    assert row.status == "shown" and row.snoozed_until is None
    [told] = world.client.of("chat.postEphemeral")
    assert told["text"] == "That campaign suggestion is not yours, so I did nothing."


async def test_apply_starts_the_approval_job_for_the_owner_only(world: World) -> None:
    sid = await _suggestion(world, world.rep_id)
    await campaign_actions.handle_apply(world.ack, click("U1"), world.client, context_for(world.deps, "U1"),
                                        CampaignSuggestionRef(suggestion_id=sid), world.deps)  # fmt: skip
    assert world.orchestrator.events == []
    await campaign_actions.handle_apply(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                        CampaignSuggestionRef(suggestion_id=sid), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.type == "campaign_apply" and event.payload == {"suggestion_id": sid}
    assert event.user_id == world.rep_id
