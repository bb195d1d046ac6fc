"""Pydantic answer models for every language-model call, and their strict JSON schemas.

Each model is what one prompt (`connectors.llm_prompts`) asks the model to return; the
answer is validated against it before anything downstream sees it. `strict_json_schema`
turns a model into the form OpenAI-style structured outputs accept with `strict: true`
(every property required, optional ones nullable, no extra keys, no string-length or
default keywords; those stay enforced by pydantic when the answer is validated).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from skills.vocabulary import EmailCategory, IntentLabel

Speaker = Literal["rep", "prospect"]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Intent(_Answer):
    label: IntentLabel
    utterance: int = Field(ge=0, description="Index of the utterance in the transcript")
    speaker: Speaker
    phrase: str = Field(min_length=1, description="The exact words that carry the intent")
    confidence: float = Field(ge=0.0, le=1.0)
    deadline: date | None = Field(
        default=None, description="ISO date the intent is due by, if one was stated"
    )


class IntentsAnswer(_Answer):
    intents: list[Intent]


class ActionItem(_Answer):
    owner: Speaker | None = Field(description="Who owes it; null when it is not clear")
    description: str = Field(min_length=1)
    deadline: date | None = Field(default=None, description="ISO date, if one was stated")
    utterance: int = Field(ge=0, description="Index of the utterance it comes from")


class ActionItemsAnswer(_Answer):
    items: list[ActionItem]


class FollowUpDraft(_Answer):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)


class EmailClassification(_Answer):
    category: EmailCategory
    confidence: float = Field(ge=0.0, le=1.0)


class KeyMoment(_Answer):
    utterance: int = Field(ge=0, description="Index of the utterance the moment is anchored on")
    summary: str = Field(min_length=1)


class MeetingSummary(_Answer):
    key_moments: list[KeyMoment]
    next_steps: list[str]


class ProseCitation(_Answer):
    utterance: int = Field(ge=0, description="Index of the utterance the quote is from")
    quote: str = Field(min_length=1, description="Words copied verbatim from that utterance")


class ProseSection(_Answer):
    key: str = Field(min_length=1, description="One of the section keys asked for")
    text: str = Field(min_length=1)
    citations: list[ProseCitation]


class ProposalProse(_Answer):
    """The prose of a proposal's slot sections (summary, requirements, roi, next_steps)."""

    sections: list[ProseSection]


class TypedQuestion(_Answer):
    utterance: int = Field(ge=0, description="Index of the rep's utterance holding the question")
    text: str = Field(min_length=1, description="The question, copied verbatim from it")
    kind: Literal["open", "closed"] = Field(
        description="closed: answerable with yes/no or one fact (a number, name, date, choice)"
    )
    discovery: bool = Field(
        description="About the prospect's situation, process, pain, goals, decision, budget or "
        "timeline (not logistics or small talk)"
    )


class TypedObjection(_Answer):
    utterance: int = Field(ge=0, description="Index of the prospect's utterance")
    type: Literal["price", "timing", "competitor", "authority", "need", "trust"]
    text: str = Field(min_length=1, description="The objection, copied verbatim from it")


class CoachingTyping(_Answer):
    """The rep's questions and the prospect's objections in a call, typed."""

    questions: list[TypedQuestion]
    objections: list[TypedObjection]


_UNSUPPORTED_IN_STRICT = ("default", "minLength", "maxLength")


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model.model_json_schema()` made acceptable to `strict: true` structured outputs."""
    schema = copy.deepcopy(model.model_json_schema())

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            # Keywords strict mode may refuse; pydantic still enforces them on the answer.
            for keyword in _UNSUPPORTED_IN_STRICT:
                if not isinstance(node.get(keyword), dict):
                    node.pop(keyword, None)
            if node.get("type") == "object" and "properties" in node:
                node["required"] = list(node["properties"])
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema
