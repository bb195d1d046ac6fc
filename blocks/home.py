"""The App Home tab: the rep's settings, connections, what is waiting, and org settings for admins.

What the delivery rules hold back (a proactive message over the hourly cap, in quiet hours or a
pause) is listed under "Held back for you" with its buttons: a held approval shows its own
request blocks (Approve / Skip ... work from here), a held notification a line with an Open
button that posts it now (`NotificationBatchAction.OPEN`)."""

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

from blocks.approval import ApprovalView, approval_message
from blocks.ids import CoachingAction, HomeAction, NotificationBatchAction, ProactiveSettingsAction
from blocks.library_home import LibraryRow, library_blocks
from blocks.text import (
    HEADER_MAX,
    SECTION_TEXT_MAX,
    VIEW_BLOCKS_MAX,
    clip,
    escape,
    head_and_rest,
    more_line,
    plural,
)
from skills.human_time import clock_24


@dataclass(frozen=True)
class ConnectionRow:
    provider: str  # google | microsoft | hubspot | instantly
    label: str
    status: (
        str  # connected | not_connected | expired | error | coming_soon (nothing to connect yet)
    )
    account: str | None = None


@dataclass(frozen=True)
class WaitingRow:
    id: str
    summary: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class HeldRow:
    """One held item: an approval (`gate`, shown with its own buttons) or a notification
    (`note_id`, opened with the Open button; `openable` False when it has nothing to show)."""

    summary: str
    gate: ApprovalView | None = None
    note_id: int | None = None
    openable: bool = True


# Held approvals shown in full (each is a few blocks); the rest are counted.
HELD_GATES_SHOWN = 3
HELD_GATE_BLOCKS_MAX = 8
HELD_NOTES_SHOWN = 8


@dataclass(frozen=True)
class CrmRow:
    """The workspace's HubSpot connection, for admins."""

    status: str  # active | disconnected | error | not_connected
    portal_id: str | None = None
    last_sync_at: datetime | None = None
    import_status: str = "not_started"  # not_started | running | done | failed
    import_done: dict[str, int] = field(default_factory=dict)
    detail: str | None = None  # why, when the status is error


@dataclass(frozen=True)
class OrgRow:
    ai_budget_usd: float
    ai_spend_usd: float
    stale_threshold_days: int
    features: dict[str, bool] = field(default_factory=dict)
    library: LibraryRow | None = None
    crm: CrmRow | None = None


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
    held: list[HeldRow] = field(default_factory=list)
    campaign_digest_time: str | None = None  # None: with the morning brief
    team_digest_day: str | None = None  # for users with reports: the team digest's day
    coaching_org_off: bool = False  # an admin turned coaching off for the org


_STATUS = {
    "connected": ":large_green_circle: Connected",
    "not_connected": ":white_circle: Not connected",
    "expired": ":large_yellow_circle: Needs reconnecting",
    "error": ":red_circle: Error",
    "coming_soon": ":soon: Coming in a later release",
    "org_connected": ":large_green_circle: Connected for the workspace",
    "org_not_connected": ":white_circle: Not connected (an admin connects it for the workspace)",
}
_NO_BUTTON = ("coming_soon", "org_connected", "org_not_connected")
_IMPORT = {"not_started": "not started", "running": "running", "done": "done",
           "failed": "stopped with an error (it can be run again)"}  # fmt: skip


def _crm_blocks(crm: CrmRow, tz: str) -> list[Block]:
    """HubSpot in the admin section: status, portal, last sync, import progress, one button."""
    connected = crm.status == "active"
    lines = ["*HubSpot CRM (workspace)*"]
    if connected:
        lines.append(f":large_green_circle: Connected, portal {escape(crm.portal_id or '?')}")
        lines.append(
            "Last sync: " + (clock_24(crm.last_sync_at, tz) if crm.last_sync_at else "not yet")
        )
        counts = ", ".join(f"{plural(n, k, 'companies' if k == 'company' else None)}"
                           for k, n in crm.import_done.items() if n)  # fmt: skip
        lines.append(f"Import: {_IMPORT.get(crm.import_status, crm.import_status)}"
                     + (f" ({counts})" if counts else ""))  # fmt: skip
    elif crm.status == "disconnected":
        lines.append(":white_circle: Disconnected. Records imported earlier stay in Sixty.")
    elif crm.status == "error":
        lines.append(f":red_circle: Sync stopped: {escape(crm.detail or 'HubSpot refused Sixty')}. "
                     "Connect again to resume; records imported earlier stay in Sixty.")  # fmt: skip
    else:
        lines.append(":white_circle: Not connected. Connect to import companies, contacts, deals "
                     "and recent notes, and keep them in step.")  # fmt: skip
    return [SectionBlock(
        text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT_MAX)),
        accessory=ButtonElement(
            text="Disconnect HubSpot" if connected else "Connect HubSpot",
            action_id=HomeAction.CRM_DISCONNECT if connected else HomeAction.CRM_CONNECT,
            value="hubspot", style="danger" if connected else "primary"),
    )]  # fmt: skip


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))


def held_blocks(held: list[HeldRow]) -> list[Block]:
    """The "Held back for you" section: held approvals with their buttons, then held
    notifications with Open; bounded so the Home view stays within Slack's 100 blocks."""
    if not held:
        return []
    out: list[Block] = [
        _section(
            "*Held back for you*\nI held these because of your hourly limit, quiet hours or a pause. "
            "Act on them here, or raise the limit with *Edit settings*."
        )
    ]
    gates = [h for h in held if h.gate is not None]
    notes = [h for h in held if h.gate is None]
    for h in gates[:HELD_GATES_SHOWN]:
        assert h.gate is not None
        request = approval_message(h.gate)
        if len(request) > HELD_GATE_BLOCKS_MAX:  # keep the header, the start and the buttons
            head = [b for b in request[:3] if not isinstance(b, ActionsBlock)]
            request = [*head, *(b for b in request if isinstance(b, ActionsBlock))]
        out.extend(request)
    shown, hidden = head_and_rest(notes, HELD_NOTES_SHOWN)
    for h in shown:
        button = (
            ButtonElement(
                text="Open", action_id=NotificationBatchAction.OPEN.value, value=str(h.note_id)
            )
            if h.openable and h.note_id is not None
            else None
        )
        out.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"• {escape(h.summary)}", SECTION_TEXT_MAX)),
                accessory=button,
            )
        )
    rest = hidden + max(0, len(gates) - HELD_GATES_SHOWN)
    if rest:
        out.append(ContextBlock(elements=[MarkdownTextObject(text=f"{more_line(rest)} held back")]))
    return out


def _coaching(m: HomeModel) -> str:
    if m.coaching_org_off:
        return "Off for your organisation (an admin turned it off): no call analyses or digests"
    return escape(m.coaching_frequency)


def home_view(m: HomeModel) -> View:
    blocks: list[Block] = [HeaderBlock(text=clip(f"Sixty for {m.name}", HEADER_MAX))]
    if m.paused_until:
        until = clock_24(m.paused_until, m.timezone)  # in the rep's own zone, named
        blocks.append(
            _section(
                f":double_vertical_bar: Notifications paused until {until}. `/60 resume` to resume."
            )
        )
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text="*Your settings*"),
            fields=[
                MarkdownTextObject(
                    text=f"*Morning brief*\n{m.briefing_time} ({escape(m.briefing_days)})"
                ),
                MarkdownTextObject(text=f"*Timezone*\n{escape(m.timezone)}"),
                MarkdownTextObject(text=f"*Working hours*\n{escape(m.working_hours)}"),
                MarkdownTextObject(text=f"*Quiet hours*\n{escape(m.quiet_hours)}"),
                MarkdownTextObject(
                    text=f"*Max notifications*\n{m.max_notifications_per_hour} per hour"
                ),
                MarkdownTextObject(text=f"*Meeting buffer*\n{m.meeting_buffer_minutes} min"),
                MarkdownTextObject(text=f"*Daily email limit*\n{m.daily_send_limit} sends"),
                MarkdownTextObject(text=f"*Coaching*\n{_coaching(m)}"),
                MarkdownTextObject(
                    text="*Campaign digest*\n"
                    + (m.campaign_digest_time or f"{m.briefing_time}, with the morning brief")
                ),
                *(
                    [
                        MarkdownTextObject(
                            text=f"*Team coaching digest*\n{escape(m.team_digest_day)}"
                        )
                    ]
                    if m.team_digest_day and not m.coaching_org_off
                    else []
                ),
            ],
            accessory=ButtonElement(
                text="Edit settings", action_id=HomeAction.OPEN_SETTINGS, value="settings"
            ),
        )
    )
    blocks.append(DividerBlock())
    blocks.append(_section("*Connections*"))
    for c in m.connections:
        account = f" ({escape(c.account)})" if c.account else ""
        connected = c.status == "connected"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(c.label)}*{account}\n{_STATUS.get(c.status, c.status)}"
                ),
                accessory=None
                if c.status in _NO_BUTTON
                else ButtonElement(  # no button that leads nowhere
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
    blocks.extend(held_blocks(m.held))
    recent, more = head_and_rest(m.recent, 5)
    if recent:
        lines = [f"• {escape(r)}" for r in recent] + ([more_line(more)] if more else [])
        blocks.append(_section("*Recent activity*\n" + "\n".join(lines)))
    if m.org is not None:
        blocks.append(DividerBlock())
        toggles = (
            ", ".join(f"{k} {'on' if v else 'off'}" for k, v in sorted(m.org.features.items()))
            or "all defaults"
        )
        blocks.append(
            _section(
                "*Organisation (admins)*\n"
                f"AI budget: ${m.org.ai_spend_usd:,.2f} of ${m.org.ai_budget_usd:,.2f} spent this month\n"
                f"Stale deal threshold: {m.org.stale_threshold_days} days\n"
                f"Features: {escape(toggles)}"
                + (
                    "\nCall coaching is off: no calls are analysed and no coaching digests go out."
                    if m.org.features.get("coaching") is False
                    else ""
                )
            )
        )
        if m.org.crm is not None:
            blocks.extend(_crm_blocks(m.org.crm, m.timezone))
        if m.org.library is not None:
            blocks.extend(library_blocks(m.org.library))
    buttons = [
        ButtonElement(
            text="Briefs & alerts",
            action_id=ProactiveSettingsAction.OPEN_FEATURES,
            value="features",
        ),
        ButtonElement(text="Coaching", action_id=CoachingAction.OPEN_PREFS, value="prefs"),
    ]
    if m.org is not None:
        buttons.append(
            ButtonElement(
                text="Org settings", action_id=ProactiveSettingsAction.OPEN_ORG, value="org"
            )
        )
    buttons.append(ButtonElement(text="Refresh", action_id=HomeAction.REFRESH, value="refresh"))
    blocks.append(ActionsBlock(elements=buttons))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Updated {clock_24(m.refreshed_at, m.timezone)} · `/60 help` for commands"
                )
            ]
        )
    )
    return View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX])
