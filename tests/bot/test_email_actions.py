"""Email handlers called directly: Cancel send inside the undo window cancels and rewrites the
message; a send of someone else's is refused and stays scheduled; URL buttons only ack; a
rep's plain DM gets the pointer to `/60 help`, a bot's message nothing."""

from __future__ import annotations

from datetime import timedelta

from bot import email_actions, listeners
from bot.authz import REFUSALS
from bot.values import SendRef
from storage import email_sends as sends
from storage.access import Ref
from storage.models import EmailSend
from tests.bot.conftest import NOW, World
from tests.bot.fakes import FakeAck, click, context_for


async def _scheduled_send(w: World, user_id: int) -> int:
    async with w.deps.db.transaction() as s:
        row = EmailSend(org_id=w.org_id, user_id=user_id, message_id_header=f"<m{user_id}@sixty.test>",
                        to_addrs=["dana@prospect.test"], subject="Next steps", status=sends.SCHEDULED,
                        send_after=NOW + timedelta(seconds=30), created_at=NOW, updated_at=NOW)  # fmt: skip
        s.add(row)
        await s.flush()
        return row.id or 0


async def _status(w: World, send_id: int) -> str:
    async with w.deps.db.session() as s:
        row = await sends.get_send(s, send_id)
    assert row is not None
    return row.status


async def test_cancel_inside_the_window_cancels_and_rewrites(world: World) -> None:
    send_id = await _scheduled_send(world, world.rep_id)
    await email_actions.handle_cancel(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                      SendRef(send_id=send_id), world.deps)  # fmt: skip
    assert await _status(world, send_id) == sends.CANCELLED
    [update] = world.client.of("chat.update")
    assert (update["channel"], update["ts"], update["text"]) == (
        "DCHAN",
        "1700000000.000001",
        "Cancelled — not sent",
    )
    assert "Next steps" in str(update["blocks"])


async def test_cancel_of_someone_elses_send_is_refused(world: World) -> None:
    send_id = await _scheduled_send(world, world.admin_id)
    await email_actions.handle_cancel(world.ack, click("U2"), world.client, context_for(world.deps, "U2"),
                                      SendRef(send_id=send_id), world.deps)  # fmt: skip
    assert await _status(world, send_id) == sends.SCHEDULED
    assert [m["text"] for m in world.client.of("chat.postEphemeral")] == [REFUSALS[Ref.SEND]]


async def test_url_buttons_only_ack() -> None:
    ack = FakeAck()
    await email_actions.handle_link(ack)
    assert ack.calls == [{}]


async def test_plain_dm_gets_a_pointer_and_bot_messages_nothing(world: World) -> None:
    ctx = context_for(world.deps, "U2")
    await listeners.handle_message({"channel_type": "im", "bot_id": "B1", "channel": "D1", "text": "hi"},
                                   world.client, ctx, world.deps)  # fmt: skip
    assert world.client.calls == []
    await listeners.handle_message({"channel_type": "im", "channel": "D1", "user": "U2", "text": "hi"},
                                   world.client, ctx, world.deps)  # fmt: skip
    [posted] = world.client.of("chat.postMessage")
    assert posted["channel"] == "D1" and "/60 help" in posted["text"]
