"""The typed meeting transcript of DESIGN.md section 7 and its validating parser.

`parse_transcript(data)` turns the decoded JSON of `sixty intents FILE.json` (or the
normaliser's output) into a `Transcript`, raising `ValueError` with one clear sentence
naming the first bad field. Times are timezone-aware; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Role = Literal["rep", "prospect", "internal"]
ROLES: tuple[str, ...] = ("rep", "prospect", "internal")


@dataclass(frozen=True)
class Participant:
    """A named person on the call (the rep or an attendee)."""

    name: str | None
    email: str | None


@dataclass(frozen=True)
class Utterance:
    """One speaker turn; `role` is set when the recorder or normaliser already knows it."""

    speaker: str
    start: float
    end: float
    text: str
    role: Role | None = None


@dataclass(frozen=True)
class Transcript:
    meeting_id: str
    title: str
    started_at: datetime
    rep: Participant
    attendees: tuple[Participant, ...]
    utterances: tuple[Utterance, ...]


def _expect_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _expect_str(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    if key not in obj or obj[key] is None:
        if optional:
            return None
        raise ValueError(f"{where}.{key} is missing")
    value = obj[key]
    if not isinstance(value, str):
        raise ValueError(f"{where}.{key} must be a string, got {type(value).__name__}")
    return value


def _expect_number(obj: Mapping[str, Any], key: str, where: str) -> float:
    if key not in obj:
        raise ValueError(f"{where}.{key} is missing")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}.{key} must be a number of seconds")
    if value != value or value < 0:  # NaN or negative
        raise ValueError(f"{where}.{key} must be a non-negative number of seconds")
    return float(value)


def _parse_participant(value: Any, where: str) -> Participant:
    obj = _expect_mapping(value, where)
    name = _expect_str(obj, "name", where, optional=True)
    email = _expect_str(obj, "email", where, optional=True)
    if not (name or email):
        raise ValueError(f"{where} needs a name or an email")
    return Participant(name=name, email=email)


def parse_started_at(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("started_at must be an ISO 8601 string with a timezone")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"started_at is not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("started_at must carry a timezone (e.g. 2026-11-18T15:00:00Z)")
    return parsed


def _parse_utterance(value: Any, index: int) -> Utterance:
    where = f"utterances[{index}]"
    obj = _expect_mapping(value, where)
    speaker = _expect_str(obj, "speaker", where)
    text = _expect_str(obj, "text", where)
    start = _expect_number(obj, "start", where)
    end = _expect_number(obj, "end", where)
    if end < start:
        raise ValueError(f"{where}.end is before its start")
    role = obj.get("role")
    if role is not None and role not in ROLES:
        raise ValueError(f"{where}.role must be one of {', '.join(ROLES)}")
    return Utterance(speaker=speaker, start=start, end=end, text=text, role=role)


def parse_transcript(data: Any) -> Transcript:
    """Validate decoded JSON into a `Transcript`; `ValueError` names the first bad field."""
    obj = _expect_mapping(data, "transcript")
    meeting_id = obj.get("meeting_id")
    if isinstance(meeting_id, int) and not isinstance(meeting_id, bool):
        meeting_id = str(meeting_id)
    if not isinstance(meeting_id, str) or not meeting_id:
        raise ValueError("transcript.meeting_id must be a non-empty string")
    title = _expect_str(obj, "title", "transcript", optional=True) or ""
    if "started_at" not in obj:
        raise ValueError("transcript.started_at is missing")
    started_at = parse_started_at(obj["started_at"])
    if "rep" not in obj:
        raise ValueError("transcript.rep is missing")
    rep = _parse_participant(obj["rep"], "rep")
    raw_attendees = obj.get("attendees", [])
    if not isinstance(raw_attendees, list):
        raise ValueError("transcript.attendees must be a list")
    attendees = tuple(_parse_participant(a, f"attendees[{i}]") for i, a in enumerate(raw_attendees))
    raw_utterances = obj.get("utterances")
    if not isinstance(raw_utterances, list):
        raise ValueError("transcript.utterances must be a list")
    utterances = tuple(_parse_utterance(u, i) for i, u in enumerate(raw_utterances))
    return Transcript(
        meeting_id=meeting_id,
        title=title,
        started_at=started_at,
        rep=rep,
        attendees=attendees,
        utterances=utterances,
    )
