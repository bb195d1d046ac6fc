"""Suggested next actions after a call, from its detected intents (best effort, pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class IntentLike(Protocol):
    label: str
    phrase: str
    speaker: str


@dataclass(frozen=True)
class NextAction:
    text: str
    label: str
    follow_up_event: str | None = None  # the event type that does the work, when there is one


_SUGGESTIONS: dict[str, tuple[str, str | None]] = {
    "commitment:send_proposal": ("Prepare the proposal you promised", "proposal_generation"),
    "commitment:schedule_meeting": ("Book the next meeting", "calendar_find_times"),
    "request:send_content": ("Send the content they asked for", "content_retrieval"),
    "commitment:prospect_followup": (
        "Expect their answer; I'll remind you if it doesn't come",
        None,
    ),
    "signal:multi_stakeholder": ("Map the other decision makers on the deal", None),
    "signal:competitive": ("Prepare a comparison against the competitor they named", None),
    "signal:buying_negative": ("Address the concern they raised before the next step", None),
    "signal:timeline": ("Work back from their timeline to a close plan", None),
}


def suggest_next_actions(intents: Sequence[IntentLike]) -> list[NextAction]:
    out: list[NextAction] = []
    seen: set[str] = set()
    for i in intents:
        if i.label in seen or i.label not in _SUGGESTIONS:
            continue
        seen.add(i.label)
        text, event = _SUGGESTIONS[i.label]
        out.append(NextAction(text=f"{text} (“{i.phrase}”)", label=i.label, follow_up_event=event))
    return out
