"""Fit the email classifier's confidence: P(the chosen category is right | its evidence).

Every labelled email is read once (`skills.email_classify.read_email`), its category chosen by
the reviewed cues (`skills.nlu.email_decision.choose`), and a logistic regression learns from
`skills.nlu.email_features.confidence_features` whether that choice matched the label. The
regularisation is chosen by cross-validation holding out whole sets (each written by someone
else), and the out-of-fold probabilities give the reliability table printed at the end.

A multinomial model choosing the category itself was measured and not adopted (commit 5c06f3c
has it with its cross-validation): see `skills.nlu.email_features`.
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
from skills.nlu.email_decision import Evidence, choose, confidence_inputs, decide
from skills.nlu.fingerprint import patterns_fingerprint
from skills.nlu.scorer import WEIGHTS_DIR, BinaryModel
from training.data import email_sets

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


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


def features(ev: Evidence) -> dict[str, float]:
    """The confidence features of the category `choose` picks (as `decide` computes them)."""
    return confidence_inputs(ev, choose(ev))


def fit(rows: list[Example], c: float | None = None) -> tuple[BinaryModel, float, list[float]]:
    """The confidence model on `rows`, its C, and the out-of-fold probabilities (sets held out)."""
    vec = DictVectorizer()
    x = vec.fit_transform([features(r.evidence) for r in rows])
    y = np.array([choose(r.evidence) == r.gold for r in rows])
    groups = [r.group for r in rows]
    best: tuple[float, float, Any] = (float("inf"), C_GRID[0], None)
    for cand in C_GRID if c is None else (c,):
        oof = np.zeros(len(y))
        for train, test in LeaveOneGroupOut().split(x, y, groups):
            if len(set(y[train])) < 2:  # every training email right: only the rate is known
                oof[test] = (y[train].sum() + 1) / (len(train) + 2)
                continue
            model = LogisticRegression(C=cand, max_iter=5000).fit(x[train], y[train])
            oof[test] = model.predict_proba(x[test])[:, 1]
        loss = log_loss(y, np.clip(oof, 1e-6, 1 - 1e-6))
        if loss < best[0]:
            best = (loss, cand, oof)
    _, chosen_c, oof = best
    fitted = LogisticRegression(C=chosen_c, max_iter=5000).fit(x, y)
    names = [str(n) for n in vec.get_feature_names_out()]
    weights = {
        n: round(float(w), 4) for n, w in zip(names, fitted.coef_[0], strict=True) if abs(w) >= 1e-4
    }
    model = BinaryModel(round(float(fitted.intercept_[0]), 4), weights)
    return model, chosen_c, [float(p) for p in oof]


def train(out: Path | None = None) -> dict[str, Any]:
    dirs = email_sets()
    rows = examples(dirs)
    model, c, oof = fit(rows)
    data = {
        "fingerprint": patterns_fingerprint("email"),
        "meta": {
            "trained_on": [d.name for d in dirs],
            "emails": len(rows),
            "c": c,
            "model": "logistic regression: is the chosen category right; C by leave-one-set-out",
        },
        "bias": model.bias,
        "weights": dict(model.weights),
    }
    (out or WEIGHTS_DIR / "emails.json").write_text(
        json.dumps(data, indent=1, sort_keys=True) + "\n"
    )
    data["oof"] = [(p, choose(r.evidence) == r.gold) for p, r in zip(oof, rows, strict=True)]
    data["accuracy"] = sum(ok for _, ok in data["oof"]) / len(rows)
    return data


def check(rows: list[Example], model: BinaryModel) -> list[tuple[float, bool]]:
    """(confidence, right) per email as the app decides it with `model`."""
    out = []
    for r in rows:
        category, confidence = decide(r.evidence, model)
        out.append((confidence, category == r.gold))
    return out
