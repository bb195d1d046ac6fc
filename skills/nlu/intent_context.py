"""The call as intent detection reads it: who is on it (`known_people`), who spoke each
utterance (`speaker_roles`, `side_of`), and `CallContext`, the cleaned utterances with the
look-ups the readings share (the other party's reply, earlier turns, a word index)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from skills.nlu.intent_types import Speaker, SpeakerRole
from skills.speakers import Person, attribute_speakers
from skills.text_features import CleanText
from skills.transcript_types import Transcript

WORD = re.compile(r"\w+")


def _domain(email: str | None) -> str | None:
    if email and "@" in email:
        return email.rsplit("@", 1)[1].lower()
    return None


def known_people(transcript: Transcript) -> list[Person]:
    """The rep, the rep's colleagues (same email domain) and the prospects on the call."""
    rep = Person(transcript.rep.name, transcript.rep.email, "rep")
    rep_domain = _domain(transcript.rep.email)
    # A shared domain only marks colleagues when someone on the call has another domain
    # (otherwise everyone is on one domain and it tells us nothing).
    domains = {_domain(a.email) for a in transcript.attendees if a.email}
    if not domains - {rep_domain}:
        rep_domain = None
    people = [rep]
    for a in transcript.attendees:
        if a.email and transcript.rep.email and a.email.lower() == transcript.rep.email.lower():
            continue
        if a.name and transcript.rep.name and a.name == transcript.rep.name and not a.email:
            continue
        internal = rep_domain is not None and _domain(a.email) == rep_domain
        people.append(Person(a.name, a.email, "internal" if internal else "prospect"))
    return people


def speaker_roles(transcript: Transcript) -> list[SpeakerRole]:
    """Per utterance: the explicit role if given, else attribution by name and email."""
    labels = [u.speaker for u in transcript.utterances]
    attribution = attribute_speakers(list(dict.fromkeys(labels)), known_people(transcript))
    roles: list[SpeakerRole] = []
    for u in transcript.utterances:
        if u.role is not None:
            roles.append(SpeakerRole(u.role, 1.0))
            continue
        a = attribution[u.speaker]
        roles.append(SpeakerRole(a.role, a.confidence if a.role else 0.0))
    return roles


def side_of(role: str | None) -> Speaker | None:
    if role in ("rep", "internal"):
        return "rep"
    if role == "prospect":
        return "prospect"
    return None


def speaker_features(sr: SpeakerRole) -> tuple[str, ...]:
    """The scorer's features for how sure we are who spoke."""
    if sr.role is None:
        return ("speaker:unknown",)
    return ("speaker:unsure",) if sr.certainty < 0.8 else ()


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without its surrounding spaces, quotes, brackets and punctuation."""
    while start < end and text[start] in " \t\n\"'(":
        start += 1
    while end > start and text[end - 1] in " \t\n.,;:!?\"')":
        end -= 1
    return start, end


@dataclass
class CallContext:
    transcript: Transcript
    roles: list[SpeakerRole]
    cleaned: list[CleanText]
    lows: list[str]
    # word -> the utterances whose lower-case text has it (built on first use), and the
    # answers of `named_as_person` so far: one look per name, not per mention
    _word_index: dict[str, list[int]] | None = field(default=None, repr=False)
    _person_names: dict[str, bool] = field(default_factory=dict, repr=False)
    _people_words: set[str] | None = field(default=None, repr=False)

    def people_words(self) -> set[str]:
        """The words of the names of everyone on the call, lower case (computed once)."""
        if self._people_words is None:
            self._people_words = {
                w.lower() for p in known_people(self.transcript) if p.name for w in p.name.split()
            }
        return self._people_words

    def with_word(self, word: str) -> list[int]:
        """The utterances in which `word` is a whole word (\\w+ token) of the lower-case text."""
        if self._word_index is None:
            index: dict[str, list[int]] = {}
            for j, low in enumerate(self.lows):
                for w in set(WORD.findall(low)):
                    index.setdefault(w, []).append(j)
            self._word_index = index
        return self._word_index.get(word, [])

    def reply(self, i: int) -> str | None:
        """The other party's next words after utterance i (skipping the speaker's own)."""
        me = self.transcript.utterances[i].speaker
        my_side = side_of(self.roles[i].role)
        for j in range(i + 1, min(i + 4, len(self.lows))):
            other = self.transcript.utterances[j].speaker
            side = side_of(self.roles[j].role)
            if other != me and (my_side is None or side is None or side != my_side):
                return self.lows[j]
        return None

    def previous_other(self, i: int, back: int = 2) -> list[str]:
        me = self.transcript.utterances[i].speaker
        out = []
        for j in range(i - 1, max(-1, i - 1 - back), -1):
            if self.transcript.utterances[j].speaker != me:
                out.append(self.lows[j])
        return out
