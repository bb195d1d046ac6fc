"""App Home and `/60` handlers called directly: Refresh publishes the clicker's Home, Settings
opens the modal on the click's trigger, an unknown subcommand gets help, `/60 pause 2h` stores
the pause on the fixed clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot import commands, home
from orchestrator.events import EventType
from storage.models import CalendarEvent, Company, Contact
from storage.users import preferences
from tests.bot.conftest import NOW, World
from tests.bot.fakes import click, context_for


@dataclass
class FakeRespond:
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


async def test_refresh_publishes_the_clickers_home(world: World) -> None:
    await home.handle_refresh(world.ack, world.client, context_for(world.deps, "U2"), world.deps)
    assert world.ack.calls == [{}]
    [published] = world.client.of("views.publish")
    assert published["user_id"] == "U2" and published["view"].type == "home"


async def test_open_settings_uses_the_clicks_trigger(world: World) -> None:
    await home.handle_open_settings(
        world.ack, click("U2"), world.client, context_for(world.deps, "U2"), world.deps
    )
    [opened] = world.client.of("views.open")
    assert opened["trigger_id"] == "trig-1" and opened["view"].type == "modal"


async def test_unknown_subcommand_gets_help(world: World) -> None:
    respond = FakeRespond()
    await commands.handle_command(world.ack, {"text": "dance"}, respond, world.client,  # type: ignore[arg-type]
                                  context_for(world.deps, "U2"), world.deps)  # fmt: skip
    assert world.ack.calls == [{}]
    [said] = respond.calls
    assert said["text"] == "I don't know `dance`. Here is what I can do:"
    assert said["response_type"] == "ephemeral" and said["blocks"]


async def test_pause_stores_until_and_answers_with_the_time(world: World) -> None:
    respond = FakeRespond()
    await commands.handle_command(world.ack, {"text": "pause 2h"}, respond, world.client,  # type: ignore[arg-type]
                                  context_for(world.deps, "U2"), world.deps)  # fmt: skip
    async with world.deps.db.session() as s:
        paused = (await preferences(s, user_id=world.rep_id)).paused_until
    assert paused is not None and paused.replace(tzinfo=NOW.tzinfo) == NOW + timedelta(hours=2)
    assert respond.calls[0]["text"].startswith("Paused until ")


async def test_prep_finds_the_next_external_meeting_by_company(world: World) -> None:
    async with world.deps.db.transaction() as s:
        acme = Company(org_id=world.org_id, name="Acme")
        s.add(acme)
        await s.flush()
        dana = Contact(org_id=world.org_id, name="Dana", company_id=acme.id)
        s.add(dana)
        await s.flush()
        for title, hours, external in (
            ("Internal sync", 1, False),
            ("Acme demo", 3, True),
            ("Later call", 30, True),
        ):
            s.add(CalendarEvent(org_id=world.org_id, user_id=world.rep_id, title=title, is_external=external,
                                contact_id=dana.id, start_at=NOW + timedelta(hours=hours),
                                end_at=NOW + timedelta(hours=hours + 1)))  # fmt: skip
    respond = FakeRespond()
    await commands.handle_command(world.ack, {"text": "prep acme"}, respond, world.client,  # type: ignore[arg-type]
                                  context_for(world.deps, "U2"), world.deps)  # fmt: skip
    [event] = world.orchestrator.events
    assert event.type == EventType.PRE_MEETING_90MIN and event.payload["requested"] is True
    assert (
        respond.calls[0]["text"]
        == "Preparing your brief for “Acme demo” — it will be in our DM in a moment."
    )
    respond.calls.clear()
    await commands.handle_command(world.ack, {"text": "prep zebra"}, respond, world.client,  # type: ignore[arg-type]
                                  context_for(world.deps, "U2"), world.deps)  # fmt: skip
    assert respond.calls[0]["text"].startswith(
        "I found no external meeting matching “zebra” in the next 7 days."
    )
