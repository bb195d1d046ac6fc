"""Brief buttons called directly: Mute stores the kind, View email shows only the rep's own
mail, Show inbox lists recent inbound mail, Check calendar submits a find-times job."""

from __future__ import annotations

from datetime import timedelta

from bot import brief_actions
from bot.authz import REFUSALS
from bot.values import BriefItem, MuteKind, NoValue
from orchestrator.events import EventType
from storage.access import Ref
from storage.models import EmailMessage, EmailThread
from storage.users import preferences
from tests.bot.conftest import NOW, World
from tests.bot.fakes import click, context_for


async def _email(w: World, user_id: int, subject: str, *, days_ago: float = 1) -> int:
    async with w.deps.db.transaction() as s:
        thread = EmailThread(org_id=w.org_id, user_id=user_id, provider="google", external_thread_id=f"t-{subject}",
                             subject=subject)  # fmt: skip
        s.add(thread)
        await s.flush()
        msg = EmailMessage(org_id=w.org_id, thread_id=thread.id or 0, provider_message_id=f"m-{subject}",
                           direction="inbound", from_addr="dana@prospect.test", subject=subject,
                           body_text="Could we talk on Thursday?", category="meeting_request",
                           received_at=NOW - timedelta(days=days_ago))  # fmt: skip
        s.add(msg)
        await s.flush()
        return msg.id or 0


async def test_mute_stores_the_kind_and_says_how_to_undo(world: World) -> None:
    await brief_actions.handle_mute(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                    MuteKind(kind="morning_brief"), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    async with world.deps.db.session() as s:
        assert (await preferences(s, user_id=world.rep_id)).muted_kinds == ["morning_brief"]
    [told] = world.client.of("chat.postEphemeral")
    assert told["user"] == "U2" and told["channel"] == "DCHAN"
    assert "`/60 unmute morning_brief`" in told["text"]


async def test_view_email_shows_the_reps_own_email(world: World) -> None:
    message_id = await _email(world, world.rep_id, "Catch up?")
    await brief_actions.handle_view_email(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                          BriefItem(message_id=message_id), world.deps)  # fmt: skip
    [told] = world.client.of("chat.postEphemeral")
    assert told["text"] == "Catch up?"
    section = told["blocks"][0]
    assert section["type"] == "section"
    assert "From dana@prospect.test" in section["text"]["text"]
    assert "Could we talk on Thursday?" in section["text"]["text"]


async def test_view_email_of_another_rep_is_refused(world: World) -> None:
    message_id = await _email(world, world.admin_id, "Private")
    await brief_actions.handle_view_email(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                          BriefItem(message_id=message_id), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    [told] = world.client.of("chat.postEphemeral")
    assert told["text"] == REFUSALS[Ref.MESSAGE]
    assert "Private" not in str(told)


async def test_show_inbox_lists_the_last_three_days(world: World) -> None:
    await _email(world, world.rep_id, "Recent one", days_ago=1)
    await _email(world, world.rep_id, "Old one", days_ago=5)
    await brief_actions.handle_show_inbox(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                          NoValue(), world.deps)  # fmt: skip
    [told] = world.client.of("chat.postEphemeral")
    text = told["blocks"][0]["text"]["text"]
    assert "Recent one — dana@prospect.test (meeting request)" in text
    assert "Old one" not in text


async def test_check_calendar_submits_find_times_for_the_emails_context(world: World) -> None:
    message_id = await _email(world, world.rep_id, "Times?")
    await brief_actions.handle_check_calendar(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                              BriefItem(message_id=message_id), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.type == EventType.CALENDAR_FIND_TIMES and event.user_id == world.rep_id
    assert event.payload == {"contact_id": None, "deal_id": None}
    assert world.client.of("chat.postEphemeral")[0]["text"] == "Looking for times that work…"
