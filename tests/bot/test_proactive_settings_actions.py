"""The org settings modal called directly: bad numbers come back as field errors on the ack, an
admin's change is stored, a rep's is refused and nothing is stored."""

from __future__ import annotations

from typing import Any

from blocks.ids import ProactiveSettingsAction as P
from bot import proactive_settings_actions
from storage.users import org_settings
from tests.bot.conftest import World
from tests.bot.fakes import context_for


def _org_view(budget: str, stale_days: str) -> dict[str, Any]:
    return {"state": {"values": {
        P.ORG_FEATURES: {P.ORG_FEATURES: {"type": "checkboxes", "selected_options": []}},
        P.BUDGET: {P.BUDGET: {"type": "plain_text_input", "value": budget}},
        P.STALE_DAYS: {P.STALE_DAYS: {"type": "plain_text_input", "value": stale_days}},
    }}}  # fmt: skip


def _submission(slack_user_id: str) -> dict[str, Any]:
    return {"type": "view_submission", "user": {"id": slack_user_id}}


async def test_admin_saves_budget_and_stale_days(world: World) -> None:
    await proactive_settings_actions.handle_org_submit(world.ack, _submission("U1"), _org_view("120", "21"),
                                                       world.client, context_for(world.deps, "U1"), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    async with world.deps.db.session() as s:
        row = await org_settings(s, org_id=world.org_id)
    assert (row.ai_budget_usd_month, row.stale_threshold_days) == (120.0, 21)
    assert world.client.calls == []


async def test_rep_is_refused_and_nothing_changes(world: World) -> None:
    await proactive_settings_actions.handle_org_submit(world.ack, _submission("U2"), _org_view("120", "21"),
                                                       world.client, context_for(world.deps, "U2"), world.deps)  # fmt: skip
    async with world.deps.db.session() as s:
        row = await org_settings(s, org_id=world.org_id)
    assert row.ai_budget_usd_month == 50.0
    [told] = world.client.of("chat.postEphemeral")
    assert told["text"] == "Only an admin can change the team's settings, so I did nothing."


async def test_bad_numbers_are_field_errors_on_the_ack(world: World) -> None:
    await proactive_settings_actions.handle_org_submit(world.ack, _submission("U1"), _org_view("lots", "21"),
                                                       world.client, context_for(world.deps, "U1"), world.deps)  # fmt: skip
    [acked] = world.ack.calls
    assert acked["response_action"] == "errors" and set(acked["errors"]) == {P.BUDGET}


def _campaign_view(bounce_act: str, min_lift: str) -> dict[str, Any]:
    view = _org_view("50", "14")
    fields = {P.CAMPAIGN_REPLY_RATE: "4", P.CAMPAIGN_POSITIVE_RATE: "1.5",
              P.CAMPAIGN_BOUNCE_WATCH: "3", P.CAMPAIGN_BOUNCE_ACT: bounce_act,
              P.CAMPAIGN_MIN_LIFT: min_lift}  # fmt: skip
    for field, value in fields.items():
        view["state"]["values"][field] = {field: {"type": "number_input", "value": value}}
    return view


async def test_admin_saves_campaign_benchmarks_and_lift(world: World) -> None:
    await proactive_settings_actions.handle_org_submit(world.ack, _submission("U1"), _campaign_view("8", "0.4"),
                                                       world.client, context_for(world.deps, "U1"), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    async with world.deps.db.session() as s:
        row = await org_settings(s, org_id=world.org_id)
    assert row.campaign_benchmarks == {"reply_rate": 0.04, "positive_rate": 0.015,
                                       "bounce_watch": 0.03, "bounce_act": 0.08}  # fmt: skip
    assert row.campaign_min_lift == 0.4


async def test_campaign_settings_out_of_range_are_field_errors(world: World) -> None:
    await proactive_settings_actions.handle_org_submit(world.ack, _submission("U1"), _campaign_view("140", "0"),
                                                       world.client, context_for(world.deps, "U1"), world.deps)  # fmt: skip
    [acked] = world.ack.calls
    assert acked["response_action"] == "errors"
    assert set(acked["errors"]) == {P.CAMPAIGN_BOUNCE_ACT, P.CAMPAIGN_MIN_LIFT}
    async with world.deps.db.session() as s:
        row = await org_settings(s, org_id=world.org_id)
    assert row.campaign_benchmarks == {} and row.campaign_min_lift == 0.5
