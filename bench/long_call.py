"""A long sales call for benchmarks and load tests: `long_call(n)` returns the JSON of a
transcript (the `sixty intents` form) with `n` utterances, made by cycling through the
held-out transcripts in `bench/fresh_eval/` (real sales talk: vendors, stakeholders, dates,
offers and replies), with the speakers mapped onto one rep and two prospects and the times
running on. Every seventh turn a prospect names another vendor under a new made-up name
("We're also looking at Vorlaxo alongside you."), the case that once made intent detection
quadratic. Deterministic; no I/O beyond reading those files once.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_SOURCES = sorted((Path(__file__).parent / "fresh_eval").glob("intents_*.jsonl"))
REP = {"name": "Jordan Ellis", "email": "jordan.ellis@sixty-demo.example"}
PROSPECTS = [
    {"name": "Mick Halloran", "email": "mick.halloran@kestrelfreight.example"},
    {"name": "Tash Nguyen", "email": "tash.nguyen@kestrelfreight.example"},
]


@cache
def _turns() -> tuple[tuple[int, str, float], ...]:
    """(who, text, duration): who is -1 for the rep, else the prospect index."""
    out: list[tuple[int, str, float]] = []
    for path in _SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            t = json.loads(line)["transcript"]
            rep = t["rep"]["name"]
            others = [a["name"] for a in t.get("attendees", []) if a.get("name") != rep]
            for u in t["utterances"]:
                speaker = u["speaker"]
                who = (
                    -1
                    if speaker == rep or u.get("role") == "rep"
                    else (others.index(speaker) % len(PROSPECTS) if speaker in others else 0)
                )
                out.append((who, u["text"], max(0.5, float(u["end"]) - float(u["start"]))))
    return tuple(out)


_SYLLABLES = (
    "vor",
    "la",
    "xo",
    "qui",
    "lo",
    "zen",
    "tri",
    "ka",
    "mo",
    "dex",
    "ply",
    "nu",
    "sta",
    "rio",
)
_VENDOR_LINES = (
    "We're also looking at {name} alongside you.",
    "To be fair we've been talking to {name} too.",
    "Honestly we're also evaluating {name} at the moment.",
)


def _vendor(k: int) -> str:
    """A made-up product name, different for every k."""
    parts = []
    while True:
        k, r = divmod(k, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
        if k == 0:
            break
    return ("".join(parts) + "io").capitalize()


def long_call(n: int, meeting_id: str = "long-call") -> dict[str, Any]:
    turns = _turns()
    utterances = []
    clock = 0.0
    for k in range(n):
        who, text, duration = turns[k % len(turns)]
        if k % 7 == 3:
            who, duration = k % 2, 3.0
            text = _VENDOR_LINES[k % len(_VENDOR_LINES)].format(name=_vendor(k // 7))
        speaker = REP["name"] if who < 0 else PROSPECTS[who]["name"]
        utterances.append(
            {
                "speaker": speaker,
                "start": round(clock, 2),
                "end": round(clock + duration, 2),
                "text": text,
            }
        )
        clock += duration + 0.4
    return {
        "meeting_id": meeting_id,
        "title": "Kestrel Freight quarterly review",
        "started_at": "2026-09-08T23:30:00Z",
        "rep": REP,
        "attendees": PROSPECTS,
        "utterances": utterances,
    }
