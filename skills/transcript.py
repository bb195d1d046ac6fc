"""Transcript normalisation: recorder payloads in, the DESIGN.md section 7 utterance list out.

Pure functions over JSON-like data; no I/O. Three recorder shapes and our own are read:

- MeetingBaaS v1 `complete` webhook, `data.transcript`: a list of speaker segments
  `{speaker, offset?, start_time?, end_time?, words: [{start, end, word}]}` (seconds). Older doc
  versions have only `speaker`, `offset`, `words`; the getting-started example omits `offset`
  (Meeting-BaaS/docs `content/docs/api/reference/webhooks/webhook_documentation.mdx`,
  `bot_webhook_documentation.mdx`). The v1 `GET /bots/meeting_data?bot_id=…` answer carries the
  same segments under `bot_data.transcripts` but its words are `{text, start_time, end_time}`
  (Meeting-Baas/meeting-mcp `src/types/index.ts` and its transcript tool), so both word forms
  are accepted here.
- MeetingBaaS v2 transcription artifact (the file behind `bot.completed` `data.transcription`):
  `{bot_id, provider, result: {utterances: [{speaker, text, start, end, words?, …}]}}`, speaker
  names are real names, utterances sorted chronologically (Meeting-BaaS/docs
  `content/docs/api-v2/artifacts.mdx`).
- Recall.ai transcript download (`transcript.data.download_url`): a list of
  `{participant: {id, name, is_host, platform, extra_data, email?}, words: [{text,
  start_timestamp: {relative, absolute}, end_timestamp: {relative, absolute}}]}`, `relative` in
  seconds from the start of the recording (https://docs.recall.ai/docs/download-urls). The first
  entry's speaker may be null when someone spoke before the bot joined
  (https://docs.recall.ai/docs/transcription-faq).
- A DESIGN-7 transcript (`utterances: [{speaker, start, end, text, role?}]`), for the CLI.

Consecutive pieces of one speaker separated by at most `MERGE_GAP_S` are merged into one
utterance. Everything except the speech itself is optional: missing times fall back to the
segment's or the previous utterance's, a missing speaker becomes `UNKNOWN_SPEAKER`. Input that
holds no speech at all, or is not the documented shape, raises `TranscriptError` with a reason
that never quotes transcript text; a field present with the wrong type (a time that is not a
number of seconds, a word that is not text) is such input, and the reason names the field
(`transcript[0].words[2].start is not a number of seconds`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

MERGE_GAP_S = 2.0
UNKNOWN_SPEAKER = "Unknown speaker"
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?;:%)])")
_SPACES = re.compile(r"\s+")


class TranscriptError(ValueError):
    """The payload cannot be read as a transcript; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Utterance:
    speaker: str
    start: float
    end: float
    text: str
    role: str | None = None  # "rep" | "prospect" | None (unsure)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.role is not None:
            out["role"] = self.role
        return out


@dataclass(frozen=True)
class Transcript:
    """Normalised speech: utterances in order, speakers in order of first appearance."""

    utterances: tuple[Utterance, ...]
    source: str

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(u.speaker for u in self.utterances))

    @property
    def duration_s(self) -> float:
        return max((u.end for u in self.utterances), default=0.0)

    def with_roles(self, roles: Mapping[str, str | None]) -> Transcript:
        """A copy whose utterances carry `roles[speaker]` (None leaves the role out)."""
        return replace(
            self,
            utterances=tuple(replace(u, role=roles.get(u.speaker)) for u in self.utterances),
        )

    def utterance_dicts(self) -> list[dict[str, Any]]:
        return [u.to_dict() for u in self.utterances]


# --------------------------------------------------------------------------- small readers


def _num(value: Any) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    if not math.isfinite(f) or f < 0:
        return None
    return round(f, 3)


def _first_num(*values: Any) -> float | None:
    for v in values:
        n = _num(v)
        if n is not None:
            return n
    return None


def _seconds(value: Any, where: str) -> float | None:
    """An optional time: None when absent or null, else a number of seconds >= 0 or an error
    naming the field (a time of the wrong type is bad input, not silence)."""
    if value is None:
        return None
    n = _num(value)
    if n is None:
        raise TranscriptError(f"{where} is not a number of seconds")
    return n


def _stamp(value: Any, where: str) -> float | None:
    """Recall's `{relative, absolute}` timestamp, or a bare number."""
    if isinstance(value, Mapping):
        return _seconds(value.get("relative"), f"{where}.relative")
    return _seconds(value, where)


def _text(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TranscriptError(f"{where} is not text")


def _speaker(value: Any) -> str:
    if isinstance(value, Mapping):  # Recall participant object
        value = value.get("name")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"Speaker {value}"
    if isinstance(value, str) and value.strip():
        return _SPACES.sub(" ", value.strip())
    return UNKNOWN_SPEAKER


def _join(tokens: Iterable[str]) -> str:
    text = " ".join(t.strip() for t in tokens if t and t.strip())
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return text.strip()


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise TranscriptError(f"{where} is not a list")
    return value


@dataclass
class _Piece:
    speaker: str
    start: float | None
    end: float | None
    text: str


def _words(
    words: Any, *, text_keys: tuple[str, str], where: str
) -> tuple[str, float | None, float | None]:
    """Join a word list; return (text, first word's start, last word's end), times optional.

    Each word is a string or `{word|text, start|start_time|start_timestamp, end|…}`; a field
    of the wrong type raises `TranscriptError` naming it (`…words[3].start`)."""
    if words is None:
        return "", None, None
    tokens: list[str] = []
    times: list[tuple[float | None, float | None]] = []
    for j, w in enumerate(_as_list(words, where)):
        here = f"{where}[{j}]"
        if isinstance(w, str):
            tokens.append(w)
            continue
        if not isinstance(w, Mapping):
            raise TranscriptError(f"{here} is not an object")
        texts = [_text(w.get(k), f"{here}.{k}") for k in text_keys]
        start = [_seconds(w.get(k), f"{here}.{k}") for k in ("start", "start_time")]
        end = [_seconds(w.get(k), f"{here}.{k}") for k in ("end", "end_time")]
        start.append(_stamp(w.get("start_timestamp"), f"{here}.start_timestamp"))
        end.append(_stamp(w.get("end_timestamp"), f"{here}.end_timestamp"))
        token = next((t for t in texts if t is not None), None)
        if token is None or not token.strip():
            continue
        tokens.append(token)
        times.append((_first_num(*start), _first_num(*end)))
    first = next((s for s, _ in times if s is not None), None)
    last = next(
        (e if e is not None else s for s, e in reversed(times) if (s, e) != (None, None)), None
    )
    return _join(tokens), first, last


def _finish(pieces: list[_Piece], source: str, merge_gap_s: float | None) -> Transcript:
    """Fill missing times, merge one speaker's consecutive pieces, drop empty ones."""
    out: list[Utterance] = []
    clock = 0.0
    for p in pieces:
        if not p.text:
            continue
        start = p.start if p.start is not None else clock
        end = p.end if p.end is not None else start
        end = max(end, start)
        clock = max(clock, end)
        prev = out[-1] if out else None
        if (
            merge_gap_s is not None
            and prev is not None
            and prev.speaker == p.speaker
            and start - prev.end <= merge_gap_s
        ):
            out[-1] = replace(prev, end=max(prev.end, end), text=f"{prev.text} {p.text}")
        else:
            out.append(Utterance(speaker=p.speaker, start=start, end=end, text=p.text))
    if not out:
        raise TranscriptError("the transcript holds no speech")
    return Transcript(utterances=tuple(out), source=source)


# --------------------------------------------------------------------------- public readers


def from_meetingbaas_v1(
    segments: Any, *, merge_gap_s: float = MERGE_GAP_S, where: str = "transcript"
) -> Transcript:
    """MeetingBaaS v1 speaker segments (`complete` webhook or `meeting_data` transcripts).

    `where` names the segments in error reasons (`data.transcript[2].words[0].start is not a
    number of seconds`)."""
    pieces: list[_Piece] = []
    for i, seg in enumerate(_as_list(segments, where)):
        here = f"{where}[{i}]"
        if not isinstance(seg, Mapping):
            raise TranscriptError(f"{here} is not an object")
        if "words" not in seg and "text" not in seg:
            raise TranscriptError(f"{here} has no words")
        text, ws, we = _words(seg.get("words"), text_keys=("word", "text"), where=f"{here}.words")
        seg_text = _text(seg.get("text"), f"{here}.text")
        if not text and seg_text is not None:
            text = _join([seg_text])
        start = _first_num(ws, _seconds(seg.get("start_time"), f"{here}.start_time"),
                           _seconds(seg.get("offset"), f"{here}.offset"))  # fmt: skip
        end = _first_num(we, _seconds(seg.get("end_time"), f"{here}.end_time"))
        pieces.append(_Piece(_speaker(seg.get("speaker")), start, end, text))
    return _finish(pieces, "meetingbaas", merge_gap_s)


def from_meetingbaas_v2(document: Any, *, merge_gap_s: float = MERGE_GAP_S) -> Transcript:
    """The MeetingBaaS v2 transcription artifact (`result.utterances`)."""
    if not isinstance(document, Mapping):
        raise TranscriptError("the transcription file is not an object")
    result = document.get("result")
    if not isinstance(result, Mapping):
        raise TranscriptError("the transcription file has no result")
    pieces: list[_Piece] = []
    for i, utt in enumerate(_as_list(result.get("utterances"), "result.utterances")):
        here = f"result.utterances[{i}]"
        if not isinstance(utt, Mapping):
            raise TranscriptError(f"{here} is not an object")
        utt_text = _text(utt.get("text"), f"{here}.text")
        text = _join([utt_text]) if utt_text is not None else ""
        start = _seconds(utt.get("start"), f"{here}.start")
        end = _seconds(utt.get("end"), f"{here}.end")
        ws = we = None
        if not text or start is None:
            wtext, ws, we = _words(utt.get("words"), text_keys=("word", "text"),
                                   where=f"{here}.words")  # fmt: skip
            text = text or wtext
        pieces.append(
            _Piece(_speaker(utt.get("speaker")), _first_num(start, ws), _first_num(end, we), text)
        )
    return _finish(pieces, "meetingbaas", merge_gap_s)


def from_recall(entries: Any, *, merge_gap_s: float = MERGE_GAP_S) -> Transcript:
    """A Recall.ai transcript download: `[{participant, words: [{text, start_timestamp, …}]}]`."""
    pieces: list[_Piece] = []
    for i, entry in enumerate(_as_list(entries, "transcript")):
        here = f"transcript[{i}]"
        if not isinstance(entry, Mapping):
            raise TranscriptError(f"{here} is not an object")
        if "words" not in entry:
            raise TranscriptError(f"{here} has no words")
        text, ws, we = _words(entry.get("words"), text_keys=("text", "word"), where=f"{here}.words")
        who = entry.get("participant", entry.get("speaker"))
        pieces.append(_Piece(_speaker(who), ws, we, text))
    return _finish(pieces, "recall", merge_gap_s)


def from_design7(document: Any, *, merge_gap_s: float | None = None) -> Transcript:
    """Our own shape (`utterances: [{speaker, start, end, text}]`); not merged by default."""
    if not isinstance(document, Mapping):
        raise TranscriptError("the transcript is not an object")
    pieces: list[_Piece] = []
    for i, utt in enumerate(_as_list(document.get("utterances"), "utterances")):
        here = f"utterances[{i}]"
        if not isinstance(utt, Mapping):
            raise TranscriptError(f"{here} is not an object")
        utt_text = _text(utt.get("text"), f"{here}.text")
        text = _join([utt_text]) if utt_text is not None else ""
        start, end = (
            _seconds(utt.get("start"), f"{here}.start"),
            _seconds(utt.get("end"), f"{here}.end"),
        )
        pieces.append(_Piece(_speaker(utt.get("speaker")), start, end, text))
    return _finish(pieces, "design7", merge_gap_s)


def to_meetingbaas_v1_segments(transcript: Transcript) -> list[dict[str, Any]]:
    """Render utterances as v1 `complete` segments, word times spread evenly (for simulations)."""
    segments: list[dict[str, Any]] = []
    for u in transcript.utterances:
        tokens = u.text.split()
        step = (u.end - u.start) / max(len(tokens), 1)
        words = [
            {
                "start": round(u.start + i * step, 3),
                "end": round(u.start + (i + 1) * step, 3),
                "word": tok,
            }
            for i, tok in enumerate(tokens)
        ]
        segments.append(
            {
                "speaker": u.speaker,
                "offset": u.start,
                "start_time": u.start,
                "end_time": u.end,
                "words": words,
            }
        )
    return segments


def meetingbaas_v1_body(doc: dict[str, Any], bot_id: str) -> dict[str, Any]:
    """A DESIGN-7 transcript as a MeetingBaaS v1 `complete` webhook body (for demos and tools).

    Raises `TranscriptError` when the transcript is unusable or has no rep email.
    """
    transcript = from_design7(doc)
    raw_rep = doc.get("rep")
    rep: dict[str, Any] = raw_rep if isinstance(raw_rep, dict) else {}
    if not isinstance(rep.get("email"), str) or "@" not in rep["email"]:
        raise TranscriptError("rep.email is needed so the app can find the rep")
    attendees = [
        {"name": a.get("name"), "email": a.get("email")}
        for a in doc.get("attendees") or []
        if isinstance(a, dict)
    ]
    extra: dict[str, Any] = {"user_email": rep["email"], "attendees": attendees}
    if isinstance(doc.get("title"), str):
        extra["title"] = doc["title"]
    return {
        "event": "complete",
        "data": {
            "bot_id": bot_id,
            "event_uuid": None,
            "speakers": transcript.speakers,
            "transcript": to_meetingbaas_v1_segments(transcript),
            "event": "complete",
            "extra": extra,
        },
    }
