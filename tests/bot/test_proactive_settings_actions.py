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
