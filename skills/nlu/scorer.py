"""Learned scorers shipped as JSON weights, evaluated in plain Python.

`make train-nlu` fits logistic regressions offline (scikit-learn and scipy, dev-only) on the
labelled calls and emails and writes `skills/nlu/weights/*.json`. At run time a detection's
features (its frame's prior, its mode and readings, see `skills.nlu.intent_readings`) are looked
up in those weights: one model per intent label, and one for whether the email classifier's
category is right (`skills.nlu.email_features`). No numpy, no randomness: the same features
always give the same probability.

A weights file records a fingerprint of the pattern files it was trained on; a test fails
when the patterns change and the weights were not retrained (`skills.nlu.fingerprint`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

WEIGHTS_DIR = Path(__file__).parent / "weights"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class BinaryModel:
    """P(label is right | features) = sigmoid(bias + sum of the active features' weights)."""

    bias: float
    weights: Mapping[str, float]

    def probability(self, features: Iterable[str]) -> float:
        z = self.bias
        w = self.weights
        for f in features:
            z += w.get(f, 0.0)
        return _sigmoid(z)

    def probability_of(self, values: Mapping[str, float]) -> float:
        """The same, for features with values (a score, a margin) rather than present/absent."""
        z = self.bias
        w = self.weights
        for f, v in values.items():
            z += w.get(f, 0.0) * v
        return _sigmoid(z)


@dataclass(frozen=True)
class IntentModels:
    """The per-label binary models of the call-intent detector."""

    by_label: Mapping[str, BinaryModel]
    fingerprint: str
    meta: Mapping[str, Any]

    def probability(self, label: str, features: Iterable[str]) -> float:
        return self.by_label[label].probability(features)

    def probability_of(self, label: str, values: Mapping[str, float]) -> float:
        return self.by_label[label].probability_of(values)


def load_intent_models(path: Path | None = None) -> IntentModels:
    data = json.loads((path or WEIGHTS_DIR / "intents.json").read_text())
    models = {
        label: BinaryModel(float(m["bias"]), dict(m["weights"]))
        for label, m in data["labels"].items()
    }
    return IntentModels(models, data["fingerprint"], data.get("meta", {}))


def load_email_model(path: Path | None = None) -> tuple[BinaryModel, str, Mapping[str, Any]]:
    """The email classifier's confidence model: P(the chosen category is right)."""
    data = json.loads((path or WEIGHTS_DIR / "emails.json").read_text())
    model = BinaryModel(float(data["bias"]), dict(data["weights"]))
    return model, data["fingerprint"], data.get("meta", {})


@cache
def intent_models() -> IntentModels:
    """The shipped intent weights, read once."""
    return load_intent_models()


@cache
def email_model() -> BinaryModel:
    """The shipped email weights, read once."""
    return load_email_model()[0]
