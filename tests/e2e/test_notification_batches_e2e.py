"""Through the sandbox: a digest of batched notifications, and its Open button."""

from __future__ import annotations

from sqlmodel import select

from app import Runtime
from blocks.ids import NotificationBatchAction
from orchestrator.events import Event, JobRef
from storage.models import SlackNotificationSent, User
from tests.e2e.conftest import ALEX, no_quiet_hours

ORIGINAL = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Dana replied: the full message"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "digest-test-button",
                "text": {"type": "plain_text", "text": "Draft reply"},
                "value": "1",
            }
        ],
    },
]


def digests(sb) -> list[dict]:
    return [m for m in sb.dm_messages(ALEX) if "While you were busy" in (m.get("text") or "")]


async def test_digest_lists_batched_items_and_opens_the_original(running: Runtime) -> None:
    sb = running.sandbox
    await no_quiet_hours(running.deps.settings.database_url)
    async with running.deps.db.transaction() as s:
        alex = (await s.exec(select(User).where(User.slack_user_id == ALEX))).one()
        org_id, alex_id = alex.org_id, alex.id
        assert alex_id is not None
        s.add(SlackNotificationSent(org_id=org_id, user_id=alex_id, kind="email_received",
                                    dedupe_key="e2e:1", status="batched",
                                    summary="Dana replied", blocks=ORIGINAL))  # fmt: skip
        s.add(SlackNotificationSent(org_id=org_id, user_id=alex_id, kind="commitment_overdue",
                                    dedupe_key="e2e:2", status="batched",
                                    summary="Overdue: send the deck"))  # fmt: skip
    ref = await running.deps.submit(
        Event("notification_digest", "test", org_id, alex_id, {}, "notification_digest:e2e")
    )
    assert isinstance(ref, JobRef)
    [digest] = await sb.wait_for(lambda: digests(sb), timeout=15)
    assert digest["text"] == "While you were busy: 2 updates"
    [openable] = [b for b in digest["blocks"] if b.get("accessory")]
    assert "Dana replied" in openable["text"]["text"]
    await sb.click(ALEX, digest, NotificationBatchAction.OPEN, value=openable["accessory"]["value"])
    await sb.wait_for(
        lambda: any("the full message" in str(m.get("blocks")) for m in sb.dm_messages(ALEX)),
        timeout=15,
    )
