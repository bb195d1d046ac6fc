"""The App Home tab's data: reads the rep's settings, connections and waiting items into a view model."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from blocks.approval import ApprovalView
from blocks.home import ConnectionRow, CrmRow, HeldRow, HomeModel, OrgRow, WaitingRow
from blocks.library_home import LibraryRow
from blocks.notification_batch import label as kind_label
from skills.preferences import WEEKDAYS, PreferenceForm, hhmm
from storage import hubspot
from storage.coaching import org_coaching_enabled, team_members
from storage.engine import Database
from storage.library import library_counts
from storage.models import SlackNotificationSent, SlackPendingAction, User
from storage.users import connections, org_settings, pending_actions_for, preferences

PROVIDER_LABELS = {
    "google": "Google (Gmail & Calendar)",
    "microsoft": "Microsoft 365 (Outlook & Calendar)",
    "hubspot": "HubSpot CRM",
    "instantly": "Instantly campaigns",
}

# What Connect can start today (bot/webhooks/oauth.py); the campaign connection comes in a later
# release, so Home says so instead of showing a button that leads nowhere. HubSpot is one
# connection per workspace: its status shows here, its buttons in the admin section.
CONNECTABLE = ("google", "microsoft")
ORG_WIDE = ("hubspot",)

DAY_NAMES = dict(WEEKDAYS)

_KIND_LABELS = {
    "email_send": "Follow-up email to approve",
    "stage_change": "Deal stage change to approve",
    "tasks": "Tasks to review",
    "invite": "Calendar invite to approve",
}


async def month_spend(db: Database, org_id: int, now: datetime) -> float:
    """AI spend this month; 0 when the cost ledger repository is not there yet."""
    try:
        from storage.costs import month_spend as spend
    except ImportError:
        return 0.0
    async with db.session() as s:
        return float(await spend(s, org_id=org_id, now=now))


async def held_for(s: AsyncSession, user_id: int, limit: int = 20) -> list[HeldRow]:
    """What the delivery rules hold back for the user: approvals not posted yet (their job
    is deferred) and notifications deferred or batched, oldest first."""
    gates = (
        await s.exec(
            select(SlackPendingAction)
            .where(
                SlackPendingAction.owner_user_id == user_id,
                SlackPendingAction.status == "pending",
                col(SlackPendingAction.message_ts).is_(None),
            )
            .order_by(col(SlackPendingAction.created_at))
            .limit(limit)
        )
    ).all()
    notes = (
        await s.exec(
            select(SlackNotificationSent)
            .where(
                SlackNotificationSent.user_id == user_id,
                col(SlackNotificationSent.status).in_(("deferred", "batched")),
                SlackNotificationSent.kind != "approval",
            )
            .order_by(col(SlackNotificationSent.sent_at), col(SlackNotificationSent.id))
            .limit(limit)
        )
    ).all()
    rows = [
        HeldRow(
            summary=_KIND_LABELS.get(g.kind, g.kind.replace("_", " ")),
            gate=ApprovalView.from_payload(g.id, g.kind, g.payload or {}),
        )
        for g in gates
    ]
    rows += [
        HeldRow(
            summary=f"{kind_label(n.kind)}: {n.summary or ''}".rstrip(": "),
            note_id=n.id,
            openable=bool(n.blocks or n.summary),
        )
        for n in notes
    ]
    return rows


async def home_model(db: Database, user: User, now: datetime) -> HomeModel:
    assert user.id is not None
    async with db.transaction() as s:
        prefs = await preferences(s, user_id=user.id)
        conns = await connections(s, user_id=user.id)
        waiting = await pending_actions_for(s, user_id=user.id)
        held = await held_for(s, user.id)
        org = await org_settings(s, org_id=user.org_id) if user.role == "admin" else None
        crm = await hubspot.get_connection(s, user.org_id)
        library = await library_counts(s, user.org_id) if org is not None else None
        manages = bool(await team_members(s, manager_id=user.id))
        coaching_on = await org_coaching_enabled(s, org_id=user.org_id)
    rows = []
    for provider, label in PROVIDER_LABELS.items():
        c = conns.get(provider)
        if provider in ORG_WIDE:
            on = crm is not None and crm.status == hubspot.ACTIVE
            rows.append(ConnectionRow(provider=provider, label=label,
                                      status="org_connected" if on else "org_not_connected",
                                      account=f"portal {crm.portal_id}" if on and crm else None))  # fmt: skip
            continue
        status = (
            "not_connected" if c is None else ("connected" if c.status == "active" else c.status)
        )
        if c is None and provider not in CONNECTABLE:
            status = "coming_soon"
        rows.append(
            ConnectionRow(
                provider=provider,
                label=label,
                status=status,
                account=c.account_email if c else None,
            )
        )
    quiet = (
        f"{hhmm(prefs.quiet_hours_start)}–{hhmm(prefs.quiet_hours_end)}"
        if prefs.quiet_hours_start and prefs.quiet_hours_end
        else "none"
    )
    org_row = None
    if org is not None:
        org_row = OrgRow(
            ai_budget_usd=org.ai_budget_usd_month,
            ai_spend_usd=await month_spend(db, user.org_id, now),
            stale_threshold_days=org.stale_threshold_days,
            features=dict(org.features),
            library=LibraryRow(**vars(library)) if library is not None else None,
            crm=CrmRow(
                status=crm.status if crm else "not_connected",
                portal_id=crm.portal_id if crm else None,
                last_sync_at=crm.last_sync_at if crm else None,
                import_status=crm.import_status if crm else "not_started",
                import_done=dict((crm.import_progress or {}).get("done") or {}) if crm else {},
                detail=crm.status_detail if crm else None,
            ),
        )
    return HomeModel(
        name=user.name,
        timezone=user.timezone,
        briefing_time=hhmm(user.briefing_time) or "08:00",
        briefing_days=user.briefing_days,
        campaign_digest_time=hhmm(prefs.campaign_digest_time),
        working_hours=f"{hhmm(prefs.working_hours_start)}–{hhmm(prefs.working_hours_end)} ({prefs.working_days})",
        quiet_hours=quiet,
        max_notifications_per_hour=prefs.max_notifications_per_hour,
        meeting_buffer_minutes=prefs.meeting_buffer_minutes,
        daily_send_limit=prefs.daily_send_limit,
        coaching_frequency=prefs.coaching_frequency.replace("_", " "),
        paused_until=prefs.paused_until
        if prefs.paused_until and prefs.paused_until > now
        else None,
        connections=rows,
        waiting=[
            WaitingRow(
                id=w.id,
                summary=_KIND_LABELS.get(w.kind, w.kind.replace("_", " ")),
                expires_at=w.expires_at,
            )
            for w in waiting
            if w.message_ts
        ],
        recent=[],
        org=org_row,
        refreshed_at=now,
        held=held,
        team_digest_day=DAY_NAMES.get(prefs.manager_digest_day) if manages else None,
        coaching_org_off=not coaching_on,
    )


async def preference_form(db: Database, user: User) -> PreferenceForm:
    assert user.id is not None
    async with db.transaction() as s:
        prefs = await preferences(s, user_id=user.id)
        manages = bool(await team_members(s, manager_id=user.id))
    return PreferenceForm(
        briefing_time=hhmm(user.briefing_time) or "08:00",
        timezone=user.timezone,
        working_hours_start=hhmm(prefs.working_hours_start) or "09:00",
        working_hours_end=hhmm(prefs.working_hours_end) or "17:00",
        quiet_hours_start=hhmm(prefs.quiet_hours_start),
        quiet_hours_end=hhmm(prefs.quiet_hours_end),
        max_notifications_per_hour=prefs.max_notifications_per_hour,
        meeting_buffer_minutes=prefs.meeting_buffer_minutes,
        daily_send_limit=prefs.daily_send_limit,
        coaching_frequency=prefs.coaching_frequency,
        working_days=prefs.working_days or "mon-fri",
        campaign_digest_time=hhmm(prefs.campaign_digest_time),
        manager_digest_day=prefs.manager_digest_day if manages else None,
    )
