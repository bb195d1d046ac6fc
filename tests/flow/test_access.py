"""storage/access.py on SQLite and PostgreSQL: who may act on which deal, contact, gate, job,
send, meeting, email and notification. `owned_rows` also builds the rows the end-to-end authz
test crafts clicks against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import access
from storage.access import Ref
from storage.coaching_models import CoachingAnalysis
from storage.engine import Database
from storage.instantly_models import CampaignSuggestion
from storage.models import (
    CalendarEvent,
    Company,
    Contact,
    Deal,
    DealContact,
    EmailMessage,
    EmailSend,
    EmailThread,
    Meeting,
    Org,
    SequenceJob,
    SlackNotificationSent,
    SlackPendingAction,
    User,
    UserPreferences,
)
from storage.proposal_models import Proposal

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday


@dataclass(frozen=True)
class Owned:
    """One of every kind of row a Slack payload can name, all belonging to one user."""

    user_id: int
    deal: int
    contact: int
    pending: str
    job: int
    picker: int
    send: int
    event: int
    message: int
    notification: int
    proposal: int = 0
    campaign_suggestion: int = 0
    coaching_analysis: int = 0


async def owned_rows(s: AsyncSession, *, user: User, tag: str, now: datetime = NOW) -> Owned:
    """A deal with its contact, a task-list gate, a time picker, a send in its undo window, a
    meeting, an email and a notification, all `user`'s."""
    org_id, uid = user.org_id, user.id
    assert uid is not None
    company = Company(org_id=org_id, name=f"{tag} Corp", domain=f"{tag}.example")
    s.add(company)
    await s.flush()
    contact = Contact(
        org_id=org_id, company_id=company.id, name=f"{tag} Buyer", email=f"buyer@{tag}.example"
    )
    s.add(contact)
    await s.flush()
    deal = Deal(
        org_id=org_id,
        company_id=company.id,
        primary_contact_id=contact.id,
        owner_id=uid,
        name=f"{tag} deal",
        stage="proposal",
        amount=10_000,
    )
    s.add(deal)
    job = SequenceJob(
        org_id=org_id,
        user_id=uid,
        sequence_type="meeting_ended",
        status="awaiting_approval",
        event_type="meeting_ended",
        event_source="webhook:meetingbaas",
        idempotency_key=f"authz:{tag}:meeting",
        run_after=now + timedelta(days=30),
    )
    option = {
        "start": (now + timedelta(days=1)).isoformat(),
        "end": (now + timedelta(days=1, hours=1)).isoformat(),
    }
    picker = SequenceJob(
        org_id=org_id,
        user_id=uid,
        sequence_type="calendar_find_times",
        status="completed",
        event_type="calendar_find_times",
        event_source="slack:command",
        idempotency_key=f"authz:{tag}:picker",
        context={
            "outputs": {
                "find_times": {
                    "params": {"contact_id": contact.id, "duration_minutes": 30},
                    "options": [option],
                    "ways_out": [{"code": "later", "params": {"days": 14}}],
                }
            }
        },
    )
    s.add_all([job, picker])
    await s.flush()
    pending = SlackPendingAction(
        job_id=job.id,
        org_id=org_id,
        owner_user_id=uid,
        step_name="tasks",
        kind="tasks",
        expires_at=now + timedelta(days=30),
        payload={
            "title": "2 tasks",
            "tasks": [{"n": 1, "text": "Send deck"}, {"n": 2, "text": "Book demo"}],
        },
    )
    send = EmailSend(
        org_id=org_id,
        user_id=uid,
        job_id=job.id,
        message_id_header=f"<{tag}@sixty.test>",
        to_addrs=[contact.email or ""],
        subject="Follow-up",
        status="scheduled",
        send_after=now + timedelta(days=30),
    )
    event = CalendarEvent(
        org_id=org_id,
        user_id=uid,
        title=f"{tag} review",
        start_at=now + timedelta(days=2),
        end_at=now + timedelta(days=2, hours=1),
        is_external=True,
        deal_id=deal.id,
        contact_id=contact.id,
        attendees=[{"email": contact.email, "name": contact.name}],
    )
    thread = EmailThread(
        org_id=org_id,
        user_id=uid,
        provider="demo",
        external_thread_id=f"{tag}-t",
        subject="Pricing",
        contact_id=contact.id,
        deal_id=deal.id,
    )
    s.add_all([pending, send, event, thread])
    await s.flush()
    message = EmailMessage(
        org_id=org_id,
        thread_id=thread.id or 0,
        provider_message_id=f"{tag}-m",
        direction="inbound",
        from_addr=contact.email or "",
        subject="Pricing",
        body_text="Could you send the pricing?",
    )
    note = SlackNotificationSent(
        org_id=org_id,
        user_id=uid,
        kind="pipeline",
        dedupe_key=f"authz:{tag}",
        status="batched",
        summary="3 deals have gone quiet",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "secret"}}],
    )
    s.add_all([message, note])
    await s.flush()
    proposal = Proposal(org_id=org_id, user_id=uid, deal_id=deal.id, source="command",
                        status="sent", draft={}, version=1, created_at=now, updated_at=now)  # fmt: skip
    s.add(proposal)
    suggestion = CampaignSuggestion(org_id=org_id, user_id=uid, campaign_id=f"{tag}-campaign",
                                    campaign_name=f"{tag} outbound", step=0, variants="A")  # fmt: skip
    s.add(suggestion)
    meeting = Meeting(org_id=org_id, user_id=uid, title=f"{tag} call", started_at=now)
    s.add(meeting)
    await s.flush()
    analysis = CoachingAnalysis(org_id=org_id, user_id=uid, meeting_id=meeting.id or 0,
                                started_at=now, created_at=now)  # fmt: skip
    s.add(analysis)
    await s.flush()
    ids: list[Any] = [
        deal.id,
        contact.id,
        pending.id,
        job.id,
        picker.id,
        send.id,
        event.id,
        message.id,
        note.id,
        proposal.id,
        suggestion.id,
        analysis.id,
    ]
    assert all(i is not None for i in ids)
    return Owned(uid, *ids)


async def other_org(s: AsyncSession, *, slack_user_id: str = "U0RIVAL001") -> User:
    org = Org(name="Rival Co", slack_team_id="T0RIVAL")
    s.add(org)
    await s.flush()
    user = User(
        org_id=org.id or 0,
        slack_user_id=slack_user_id,
        email="rival@rival.example",
        name="Riley Rival",
    )
    s.add(user)
    await s.flush()
    s.add(UserPreferences(user_id=user.id or 0))
    return user


def _ids(o: Owned) -> dict[Ref, Any]:
    return {
        Ref.DEAL: o.deal,
        Ref.CONTACT: o.contact,
        Ref.PENDING: o.pending,
        Ref.JOB: o.job,
        Ref.SEND: o.send,
        Ref.EVENT: o.event,
        Ref.MESSAGE: o.message,
        Ref.NOTIFICATION: o.notification,
        Ref.PROPOSAL: o.proposal,
        Ref.COACHING_ANALYSIS: o.coaching_analysis,
    }


async def test_owner_manager_colleague_and_other_org(db: Database) -> None:
    async with db.transaction() as s:
        org = Org(name="Demo", slack_team_id="T0DEMO")
        s.add(org)
        await s.flush()
        boss = User(
            org_id=org.id or 0,
            slack_user_id="U0BOSS",
            email="boss@d.example",
            name="Boss",
            role="manager",
        )
        s.add(boss)
        await s.flush()
        alex = User(
            org_id=org.id or 0,
            slack_user_id="U0ALEX",
            email="a@d.example",
            name="Alex",
            manager_id=boss.id,
        )
        jamie = User(
            org_id=org.id or 0,
            slack_user_id="U0JAMIE",
            email="j@d.example",
            name="Jamie",
            manager_id=boss.id,
        )
        s.add_all([alex, jamie])
        await s.flush()
        mine = await owned_rows(s, user=alex, tag="alex")
        rival = await other_org(s)
        theirs = await owned_rows(s, user=rival, tag="rival")
        # A contact linked to Alex's deal only through deal_contacts.
        extra = Contact(org_id=org.id or 0, name="Second Buyer")
        s.add(extra)
        await s.flush()
        s.add(DealContact(deal_id=mine.deal, contact_id=extra.id or 0))
        unlinked = Contact(org_id=org.id or 0, name="Nobody's")
        s.add(unlinked)
    async with db.session() as s:
        for ref, rid in _ids(mine).items():
            assert await access.allowed(s, actor=alex, ref=ref, ids=[rid]) == {rid}, ref
            assert await access.allowed(s, actor=jamie, ref=ref, ids=[rid]) == set(), ref
            assert await access.allowed(s, actor=rival, ref=ref, ids=[rid]) == set(), ref
        for ref, rid in _ids(theirs).items():
            assert await access.allowed(s, actor=alex, ref=ref, ids=[rid]) == set(), ref
            assert await access.allowed(s, actor=boss, ref=ref, ids=[rid]) == set(), ref
        # The manager may act on the deals and contacts of the reps they manage, not on their drafts.
        assert await access.allowed(s, actor=boss, ref=Ref.DEAL, ids=[mine.deal]) == {mine.deal}
        # ... and the coaching analyses of their reps' calls.
        got = await access.allowed(s, actor=boss, ref=Ref.COACHING_ANALYSIS,
                                   ids=[mine.coaching_analysis, theirs.coaching_analysis])  # fmt: skip
        assert got == {mine.coaching_analysis}
        assert await access.allowed(
            s, actor=boss, ref=Ref.CONTACT, ids=[mine.contact, extra.id]
        ) == {mine.contact, extra.id}
        for ref in (
            Ref.PENDING,
            Ref.SEND,
            Ref.MESSAGE,
            Ref.NOTIFICATION,
            Ref.JOB,
            Ref.EVENT,
            Ref.PROPOSAL,
        ):
            assert await access.allowed(s, actor=boss, ref=ref, ids=[_ids(mine)[ref]]) == set(), ref
        assert await access.allowed(
            s, actor=alex, ref=Ref.CONTACT, ids=[extra.id, unlinked.id]
        ) == {extra.id}
        # Made-up ids are nobody's; a mixed list yields only what the actor may touch.
        assert await access.allowed(
            s, actor=alex, ref=Ref.DEAL, ids=[mine.deal, theirs.deal, 99_999]
        ) == {mine.deal}
        assert await access.allowed(s, actor=alex, ref=Ref.PENDING, ids=["made-up"]) == set()
        # An email's own contact and deal are its context for the rep who received it.
        assert await access.message_context(s, actor=alex, message_ids=[mine.message]) == (
            {mine.contact},
            {mine.deal},
        )
        assert await access.message_context(s, actor=jamie, message_ids=[mine.message]) == (
            set(),
            set(),
        )


async def test_pre_meeting_brief_reads_no_other_orgs_deal(db: Database) -> None:
    """A calendar event naming another org's deal (a forged or stale link) brings none of it."""
    from flows.pre_meeting_brief.gather import gather_pre_meeting

    async with db.transaction() as s:
        org = Org(name="Demo", slack_team_id="T0DEMO")
        s.add(org)
        await s.flush()
        jamie = User(org_id=org.id or 0, slack_user_id="U0JAMIE", email="j@d.example", name="Jamie")
        s.add(jamie)
        await s.flush()
        mine = await owned_rows(s, user=jamie, tag="jamie")
        theirs = await owned_rows(s, user=await other_org(s), tag="rival")
        event = CalendarEvent(
            org_id=org.id or 0,
            user_id=jamie.id or 0,
            title="Sync",
            is_external=True,
            start_at=NOW + timedelta(hours=2),
            end_at=NOW + timedelta(hours=3),
            deal_id=theirs.deal,
            attendees=[{"email": "buyer@jamie.example"}],
        )
        s.add(event)
        await s.flush()
        own = await s.get(CalendarEvent, mine.event)
    assert own is not None
    brief = await gather_pre_meeting(db, jamie, event, NOW)
    assert (brief.deal_name, brief.stage, brief.amount) == (None, None, None)
    assert (await gather_pre_meeting(db, jamie, own, NOW)).deal_name == "jamie deal"
