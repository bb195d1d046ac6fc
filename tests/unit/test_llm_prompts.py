"""Prompts render completely and literally; answer models accept the contract and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from connectors.llm_prompts import PROMPTS, PromptError, get_prompt, render_transcript
from connectors.llm_schemas import (
    ActionItemsAnswer,
    EmailClassification,
    IntentsAnswer,
    MeetingSummary,
    strict_json_schema,
)

VARIABLES = {
    "title": "Acme / Sixty discovery",
    "meeting_date": "2026-11-20",
    "transcript": "[0] rep (Sam): Hi",
    "rep_name": "Sam Rep",
    "prospect_name": "Dana Buyer",
    "company": "Acme",
    "key_moments": "- budget approved",
    "next_steps": "- proposal by Friday",
    "signature": "Sam",
    "subject": "Pricing?",
    "body": "Could you send pricing?",
    "keys": "summary, next_steps",
    "line_items": "- Pro: 10 x 1,200 USD per seat/year = 12,000 USD",
    "total": "12,000 USD",
    "case_study": "(none)",
    "feedback": "",
}


@pytest.mark.parametrize("name", sorted(PROMPTS))
def test_every_prompt_renders_without_placeholders(name: str) -> None:
    prompt = get_prompt(name)
    assert prompt.variables <= VARIABLES.keys()
    messages = prompt.render({k: VARIABLES[k] for k in prompt.variables})
    assert [m["role"] for m in messages] == ["system", "user"]
    for m in messages:
        assert "$" not in m["content"]
    assert prompt.version >= 1
    assert prompt.schema_name.replace("_", "").replace("-", "").isalnum()


def test_missing_variable_and_unknown_purpose_are_refused() -> None:
    with pytest.raises(PromptError, match="transcript"):
        get_prompt("intents").render({"title": "t", "meeting_date": "2026-11-20"})
    with pytest.raises(PromptError, match="no prompt"):
        get_prompt("haiku")


@given(st.text())
def test_variable_values_are_inserted_literally(value: str) -> None:
    messages = get_prompt("email_classification").render({"subject": "s", "body": value})
    assert messages[1]["content"].endswith(value)


@pytest.mark.parametrize("name", sorted(PROMPTS))
def test_schemas_are_strict_compatible(name: str) -> None:
    schema = strict_json_schema(get_prompt(name).answer)
    objects: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                objects.append(node)
            for keyword in ("default", "minLength", "maxLength"):  # a dict is a property
                assert isinstance(node.get(keyword, {}), dict)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    assert objects
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])


def test_intent_labels_are_the_nine_of_the_contract() -> None:
    schema = strict_json_schema(IntentsAnswer)
    labels = schema["$defs"]["Intent"]["properties"]["label"]["enum"]
    assert len(labels) == 9 and "commitment:prospect_followup" in labels
    good = {
        "label": "signal:timeline",
        "utterance": 3,
        "speaker": "prospect",
        "phrase": "live by March",
        "confidence": 0.9,
        "deadline": "2027-03-01",
    }
    assert IntentsAnswer.model_validate({"intents": [good]}).intents[0].deadline.month == 3
    for bad in (
        {**good, "label": "signal:weather"},
        {**good, "speaker": "bot"},
        {**good, "confidence": 1.5},
        {**good, "utterance": -1},
        {**good, "deadline": "next Friday"},
        {**good, "extra": 1},
    ):
        with pytest.raises(ValidationError):
            IntentsAnswer.model_validate({"intents": [bad]})


def test_other_answers_validate() -> None:
    items = ActionItemsAnswer.model_validate(
        {"items": [{"owner": None, "description": "Send deck", "deadline": None, "utterance": 2}]}
    )
    assert items.items[0].owner is None
    with pytest.raises(ValidationError):
        EmailClassification.model_validate({"category": "spam", "confidence": 0.5})
    summary = MeetingSummary.model_validate(
        {"key_moments": [{"utterance": 0, "summary": "Budget approved"}], "next_steps": ["x"]}
    )
    assert summary.key_moments[0].utterance == 0


def test_render_transcript_numbers_lines_and_flattens_whitespace() -> None:
    text = render_transcript(
        [
            {"speaker": "Sam", "role": "rep", "text": "Hello\nthere"},
            {"speaker": "Dana", "text": "Hi"},
        ]
    )
    assert text.splitlines() == ["[0] rep (Sam): Hello there", "[1] unknown (Dana): Hi"]
