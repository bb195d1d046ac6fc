"""Action items from a meeting: who promised what, by when.

`extract_action_items(transcript, intents)` turns first-person commitments ("I'll send
the integration guide after the call", "we'll get you the redlines by the fifteenth") and
the commitment/request intents into `ActionItem`s with an owner ("rep" / "prospect"), a
description in the owner's imperative, and a deadline resolved against the meeting start.

Owner guard: the owner comes only from a speaker we are sure of (an explicit role, or a
confident name/email match). Merged, unknown or weakly matched speakers give `owner=None`
— the rep is asked, we never guess, because a wrong owner reverses who owes whom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from skills.deadlines import find_deadline
from skills.intents import Intent, SpeakerRole, speaker_roles
from skills.text_features import (
    clean,
    in_condition,
    leading_condition,
    negated_before,
    reply_kind,
    reported,
    sentences,
)
from skills.transcript_types import Transcript

Owner = Literal["rep", "prospect"]
OWNER_CERTAINTY = 0.85

_COMMIT = re.compile(
    r"\b(?:i'll|i will|i'm going to|i am going to|i'm gonna|we'll|we will|we're going to|"
    r"we are going to|let me|i can|i'd be happy to|i'm happy to)"
    r"(?:\s+(?:also|just|then|definitely|quickly|go ahead and|make sure to|first|now|"
    r"get to|try to))*\s+(?P<verb>[a-z][a-z'-]+)"
)
# Verbs after a commitment marker that are not an action someone can be held to.
_NOT_ACTIONS = {
    "be",
    "know",
    "think",
    "see",
    "say",
    "guess",
    "need",
    "have",
    "want",
    "probably",
    "maybe",
    "keep",
    "admit",
    "tell",
    "hear",
    "let",
    "just",
    "leave",
    "stop",
    "take",
    "love",
    "like",
    "never",
    "not",
    "also",
    "wait",
    "gauge",
    "read",
    "skim",
    "look",
    "mention",
    "try",
}
_TEMPLATES = {
    "commitment:send_proposal": "Send the proposal",
    "commitment:schedule_meeting": "Schedule the follow-up meeting",
    "request:send_content": "Send the requested content",
    "commitment:prospect_followup": "Get back to the rep",
}


@dataclass(frozen=True)
class ActionItem:
    owner: Owner | None
    description: str
    deadline: datetime | None
    utterance: int
    source_phrase: str
    label: str | None = None

    @property
    def needs_owner(self) -> bool:
        """True when the rep must be asked who owns this (the owner guard tripped)."""
        return self.owner is None


def _sure_side(sr: SpeakerRole) -> Owner | None:
    if sr.role is None or sr.certainty < OWNER_CERTAINTY:
        return None
    return "prospect" if sr.role == "prospect" else "rep"


def _other(side: Owner | None) -> Owner | None:
    if side is None:
        return None
    return "prospect" if side == "rep" else "rep"


def _imperative(clause: str, other_name: str | None) -> str:
    text = clause.strip().rstrip(".!?,;: ")
    if other_name:
        text = re.sub(r"\byour\b", f"{other_name}'s", text, flags=re.I)
        text = re.sub(r"\byou\b", other_name, text, flags=re.I)
    return text[:1].upper() + text[1:] if text else text


def _first_name(name: str | None) -> str | None:
    return name.split()[0] if name and name.split() else None


def _other_party_name(transcript: Transcript, side: Owner | None) -> str | None:
    if side == "prospect":
        return _first_name(transcript.rep.name)
    if side == "rep" and len(transcript.attendees) == 1:
        return _first_name(transcript.attendees[0].name)
    return None


def _commitments(transcript: Transcript, roles: list[SpeakerRole]) -> list[ActionItem]:
    items: list[ActionItem] = []
    utterances = transcript.utterances
    for i, u in enumerate(utterances):
        ct = clean(u.text)
        low = ct.low
        for sent in sentences(low):
            if sent.is_question:
                continue
            for m in _COMMIT.finditer(low, sent.start, sent.end):
                if m.group("verb") in _NOT_ACTIONS:
                    continue
                if negated_before(low, sent, m.start(), 25) or in_condition(low, sent, m.start()):
                    continue
                if leading_condition(low, sent) or reported(low, sent, m.start()):
                    continue
                if low[m.start() :].startswith(("i can", "let me")) and m.group("verb") in (
                    "check",
                    "ask",
                ):
                    continue
                reply = next(
                    (
                        clean(utterances[j].text).low
                        for j in range(i + 1, min(i + 3, len(utterances)))
                        if utterances[j].speaker != u.speaker
                    ),
                    "",
                )
                if reply_kind(reply) == "decline":
                    continue
                if low[m.start() :].startswith("i can") and reply_kind(reply) != "accept":
                    continue
                owner = _sure_side(roles[i])
                clause = ct.text[m.start("verb") : sent.end]
                found = find_deadline(ct.text[sent.start : sent.end], transcript.started_at)
                end = sent.end
                while end > m.start() and ct.text[end - 1] in " .!?,;":
                    end -= 1
                raw_start, raw_end = ct.raw_span(m.start(), end)
                items.append(
                    ActionItem(
                        owner=owner,
                        description=_imperative(
                            clause, _other_party_name(transcript, owner) if owner else None
                        ),
                        deadline=found.at_end_of_day(transcript.started_at) if found else None,
                        utterance=i,
                        source_phrase=u.text[raw_start:raw_end],
                    )
                )
    return items


def _from_intent(transcript: Transcript, intent: Intent, roles: list[SpeakerRole]) -> ActionItem:
    speaker_side = _sure_side(roles[intent.utterance])
    if intent.label == "request:send_content":
        # The prospect asked; the rep owes the content.
        owner = _other(speaker_side) if speaker_side == "prospect" else None
    elif intent.label == "commitment:prospect_followup":
        owner = "prospect" if speaker_side == "prospect" else None
    else:
        owner = speaker_side
    deadline = None
    if intent.deadline is not None:
        deadline = datetime.combine(
            intent.deadline,
            datetime.min.time().replace(hour=17),
            tzinfo=transcript.started_at.tzinfo,
        )
    return ActionItem(
        owner=owner,
        description=f"{_TEMPLATES[intent.label]}: {intent.phrase}",
        deadline=deadline,
        utterance=intent.utterance,
        source_phrase=intent.phrase,
        label=intent.label,
    )


def extract_action_items(transcript: Transcript, intents: list[Intent]) -> list[ActionItem]:
    """Action items sorted by utterance: commitment/request intents, then other promises."""
    roles = speaker_roles(transcript)
    items: list[ActionItem] = []
    covered: dict[int, list[str]] = {}
    for intent in intents:
        if intent.label in _TEMPLATES:
            items.append(_from_intent(transcript, intent, roles))
            covered.setdefault(intent.utterance, []).append(intent.phrase)
    for item in _commitments(transcript, roles):
        phrases = covered.get(item.utterance, [])
        if any(item.source_phrase in p or p in item.source_phrase for p in phrases):
            continue
        items.append(item)
    return sorted(items, key=lambda it: (it.utterance, it.label or "~"))
