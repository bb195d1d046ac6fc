"""Repository for recorded meetings: the meeting row, its attendees and its transcript.

A recorder bot (MeetingBaaS, Recall.ai) is one meeting, unique on (`source`, `external_id` =
bot id), so duplicate webhook deliveries land on the same row. The meeting is linked to its rep
(an org user, from the bot's `extra`/`metadata` or the calendar event it was scheduled from),
contact, company and deal (from attendee emails and domains). The transcript is stored once in
`transcripts` as the recorder gave it and referred to by id; the `meeting_ended` sequence
attributes its speakers (`skills.speakers`) and keeps the mapping here (`save_attribution`,
`Transcript.speaker_map`).

Functions take an AsyncSession and never commit: the webhook handler or flow step that opened
the session owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, func, or_, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from skills.transcript import Transcript as NormalisedTranscript
from storage.models import (
    CalendarEvent,
    Company,
    Contact,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Transcript,
    User,
    UserPreferences,
)
from storage.types import utcnow

log = logging.getLogger(__name__)

AWAITING_TRANSCRIPT = "awaiting_transcript"
RECORDED = "recorded"
FAILED = "failed"
# A status only moves up this ladder, so late or out-of-order deliveries never undo news.
_STATUS_RANK = {"scheduled": 0, AWAITING_TRANSCRIPT: 1, FAILED: 2, RECORDED: 3, "processed": 4}
_CLOSED_STAGES = ("closed_won", "closed_lost", "won", "lost")


class RepNotFound(LookupError):
    """No org user could be found for a bot: nobody to tell, nothing stored."""


@dataclass(frozen=True)
class AttendeeInfo:
    name: str | None
    email: str | None


@dataclass(frozen=True)
class RecorderMeeting:
    """What a recorder webhook says about the meeting behind one bot."""

    source: str  # meetingbaas | recall
    bot_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    calendar_ref: str | None = None  # the recorder's calendar event id, when it scheduled the bot
    title: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    attendees: tuple[AttendeeInfo, ...] = ()


# --------------------------------------------------------------------------- lookups


def _lower(v: Any) -> str | None:
    return v.strip().lower() if isinstance(v, str) and v.strip() else None


def _domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].lower()


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


async def _user_by_email(session: AsyncSession, email: str) -> User | None:
    rows = await session.exec(
        select(User).where(func.lower(User.email) == email, col(User.active).is_(True))
    )
    return rows.first()


async def _calendar_event(session: AsyncSession, ref: str | None) -> CalendarEvent | None:
    if not ref:
        return None
    ref_id = _int(ref)
    if ref_id is not None:
        found = await session.get(CalendarEvent, ref_id)
        if found is not None:
            return found
    rows = await session.exec(select(CalendarEvent).where(CalendarEvent.external_id == ref))
    return rows.first()


async def resolve_rep(
    session: AsyncSession, *, extra: Mapping[str, Any], calendar_ref: str | None
) -> tuple[User, CalendarEvent | None]:
    """The rep who owns the bot: `extra.user_email` / `extra.user_id`, else the calendar event."""
    event = await _calendar_event(
        session, str(extra.get("calendar_event_id") or calendar_ref or "") or None
    )
    email = _lower(extra.get("user_email") or extra.get("rep_email"))
    user: User | None = None
    if email:
        user = await _user_by_email(session, email)
    if user is None and _int(extra.get("user_id")) is not None:
        user = await session.get(User, _int(extra.get("user_id")))
    if user is None and event is not None:
        user = await session.get(User, event.user_id)
    if user is None:
        raise RepNotFound("no org user matches the bot's extra data or calendar event")
    if event is not None and event.user_id != user.id:
        event = None
    return user, event


def _event_attendees(event: CalendarEvent | None) -> list[AttendeeInfo]:
    out: list[AttendeeInfo] = []
    for a in event.attendees if event is not None else []:
        if isinstance(a, Mapping):
            name = a.get("name") or a.get("displayName") or a.get("display_name")
            out.append(
                AttendeeInfo(name if isinstance(name, str) else None, _lower(a.get("email")))
            )
    return out


def _extra_attendees(extra: Mapping[str, Any]) -> list[AttendeeInfo]:
    raw = extra.get("attendees")
    out: list[AttendeeInfo] = []
    for a in raw if isinstance(raw, list) else []:
        if isinstance(a, Mapping):
            name = a.get("name")
            out.append(
                AttendeeInfo(name if isinstance(name, str) else None, _lower(a.get("email")))
            )
        elif isinstance(a, str) and "@" in a:
            out.append(AttendeeInfo(None, _lower(a)))
    return out


def _dedupe(people: Iterable[AttendeeInfo]) -> list[AttendeeInfo]:
    """One entry per email; a name-only entry is dropped when that name is already listed."""
    by_email: dict[str, AttendeeInfo] = {}
    name_only: list[AttendeeInfo] = []
    for p in people:
        if p.email:
            known = by_email.get(p.email)
            if known is None or (p.name and not known.name):
                by_email[p.email] = AttendeeInfo(p.name or (known.name if known else None), p.email)
        elif p.name:
            name_only.append(p)
    out = list(by_email.values())
    names = {p.name.lower() for p in out if p.name}
    for p in name_only:
        assert p.name is not None
        if p.name.lower() not in names:
            names.add(p.name.lower())
            out.append(p)
    return out


async def _link_crm(
    session: AsyncSession,
    *,
    org_id: int,
    rep: User,
    extra: Mapping[str, Any],
    event: CalendarEvent | None,
    external: list[AttendeeInfo],
) -> tuple[int | None, int | None, int | None]:
    """(contact_id, company_id, deal_id) from extra, the calendar event and attendee emails."""
    contact: Contact | None = None
    if event is not None and event.contact_id:
        contact = await session.get(Contact, event.contact_id)
    emails = [e for e in [_lower(extra.get("contact_email"))] + [a.email for a in external] if e]
    for email in emails:
        if contact is not None:
            break
        rows = await session.exec(
            select(Contact).where(Contact.org_id == org_id, func.lower(Contact.email) == email)
        )
        contact = rows.first()
    company_id = contact.company_id if contact is not None else None
    if company_id is None:
        rep_domain = _domain(rep.email)
        for email in emails:
            dom = _domain(email)
            if not dom or dom == rep_domain:
                continue
            company = (
                await session.exec(
                    select(Company).where(
                        Company.org_id == org_id, func.lower(Company.domain) == dom
                    )
                )
            ).first()
            if company is not None:
                company_id = company.id
                break
    deal: Deal | None = None
    deal_ref = _int(extra.get("deal_id"))
    if deal_ref is not None:
        deal = await session.get(Deal, deal_ref)
        if deal is not None and deal.org_id != org_id:
            deal = None
    if deal is None and event is not None and event.deal_id:
        deal = await session.get(Deal, event.deal_id)
    open_deals = (
        select(Deal)
        .where(Deal.org_id == org_id, col(Deal.stage).not_in(_CLOSED_STAGES))
        .order_by(col(Deal.updated_at).desc())
    )
    if deal is None and contact is not None:
        deal = (
            await session.exec(
                open_deals.join(DealContact, col(DealContact.deal_id) == Deal.id).where(
                    DealContact.contact_id == contact.id
                )
            )
        ).first()
    if deal is None and contact is not None:
        deal = (await session.exec(open_deals.where(Deal.primary_contact_id == contact.id))).first()
    if deal is None and company_id is not None:
        deal = (await session.exec(open_deals.where(Deal.company_id == company_id))).first()
    if company_id is None and deal is not None:
        company_id = deal.company_id
    return (contact.id if contact else None), company_id, (deal.id if deal else None)


# --------------------------------------------------------------------------- meetings


async def find_meeting(session: AsyncSession, *, source: str, bot_id: str) -> Meeting | None:
    rows = await session.exec(
        select(Meeting).where(Meeting.source == source, Meeting.external_id == bot_id)
    )
    return rows.first()


async def get_meeting(session: AsyncSession, *, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def prospect_attendees(session: AsyncSession, *, meeting_id: int) -> list[MeetingAttendee]:
    """The meeting's attendees on the prospect's side, in stored order."""
    rows = await session.exec(
        select(MeetingAttendee)
        .where(MeetingAttendee.meeting_id == meeting_id, MeetingAttendee.role == "prospect")
        .order_by(col(MeetingAttendee.id))
    )
    return list(rows.all())


def _raise_status(meeting: Meeting, status: str) -> bool:
    if _STATUS_RANK.get(status, 0) > _STATUS_RANK.get(meeting.status, 0):
        meeting.status = status
        return True
    return False


async def upsert_recorded_meeting(
    session: AsyncSession, *, info: RecorderMeeting, status: str
) -> tuple[Meeting, bool]:
    """The meeting of this bot, created once; returns (meeting, created). Raises RepNotFound."""
    existing = await find_meeting(session, source=info.source, bot_id=info.bot_id)
    if existing is not None:
        if _raise_status(existing, status):
            session.add(existing)
            await session.flush()
        return existing, False
    rep, event = await resolve_rep(session, extra=info.extra, calendar_ref=info.calendar_ref)
    assert rep.id is not None
    people = _dedupe(
        [
            AttendeeInfo(rep.name, _lower(rep.email)),
            *_extra_attendees(info.extra),
            *_event_attendees(event),
            *list(info.attendees),
        ]
    )
    org_users = {
        _lower(u.email): u
        for u in (await session.exec(select(User).where(User.org_id == rep.org_id))).all()
    }
    external = [p for p in people if p.email and p.email not in org_users]
    contact_id, company_id, deal_id = await _link_crm(
        session, org_id=rep.org_id, rep=rep, extra=info.extra, event=event, external=external
    )
    now = utcnow()
    ended = info.ended_at or now
    started = info.started_at or (event.start_at if event is not None else None)
    if started is None:
        started = ended - timedelta(seconds=info.duration_s or 0)
    title = info.extra.get("title") or info.extra.get("meeting_title") or info.title
    if not isinstance(title, str) or not title.strip():
        title = event.title if event is not None and event.title else "Recorded meeting"
    meeting = Meeting(
        org_id=rep.org_id,
        user_id=rep.id,
        source=info.source,
        external_id=info.bot_id,
        title=title.strip()[:300],
        started_at=started,
        ended_at=ended,
        status=status,
        deal_id=deal_id,
        company_id=company_id,
        contact_id=contact_id,
        calendar_event_id=event.id if event is not None else None,
    )
    try:
        async with session.begin_nested():
            session.add(meeting)
            await session.flush()
    except IntegrityError:  # a concurrent delivery of the same bot created it first
        again = await find_meeting(session, source=info.source, bot_id=info.bot_id)
        if again is None:
            raise
        if _raise_status(again, status):
            session.add(again)
            await session.flush()
        return again, False
    assert meeting.id is not None
    users_by_name = {u.name.lower(): u for u in org_users.values() if u.name}
    for p in people:
        user = org_users.get(p.email) if p.email else users_by_name.get((p.name or "").lower())
        contact = None
        if user is None and p.email:
            contact = (
                await session.exec(
                    select(Contact).where(
                        Contact.org_id == rep.org_id, func.lower(Contact.email) == p.email
                    )
                )
            ).first()
        session.add(
            MeetingAttendee(
                meeting_id=meeting.id,
                name=p.name or (user.name if user else contact.name if contact else None),
                email=p.email,
                role="rep" if user is rep else "internal" if user is not None else "prospect",
                user_id=user.id if user else None,
                contact_id=contact.id if contact else None,
            )
        )
    await session.flush()
    log.info(
        "recorded meeting stored",
        extra={
            "meeting_id": meeting.id,
            "source": info.source,
            "status": status,
            "deal_id": deal_id,
            "attendees": len(people),
        },
    )
    return meeting, True


async def mark_failed(session: AsyncSession, *, meeting: Meeting) -> Meeting:
    """Mark a meeting as not recorded (never downgrades one that was recorded)."""
    if _raise_status(meeting, FAILED):
        session.add(meeting)
        await session.flush()
    return meeting


# --------------------------------------------------------------------------- transcripts


async def get_transcript(session: AsyncSession, *, meeting_id: int) -> Transcript | None:
    rows = await session.exec(select(Transcript).where(Transcript.meeting_id == meeting_id))
    return rows.first()


@dataclass(frozen=True)
class AttributionCandidates:
    """Who may be speaking on a call: the org's users, the meeting's attendees, and contacts of
    the meeting's company or named like a speaker (what `attribution_candidates` reads)."""

    users: list[User]
    attendees: list[MeetingAttendee]
    contacts: list[Contact]


async def attribution_candidates(
    session: AsyncSession, *, meeting: Meeting, speakers: list[str]
) -> AttributionCandidates:
    users = list((await session.exec(select(User).where(User.org_id == meeting.org_id))).all())
    attendees = await meeting_attendees(session, meeting_id=meeting.id or 0)
    contact_filters: list[ColumnElement[bool]] = []
    if meeting.company_id is not None:
        contact_filters.append(col(Contact.company_id) == meeting.company_id)
    names = [s.lower() for s in speakers]
    if names:
        contact_filters.append(func.lower(Contact.name).in_(names))
    contacts: list[Contact] = []
    if contact_filters:
        rows = await session.exec(
            select(Contact).where(Contact.org_id == meeting.org_id, or_(*contact_filters))
        )
        contacts = list(rows.all())
    return AttributionCandidates(users, attendees, contacts)


async def meeting_attendees(session: AsyncSession, *, meeting_id: int) -> list[MeetingAttendee]:
    rows = await session.exec(
        select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class NewAttendee:
    name: str
    email: str | None
    role: str


async def save_attribution(
    session: AsyncSession,
    *,
    meeting_id: int,
    speaker_map: dict[str, dict[str, Any]],
    new_attendees: Iterable[NewAttendee] = (),
) -> None:
    """Keep who spoke (`Transcript.speaker_map`, label -> {role, name, email, confidence}) and
    add the attendees the caller found among the speakers (the utterances are not read)."""
    await session.exec(
        update(Transcript)
        .where(col(Transcript.meeting_id) == meeting_id)
        .values(speaker_map=speaker_map)
    )
    for a in new_attendees:
        session.add(MeetingAttendee(meeting_id=meeting_id, name=a.name, email=a.email, role=a.role))
    await session.flush()


def speaker_roles(speaker_map: Mapping[str, Any] | None) -> dict[str, str]:
    """label -> role for the speakers a `speaker_map` attributes."""
    return {
        label: m["role"]
        for label, m in (speaker_map or {}).items()
        if isinstance(m, Mapping) and m.get("role")
    }


async def store_transcript(
    session: AsyncSession, *, meeting: Meeting, transcript: NormalisedTranscript
) -> Transcript:
    """Store the meeting's transcript once (later calls return the stored row) as the recorder
    gave it; marks the meeting recorded. Who spoke is attributed later (`save_attribution`)."""
    assert meeting.id is not None
    existing = await get_transcript(session, meeting_id=meeting.id)
    if existing is not None:
        return existing
    row = Transcript(
        org_id=meeting.org_id,
        meeting_id=meeting.id,
        utterances=transcript.utterance_dicts(),
        speaker_map={},
        source=meeting.source,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # stored concurrently by a duplicate delivery
        again = await get_transcript(session, meeting_id=meeting.id)
        if again is None:
            raise
        return again
    if meeting.started_at is not None and meeting.ended_at is not None:
        span = timedelta(seconds=transcript.duration_s)
        if meeting.ended_at - meeting.started_at < span:
            meeting.started_at = meeting.ended_at - span
    _raise_status(meeting, RECORDED)
    session.add(meeting)
    await session.flush()
    log.info(
        "transcript stored",
        extra={
            "meeting_id": meeting.id,
            "transcript_id": row.id,
            "utterances": len(row.utterances),
            "speakers": len(transcript.speakers),
        },
    )
    return row


@dataclass(frozen=True)
class CallRows:
    """What a post-call step reads about one meeting (its transcript's utterances apart)."""

    meeting: Meeting
    rep: User
    prefs: UserPreferences | None
    attendees: list[MeetingAttendee]
    deal: Deal | None
    company: Company | None
    contact: Contact | None
    transcript_id: int | None
    transcript_created_at: datetime | None
    speaker_map: dict[str, Any]


async def call_rows(session: AsyncSession, *, meeting_id: int) -> CallRows:
    """The meeting with its rep, attendees, CRM links and transcript reference. Raises
    LookupError when the meeting or its rep is missing."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.user_id is None:
        raise LookupError(f"meeting {meeting_id} not found")
    rep = await session.get(User, meeting.user_id)
    if rep is None:
        raise LookupError(f"meeting {meeting_id} has no rep")
    prefs = await session.get(UserPreferences, rep.id)
    attendees = await meeting_attendees(session, meeting_id=meeting_id)
    stored = (
        await session.exec(
            select(Transcript.id, Transcript.created_at, Transcript.speaker_map).where(
                Transcript.meeting_id == meeting_id
            )
        )
    ).first()
    deal = await session.get(Deal, meeting.deal_id) if meeting.deal_id else None
    company = await session.get(Company, meeting.company_id) if meeting.company_id else None
    contact = await session.get(Contact, meeting.contact_id) if meeting.contact_id else None
    return CallRows(
        meeting, rep, prefs, attendees, deal, company, contact,
        stored[0] if stored else None, stored[1] if stored else None,
        dict(stored[2] or {}) if stored else {},
    )  # fmt: skip


async def utterances_json(session: AsyncSession, *, transcript_id: int) -> Any:
    """A transcript's utterances as the stored JSON text (decoded by the caller, off the loop
    when it is long)."""
    rows = await session.exec(
        select(type_coerce(Transcript.utterances, Text)).where(Transcript.id == transcript_id)
    )
    return rows.first()


async def transcript_document(session: AsyncSession, *, meeting_id: int) -> dict[str, Any] | None:
    """The meeting's transcript in the DESIGN.md section 7 shape (what `sixty intents` reads and
    `skills.transcript_types.parse_transcript` validates), or None when none is stored."""
    meeting = await session.get(Meeting, meeting_id)
    row = await get_transcript(session, meeting_id=meeting_id)
    if meeting is None or row is None:
        return None
    rep = await session.get(User, meeting.user_id) if meeting.user_id else None
    attendees = (
        await session.exec(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id))
    ).all()
    started = meeting.started_at or meeting.created_at
    return {
        "meeting_id": str(meeting.id),
        "title": meeting.title,
        "started_at": started.isoformat(),
        "rep": {"name": rep.name if rep else None, "email": rep.email if rep else None},
        "attendees": [
            {"name": a.name, "email": a.email}
            for a in attendees
            if a.role != "rep" and (a.name or a.email)
        ],
        "utterances": _with_roles(row.utterances, speaker_roles(row.speaker_map)),
    }


def _with_roles(utterances: list[dict[str, Any]], roles: dict[str, str]) -> list[dict[str, Any]]:
    """Stored utterances with the attributed role of each speaker (a recorder's own role kept
    for speakers nobody attributed)."""
    if not roles:
        return utterances
    return [
        {**u, "role": roles[u["speaker"]]} if u.get("speaker") in roles else u for u in utterances
    ]


async def meeting_titles(session: AsyncSession, *, meeting_ids: Sequence[int]) -> dict[int, str]:
    """id -> title ("a call" when untitled) of the given meetings, in one query."""
    if not meeting_ids:
        return {}
    rows = await session.exec(
        select(Meeting.id, Meeting.title).where(col(Meeting.id).in_(list(meeting_ids)))
    )
    return {int(i): (t or "a call") for i, t in rows.all() if i is not None}
