"""The types intent detection passes around: a detected `Intent`, a `Candidate` reading of one
utterance before it is scored, and who spoke (`Speaker`, `SpeakerRole`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Speaker = Literal["rep", "prospect"]


@dataclass(frozen=True)
class Intent:
    label: str
    utterance: int
    speaker: Speaker
    phrase: str
    confidence: float
    event: str | None = None
    deadline: date | None = None
    speaker_label: str = field(default="", compare=False)
    # How it was read: "commit", "offer", "ask" (a question the reply accepted), "state", ...
    kind: str = field(default="state", compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "utterance": self.utterance,
            "speaker": self.speaker,
            "phrase": self.phrase,
            "confidence": round(self.confidence, 3),
        }
        if self.event:
            out["event"] = self.event
        if self.deadline:
            out["deadline"] = self.deadline.isoformat()
        return out


@dataclass(frozen=True)
class SpeakerRole:
    """Who spoke an utterance, as far as we know: the side and how sure we are."""

    role: Literal["rep", "prospect", "internal"] | None
    certainty: float


@dataclass(frozen=True)
class Candidate:
    """One reading of one utterance as one label, before it is scored."""

    intent: Intent  # confidence 0 until scored
    features: tuple[str, ...]
    prior: float  # the reviewer's prior for its frame or reply reading (patterns data)
    held: bool = False  # a reading too weak to show on its own: context for later turns only

    def values(self) -> dict[str, float]:
        """What the scorer weighs: each feature present, and the prior as log-odds."""
        out = dict.fromkeys(self.features, 1.0)
        out["prior"] = math.log(self.prior / (1 - self.prior))
        return out
