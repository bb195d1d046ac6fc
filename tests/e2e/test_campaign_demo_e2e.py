"""Issue 15 through the sandbox: `make run` starts the Instantly fake with a demo campaign sending
from the first demo rep's mailbox and connects their org; the page's "Campaign digest now" posts
that rep's digest with the demo campaign, its numbers and the A/B suggestion."""

from __future__ import annotations

from sqlmodel import col, select

from app import DEMO_CAMPAIGN, Runtime
from storage.models import Connection, User
from tests.e2e.conftest import no_quiet_hours


def _text(message: dict[str, object]) -> str:
    return str(message.get("blocks") or "") + str(message.get("text") or "")


async def test_campaign_digest_now_shows_the_demo_campaign(running: Runtime) -> None:
    sb = running.sandbox
    assert running.db is not None and running.instantly is not None
    assert running.settings.instantly_api_base == running.instantly.url  # the app uses the fake
    await no_quiet_hours(running.settings.database_url)
    async with running.db.session() as s:
        conn = (
            await s.exec(select(Connection).where(col(Connection.provider) == "instantly"))
        ).one()
        rep = await s.get(User, conn.user_id)
    assert rep is not None and rep.role == "rep"
    index = next(i for i, a in enumerate(sb.panel_actions) if a.label == "Campaign digest now")
    said = await sb.run_panel_action(index, rep.slack_user_id)
    assert "Campaign digest started" in said
    digest = await sb.wait_for(
        lambda: next(
            (m for m in sb.dm_messages(rep.slack_user_id) if DEMO_CAMPAIGN in _text(m)), None
        ),
        timeout=20,
    )
    text = _text(digest)
    assert "Campaigns this morning: 1 campaign" in text
    assert "sent 240" in text and "Bounce 1.2%" in text
    assert "Step 1: B leads A" in text and "keep testing" in text  # 900 sends a variant: too few


async def test_campaign_reply_arrives_reaches_the_campaign_owner(running: Runtime) -> None:
    """The page's "Campaign reply arrives" goes through the real webhook (with the sandbox's
    subscription secret) and the reply triage: a lead asking for pricing comes to the campaign
    owner as a drafted response to approve; the next press is the meeting ask."""
    sb = running.sandbox
    assert running.db is not None and running.instantly is not None
    await no_quiet_hours(running.settings.database_url)
    async with running.db.session() as s:
        conn = (
            await s.exec(select(Connection).where(col(Connection.provider) == "instantly"))
        ).one()
        rep = await s.get(User, conn.user_id)
    assert rep is not None
    index = next(i for i, a in enumerate(sb.panel_actions) if a.label == "Campaign reply arrives")
    said = await sb.run_panel_action(index, rep.slack_user_id)
    assert "dana@northwind.example" in said and rep.name.split()[0] in said
    card = await sb.wait_for(
        lambda: next(
            (m for m in sb.dm_messages(rep.slack_user_id)
             if "Campaign reply from" in _text(m) and "asks for pricing" in _text(m)), None,
        ),
        timeout=20,
    )  # fmt: skip
    assert "40 seats" in _text(card) and "Thanks for getting back to me" in _text(card)
    said = await sb.run_panel_action(index, rep.slack_user_id)
    assert "li@contoso.example" in said
    await sb.wait_for(
        lambda: next(
            (m for m in sb.dm_messages(rep.slack_user_id) if "meeting request" in _text(m)), None
        ),
        timeout=20,
    )
