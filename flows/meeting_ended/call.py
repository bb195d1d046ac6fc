"""What a post-call step reads about the call: `CallData`, loaded from storage by meeting id.

The transcript is read from storage in each step and never enters job state or logs. A stored
transcript never changes: its utterances are read and validated once per process (a long call's
are megabytes of JSON), keyed by database, id, creation time and the attributed roles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.context import StepContext
from orchestrator.offload import off_loop
from skills.transcript_types import Transcript as CallTranscript
from skills.transcript_types import parse_transcript
from storage import meetings
from storage.models import Company, Contact, Deal, Meeting, MeetingAttendee, User, UserPreferences


@dataclass
class CallData:
    """Everything a step needs about the call, read from storage (never kept in job state)."""

    meeting: Meeting
    rep: User
    prefs: UserPreferences | None
    attendees: list[MeetingAttendee]
    transcript: CallTranscript
    deal: Deal | None
    company: Company | None
    contact: Contact | None

    @property
    def prospects(self) -> list[MeetingAttendee]:
        return [a for a in self.attendees if a.role == "prospect"]

    @property
    def tz(self) -> str:
        return self.rep.timezone or "UTC"


async def load_call(ctx: StepContext, meeting_id: int) -> CallData:
    raw: Any = None
    async with ctx.db.session() as s:
        rows = await meetings.call_rows(s, meeting_id=meeting_id)
        if rows.transcript_id is None:
            raise LookupError(f"meeting {meeting_id} has no transcript")
        roles = meetings.speaker_roles(rows.speaker_map)
        key = (
            ctx.db.url,
            rows.transcript_id,
            rows.transcript_created_at,
            tuple(sorted(roles.items())),
        )
        utterances = _utterances.get(key)
        if utterances is None:
            # the JSON text as stored: decoded with the rest, off the loop when it is long
            raw = await meetings.utterances_json(s, transcript_id=rows.transcript_id)
    meeting, rep = rows.meeting, rows.rep
    started = meeting.started_at or meeting.created_at
    header = {
        "meeting_id": str(meeting.id),
        "title": meeting.title or "Meeting",
        "started_at": started.isoformat(),
        "rep": {"name": rep.name, "email": rep.email},
        "attendees": [
            {"name": a.name or "", "email": a.email} for a in rows.attendees if a.role != "rep"
        ],
    }
    if utterances is None:
        transcript = await off_loop(
            _parse_call, header, raw, roles, size=len(raw or ""), inline_max=64 * 1024
        )
        _utterances[key] = transcript.utterances
        while len(_utterances) > 2:
            _utterances.pop(next(iter(_utterances)))
    else:
        transcript = replace(parse_transcript({**header, "utterances": []}), utterances=utterances)
    return CallData(
        meeting, rep, rows.prefs, rows.attendees, transcript, rows.deal, rows.company, rows.contact
    )


async def unattributed_speakers(ctx: StepContext, meeting_id: int) -> list[str] | None:
    """The speaker labels of the call's transcript, in order of first words, when nobody has
    attributed them yet (else None). Read off the loop for a long call, and only the labels
    come back: the call itself is parsed once, with its roles, by `load_call`."""
    async with ctx.db.session() as s:
        rows = await meetings.call_rows(s, meeting_id=meeting_id)
        if rows.transcript_id is None:
            raise LookupError(f"meeting {meeting_id} has no transcript")
        if rows.speaker_map:
            return None
        raw = await meetings.utterances_json(s, transcript_id=rows.transcript_id)
    return await off_loop(_speakers, raw, size=len(raw or ""), inline_max=64 * 1024)


def _speakers(raw: Any) -> list[str]:
    utterances = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return list(
        dict.fromkeys(
            u["speaker"]
            for u in utterances
            if isinstance(u, dict) and isinstance(u.get("speaker"), str)
        )
    )


def _parse_call(header: dict[str, Any], raw: Any, roles: dict[str, str]) -> CallTranscript:
    utterances = json.loads(raw) if isinstance(raw, str | bytes) else raw
    if roles:  # who was attributed: their role; a recorder's own role kept for the others
        utterances = [{**u, "role": roles[u.get("speaker")]} if u.get("speaker") in roles else u
                      for u in utterances]  # fmt: skip
    return parse_transcript({**header, "utterances": utterances})


_utterances: dict[tuple[Any, ...], tuple[Any, ...]] = {}


# ---------------------------------------------------------------------------------- labels


def parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def prospect_label(call: CallData) -> str | None:
    names = [a.name for a in call.prospects if a.name]
    company = call.company.name if call.company else None
    if names and company:
        return f"{names[0]} ({company})"
    return names[0] if names else company


def when(call: CallData) -> str:
    local = call.transcript.started_at.astimezone(ZoneInfo(call.tz))
    return local.strftime("%a %-d %b, %H:%M ") + (local.tzname() or "")


def owner_label(call: CallData, owner: str | None) -> str | None:
    if owner == "rep":
        return "You"
    if owner == "prospect":
        return prospect_label(call) or "Them"
    return None


def due_label(value: str | None, tz: str) -> str | None:
    dt = parse_dt(value)
    return dt.astimezone(ZoneInfo(tz)).strftime("%a %-d %b") if dt else None
