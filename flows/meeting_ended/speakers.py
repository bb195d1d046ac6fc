"""Who spoke on the call: each speaker label attributed to the rep, a colleague or a prospect
(`skills.speakers`, pure) and kept with the transcript (`storage.meetings.save_attribution`).

Candidates are the org's users (the meeting's rep as `rep`), the meeting's attendees and the
contacts of the meeting's company or named like a speaker. A prospect heard on the call who was
not on the invite becomes an attendee.
"""

from __future__ import annotations

from typing import Any

from skills.speakers import Person, attribute_speakers
from skills.transcript import UNKNOWN_SPEAKER
from storage import meetings
from storage.engine import Database
from storage.models import Meeting


def candidates(meeting: Meeting, found: meetings.AttributionCandidates) -> list[Person]:
    """The people who may be speaking, each once (by email, then by name)."""
    people = [
        Person(u.name, u.email, "rep" if u.id == meeting.user_id else "internal")
        for u in found.users
    ]
    emails = {p.email for p in people if p.email}
    names = {p.name.lower() for p in people if p.name}
    for a in found.attendees:
        if a.user_id is not None or (a.email and a.email in emails):
            continue
        if a.name and a.name.lower() in names:
            continue
        people.append(Person(a.name, a.email, "prospect"))
        names.add((a.name or "").lower())
    lowered = {p.email.lower() for p in people if p.email}
    for c in found.contacts:
        if (c.email and c.email.lower() in lowered) or c.name.lower() in names:
            continue
        people.append(Person(c.name, c.email, "prospect"))
    return people


def speaker_map(speakers: list[str], people: list[Person]) -> dict[str, dict[str, Any]]:
    """label -> {role, name, email, confidence}; role None when nobody matches surely."""
    out: dict[str, dict[str, Any]] = {}
    for label, att in attribute_speakers(speakers, people).items():
        person = att.person
        out[label] = {
            "role": att.role,
            "name": person.name if person else None,
            "email": person.email if person else None,
            "confidence": att.confidence,
        }
    return out


def heard_attendees(
    mapping: dict[str, dict[str, Any]], known: set[str]
) -> list[meetings.NewAttendee]:
    """Speakers who are not attendees yet (the rep and the unknown speaker apart)."""
    out: list[meetings.NewAttendee] = []
    for label, m in mapping.items():
        name = (m["name"] or label).lower()
        if label == UNKNOWN_SPEAKER or m["role"] == "rep":
            continue
        if name not in known and label.lower() not in known:
            out.append(
                meetings.NewAttendee(m["name"] or label, m["email"], m["role"] or "prospect")
            )
            known.add(name)
    return out


async def attribute_meeting(
    db: Database, meeting_id: int, speakers: list[str]
) -> dict[str, dict[str, Any]]:
    """Attribute the speakers of the meeting's stored transcript and keep the result."""
    async with db.transaction() as s:
        meeting = await meetings.get_meeting(s, meeting_id=meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        found = await meetings.attribution_candidates(s, meeting=meeting, speakers=speakers)
        mapping = speaker_map(speakers, candidates(meeting, found))
        known = {(a.name or "").lower() for a in found.attendees}
        await meetings.save_attribution(s, meeting_id=meeting_id, speaker_map=mapping,
                                        new_attendees=heard_attendees(mapping, known))  # fmt: skip
    return mapping
