"""`/60 stats` through the command handler: a rep sees their own week, a manager their team
(each rep and the total), someone with nothing stored is told so, bad days get usage help."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot import commands
from storage.models import User
from tests.bot.conftest import NOW, World
from tests.bot.fakes import context_for
from tests.support.sequences import seed_org
from tests.support.success_world import seed_week


@dataclass
class FakeRespond:
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


async def run(world: World, slack_id: str, text: str) -> dict[str, Any]:
    respond = FakeRespond()
    await commands.handle_command(world.ack, {"text": text}, respond, world.client,  # type: ignore[arg-type]
                                  context_for(world.deps, slack_id), world.deps)  # fmt: skip
    [said] = respond.calls
    assert said["response_type"] == "ephemeral"
    return said


def all_text(said: dict[str, Any]) -> str:
    out = []
    for b in said.get("blocks") or []:
        if b.get("text"):
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields") or [])
        out.extend(e.get("text", "") for e in b.get("elements") or [])
    return "\n".join(out)


async def add_rep(world: World, slack_id: str, name: str) -> int:
    async with world.deps.db.transaction() as s:
        u = User(
            org_id=world.org_id, slack_user_id=slack_id, email=f"{slack_id}@example.com", name=name
        )
        s.add(u)
        await s.flush()
        return u.id or 0


async def test_a_rep_sees_their_own_numbers(world: World) -> None:
    other = await add_rep(world, "U3", "Rep 3")
    await seed_week(
        world.deps.db, org_id=world.org_id, rep_id=world.rep_id, other_rep_id=other, now=NOW
    )
    said = await run(world, "U2", "stats")
    shown = all_text(said)
    assert said["blocks"][0]["text"]["text"] == "Your numbers, last 7 days"
    assert "1 of 3 recorded meetings followed up within 10 minutes (33%)" in shown
    assert "median 25.5 min after the call" in shown
    assert "1 of 3 on time (33%); 1 opened before the meeting (100%)" in shown
    assert "4 of 6 accepted (67%), 1 dismissed (17%) :warning: more than 15% dismissed" in shown
    assert "1 of 2 deals re-engaged (1 per rep per week)" in shown
    assert "Rep 3" not in shown  # a rep never sees someone else's numbers
    assert said["text"].startswith("Your numbers, last 7 days: 33% of meetings followed up")


async def test_a_manager_sees_each_rep_and_the_total(world: World) -> None:
    other = await add_rep(world, "U3", "Rep 3")
    await seed_week(world.deps.db, org_id=world.org_id, rep_id=world.rep_id, other_rep_id=other,
                    now=NOW, manager_id=world.admin_id)  # fmt: skip
    said = await run(world, "U1", "stats")
    shown = all_text(said)
    assert said["blocks"][0]["text"]["text"] == "Your team's numbers, last 7 days (2 reps)"
    assert "2 of 4 recorded meetings followed up within 10 minutes (50%)" in shown  # the total
    rep_lines = [
        b["text"]["text"] for b in said["blocks"] if b["type"] == "section" and b.get("text")
    ]
    assert rep_lines[0].startswith("*Rep 2*: follow-ups within 10 min 1/3")
    assert ":warning: more than 15% dismissed" in rep_lines[0]
    assert rep_lines[1].startswith("*Rep 3*: follow-ups within 10 min 1/1")


async def test_a_manager_in_another_org_sees_nothing_of_this_team(world: World) -> None:
    other = await add_rep(world, "U3", "Rep 3")
    await seed_week(
        world.deps.db, org_id=world.org_id, rep_id=world.rep_id, other_rep_id=other, now=NOW
    )
    _org2, (outsider,) = await seed_org(world.deps.db, users=1)
    async with (
        world.deps.db.transaction() as s
    ):  # a manager_id pointing across orgs counts for nothing
        u = await s.get(User, world.rep_id)
        assert u is not None
        u.manager_id = outsider
    async with world.deps.db.session() as s:
        boss = await s.get(User, outsider)
    assert boss is not None
    from storage.success_stats import team_of

    async with world.deps.db.session() as s:
        assert await team_of(s, manager=boss) == []


async def test_someone_with_no_data_is_told_so(world: World) -> None:
    said = await run(world, "U2", "stats 30")
    assert said["blocks"][0]["text"]["text"] == "Your numbers, last 30 days"
    assert "Nothing to count for you in the last 30 days yet" in all_text(said)
    assert "no data" in said["text"]


async def test_bad_days_get_usage(world: World) -> None:
    for text in ("stats lots", "stats 0", "stats 91"):
        said = await run(world, "U2", text)
        assert said["text"].startswith("Usage: `/60 stats [days]`")
        assert "blocks" not in said


async def test_help_lists_stats(world: World) -> None:
    said = await run(world, "U2", "help")
    assert "/60 stats [days]" in said["text"]
