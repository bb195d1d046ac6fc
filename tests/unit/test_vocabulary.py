"""One vocabulary: the language-model schemas and the offline engine use the same labels."""

from __future__ import annotations

from typing import Any

from connectors.llm_schemas import EmailClassification, IntentsAnswer, strict_json_schema
from skills import email_classify
from skills.nlu import intent_patterns
from skills.vocabulary import EMAIL_CATEGORIES, INTENT_LABELS


def enums(schema: Any) -> list[list[str]]:
    """Every `enum` list in a JSON schema."""
    if isinstance(schema, dict):
        found = [schema["enum"]] if "enum" in schema else []
        return found + [e for v in schema.values() for e in enums(v)]
    if isinstance(schema, list):
        return [e for v in schema for e in enums(v)]
    return []


def test_the_model_is_asked_for_exactly_the_vocabulary() -> None:
    assert sorted(INTENT_LABELS) in [sorted(e) for e in enums(strict_json_schema(IntentsAnswer))]
    assert sorted(EMAIL_CATEGORIES) in [
        sorted(e) for e in enums(strict_json_schema(EmailClassification))
    ]


def test_the_offline_engine_speaks_the_same_vocabulary() -> None:
    assert intent_patterns.LABELS == INTENT_LABELS
    assert email_classify.CATEGORIES == EMAIL_CATEGORIES
    assert set(email_classify.PRECEDENCE) == set(EMAIL_CATEGORIES)
    assert len(set(INTENT_LABELS)) == 9 and len(set(EMAIL_CATEGORIES)) == 9
