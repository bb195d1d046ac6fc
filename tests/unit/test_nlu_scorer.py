"""The learned scorers: the plain-Python evaluation of the shipped weights, and that the shipped
weights match the pattern data on disk (retrain with `make train-nlu` after a pattern change)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.nlu.fingerprint import patterns_fingerprint
from skills.nlu.scorer import (
    BinaryModel,
    load_intent_models,
)
from skills.vocabulary import INTENT_LABELS


def test_binary_model_is_the_logistic_of_the_summed_weights() -> None:
    model = BinaryModel(bias=-1.0, weights={"a": 2.0, "b": 0.5})
    assert model.probability([]) == pytest.approx(1 / (1 + math.e))
    assert model.probability(["a", "b"]) == pytest.approx(1 / (1 + math.exp(-1.5)))
    # a feature the model never saw moves nothing
    assert model.probability(["a", "unseen"]) == model.probability(["a"])


@given(st.floats(-50, 50), st.lists(st.floats(-20, 20), max_size=5))
def test_binary_model_stays_a_probability(bias: float, weights: list[float]) -> None:
    model = BinaryModel(bias, {f"f{k}": w for k, w in enumerate(weights)})
    p = model.probability([f"f{k}" for k in range(len(weights))])
    assert 0.0 <= p <= 1.0


def test_shipped_intent_weights_cover_every_label() -> None:
    models = load_intent_models()
    assert set(models.by_label) == set(INTENT_LABELS)


def test_shipped_weights_were_trained_on_the_patterns_on_disk() -> None:
    """Fails when a pattern file, a mode's readings or a lexicon changed without `make train-nlu`."""
    weights = Path("skills/nlu/weights")
    for name, prefix in (("intents.json", "intent"), ("emails.json", "email")):
        data = json.loads((weights / name).read_text())
        assert data["fingerprint"] == patterns_fingerprint(prefix), (
            f"{name} is stale: run `make train-nlu`"
        )
