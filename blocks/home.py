"""The App Home tab: the rep's settings, connections, what is waiting, and org settings for admins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from blocks.ids import HomeAction, ProactiveSettingsAction
from blocks.text import SECTION_TEXT_MAX, VIEW_BLOCKS_MAX, clip, escape, head_and_rest, more_line


@dataclass(frozen=True)
class ConnectionRow:
    provider: str  # google | microsoft | hubspot | instantly
    label: str
    status: str  # connected | not_connected | expired | error | coming_soon (nothing to connect yet)
    account: str | None = None


@dataclass(frozen=True)
class WaitingRow:
    id: str
    summary: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class OrgRow:
    ai_budget_usd: float
    ai_spend_usd: float
    stale_threshold_days: int
    features: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeModel:
    name: str
    timezone: str
    briefing_time: str
    briefing_days: str
    working_hours: str
    quiet_hours: str
    max_notifications_per_hour: int
    meeting_buffer_minutes: int
    daily_send_limit: int
    coaching_frequency: str
    paused_until: datetime | None
    connections: list[ConnectionRow]
    waiting: list[WaitingRow]
    recent: list[str]
    org: OrgRow | None  # only for admins
    refreshed_at: datetime


_STATUS = {
    "connected": ":large_green_circle: Connected",
    "not_connected": ":white_circle: Not connected",
    "expired": ":large_yellow_circle: Needs reconnecting",
    "error": ":red_circle: Error",
    "coming_soon": ":soon: Coming in a later release",
}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def home_view(m: HomeModel) -> View:
    blocks: list[Block] = [HeaderBlock(text=clip(f"Sixty for {m.name}", 150))]
    if m.paused_until:
        blocks.append(_section(f":double_vertical_bar: Notifications paused until {m.paused_until:%a %H:%M} UTC. `/60 resume` to resume."))
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text="*Your settings*"),
            fields=[
                MarkdownTextObject(text=f"*Morning brief*\n{m.briefing_time} ({escape(m.briefing_days)})"),
                MarkdownTextObject(text=f"*Timezone*\n{escape(m.timezone)}"),
                MarkdownTextObject(text=f"*Working hours*\n{escape(m.working_hours)}"),
                MarkdownTextObject(text=f"*Quiet hours*\n{escape(m.quiet_hours)}"),
                MarkdownTextObject(text=f"*Max notifications*\n{m.max_notifications_per_hour} per hour"),
                MarkdownTextObject(text=f"*Meeting buffer*\n{m.meeting_buffer_minutes} min"),
                MarkdownTextObject(text=f"*Daily email limit*\n{m.daily_send_limit} sends"),
                MarkdownTextObject(text=f"*Coaching*\n{escape(m.coaching_frequency)}"),
            ],
            accessory=ButtonElement(text="Edit settings", action_id=HomeAction.OPEN_SETTINGS, value="settings"),
        )
    )
    blocks.append(DividerBlock())
    blocks.append(_section("*Connections*"))
    for c in m.connections:
        account = f" ({escape(c.account)})" if c.account else ""
        connected = c.status == "connected"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"*{escape(c.label)}*{account}\n{_STATUS.get(c.status, c.status)}"),
                accessory=None if c.status == "coming_soon" else ButtonElement(  # no button that leads nowhere
                    text="Disconnect" if connected else "Connect",
                    action_id=HomeAction.DISCONNECT if connected else HomeAction.CONNECT,
                    value=c.provider,
                    style="danger" if connected else "primary",
                ),
            )
        )
    blocks.append(DividerBlock())
    shown, hidden = head_and_rest(m.waiting, 10)
    if shown:
        lines = [f"• {escape(w.summary)}" for w in shown]
        if hidden:
            lines.append(more_line(hidden))
        blocks.append(_section("*Waiting for you*\n" + "\n".join(lines)))
    else:
        blocks.append(_section("*Waiting for you*\nNothing right now."))
    recent, more = head_and_rest(m.recent, 5)
    if recent:
        lines = [f"• {escape(r)}" for r in recent] + ([more_line(more)] if more else [])
        blocks.append(_section("*Recent activity*\n" + "\n".join(lines)))
    if m.org is not None:
        blocks.append(DividerBlock())
        toggles = ", ".join(f"{k} {'on' if v else 'off'}" for k, v in sorted(m.org.features.items())) or "all defaults"
        blocks.append(
            _section(
                "*Organisation (admins)*\n"
                f"AI budget: ${m.org.ai_spend_usd:,.2f} of ${m.org.ai_budget_usd:,.2f} spent this month\n"
                f"Stale deal threshold: {m.org.stale_threshold_days} days\n"
                f"Features: {escape(toggles)}"
            )
        )
    buttons = [ButtonElement(text="Briefs & alerts", action_id=ProactiveSettingsAction.OPEN_FEATURES, value="features")]
    if m.org is not None:
        buttons.append(ButtonElement(text="Org settings", action_id=ProactiveSettingsAction.OPEN_ORG, value="org"))
    buttons.append(ButtonElement(text="Refresh", action_id=HomeAction.REFRESH, value="refresh"))
    blocks.append(ActionsBlock(elements=buttons))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Updated {m.refreshed_at:%Y-%m-%d %H:%M} UTC · `/60 help` for commands")])
    )
    return View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX])
