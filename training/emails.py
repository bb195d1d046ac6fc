"""Fit the email scorer: multinomial logistic regression over `skills.nlu.email_features`.

Every labelled email is read once (`skills.email_classify.read_email`); the regularisation is
chosen by cross-validation holding out whole sets (each written by someone else), and the
out-of-fold predictions give the accuracy and reliability table printed at the end. Removal
requests weigh `UNSUBSCRIBE_WEIGHT` times as much as other emails: missing one is a compliance
failure, reading a decline as one only ends a sequence early.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import LeaveOneGroupOut

from skills.email_classify import read_email
from skills.email_parse import parse_email
from skills.nlu.email_decision import Evidence
from skills.nlu.email_features import email_features
from skills.nlu.fingerprint import patterns_fingerprint
from skills.nlu.scorer import WEIGHTS_DIR, SoftmaxModel
from skills.vocabulary import EMAIL_CATEGORIES
from training.data import email_sets

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
UNSUBSCRIBE_WEIGHT = 3.0


@dataclass
class Example:
    group: str
    name: str
    evidence: Evidence
    gold: str


def examples(dirs: list[Path]) -> list[Example]:
    out = []
    for directory in dirs:
        labels: dict[str, str] = json.loads((directory / "labels.json").read_text())
        for name, gold in sorted(labels.items()):
            email = parse_email((directory / name).read_bytes())
            out.append(Example(directory.name, name, read_email(email).evidence, gold))
    return out


def _fit(x: Any, y: Any, w: Any, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y, sample_weight=w)
    return model


def to_model(vec: DictVectorizer, fitted: LogisticRegression) -> SoftmaxModel:
    names = [str(n) for n in vec.get_feature_names_out()]
    classes = [str(c) for c in fitted.classes_]
    weights = {
        c: {n: round(float(v), 4) for n, v in zip(names, row, strict=True) if abs(v) >= 1e-4}
        for c, row in zip(classes, fitted.coef_, strict=True)
    }
    bias = {c: round(float(b), 4) for c, b in zip(classes, fitted.intercept_, strict=True)}
    return SoftmaxModel(tuple(classes), bias, weights)


def fit(rows: list[Example], c: float | None = None) -> tuple[SoftmaxModel, float]:
    """The model fitted on `rows`, with C chosen by leave-one-set-out log loss unless given."""
    vec = DictVectorizer()
    x = vec.fit_transform([email_features(r.evidence) for r in rows])
    y = np.array([r.gold for r in rows])
    w = np.array([UNSUBSCRIBE_WEIGHT if g == "unsubscribe" else 1.0 for g in y])
    groups = [r.group for r in rows]
    if c is None:
        best = (float("inf"), C_GRID[0])
        for cand in C_GRID:
            probs = np.zeros((len(y), len(EMAIL_CATEGORIES)))
            for train, test in LeaveOneGroupOut().split(x, y, groups):
                m = _fit(x[train], y[train], w[train], cand)
                cols = [list(m.classes_).index(k) if k in m.classes_ else None for k in EMAIL_CATEGORIES]
                p = m.predict_proba(x[test])
                for j, col in enumerate(cols):
                    probs[test, j] = p[:, col] if col is not None else 1e-6
            loss = log_loss(y, probs / probs.sum(axis=1, keepdims=True), labels=list(EMAIL_CATEGORIES))
            best = min(best, (loss, cand))
        c = best[1]
    return to_model(vec, _fit(x, y, w, c)), c


def train(out: Path | None = None) -> dict[str, Any]:
    dirs = email_sets()
    rows = examples(dirs)
    model, c = fit(rows)
    data = {
        "fingerprint": patterns_fingerprint("email"),
        "meta": {
            "trained_on": [d.name for d in dirs],
            "emails": len(rows),
            "c": c,
            "unsubscribe_weight": UNSUBSCRIBE_WEIGHT,
            "model": "multinomial logistic regression, C by leave-one-set-out log loss",
        },
        "classes": list(model.classes),
        "bias": dict(model.bias),
        "weights": {k: dict(v) for k, v in model.weights.items()},
    }
    (out or WEIGHTS_DIR / "emails.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return data
