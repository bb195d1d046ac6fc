"""Issue 11, 2.12 end to end: a rep's plain DM ("hello") travels from the sandbox as a
`message.im` event and is answered with a pointer to `/60 help` and what is waiting; the bot's
own post, echoed back as Slack does, is not answered."""

from __future__ import annotations

from sqlmodel import select

from app import Runtime
from storage.models import SlackNotificationSent
from tests.e2e.conftest import ALEX


async def test_plain_dm_gets_a_pointer(running: Runtime) -> None:
    sb = running.sandbox
    assert sb is not None
    sb.echo_bot_messages = True  # Slack sends the app its own IM posts too
    await sb.dm(ALEX, "hello")

    def pointers() -> list[dict]:
        return [
            m
            for m in sb.dm_messages(ALEX)
            if m.get("bot_id") and "/60 help" in (m.get("text") or "")
        ]

    [pointer] = await sb.wait_for(pointers, timeout=10)
    assert "waiting" in pointer["text"]
    async with running.db.session() as s:
        rows = (
            await s.exec(
                select(SlackNotificationSent).where(SlackNotificationSent.kind == "dm_pointer")
            )
        ).all()
    assert len(rows) == 1
