"""Fit the intent scorer: one logistic regression per label over the candidates' features.

Each candidate (a frame match that survived its mode's vetoes, or a reply reading) is a
positive example when a gold label of the same kind sits within one utterance, as the eval
scores it; candidates on `ignore` utterances are left out. The regularisation is chosen by
cross-validation with whole calls held out (no call is split between folds), and the
out-of-fold probabilities give the reliability table printed at the end: the confidence the
app shows is that probability.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold

from skills.intents import candidates
from skills.nlu.fingerprint import patterns_fingerprint
from skills.nlu.scorer import WEIGHTS_DIR
from skills.transcript_types import parse_transcript
from skills.vocabulary import INTENT_LABELS
from training.data import intent_sets, load_jsonl

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


@dataclass
class Example:
    call: str
    label: str
    features: tuple[str, ...]
    right: bool


def examples(paths: list[Path]) -> list[Example]:
    out = []
    for path in paths:
        for row in load_jsonl(path):
            transcript = parse_transcript(row["transcript"])
            gold = [(g["utterance"], g["label"]) for g in row["gold"]]
            ignore = set(row.get("ignore", []))
            call = path.name  # folds hold out whole sets: each was written by someone else
            for c in candidates(transcript):
                u, label = c.intent.utterance, c.intent.label
                right = any(lb == label and abs(g - u) <= 1 for g, lb in gold)
                if u in ignore and not right:
                    continue
                out.append(Example(call, label, c.features, right))
    return out


def _fit(x: Any, y: Any, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y)
    return model


def train_label(rows: list[Example]) -> tuple[dict[str, Any], list[tuple[float, bool]]]:
    """The label's weights and its out-of-fold (probability, right) pairs."""
    y = np.array([r.right for r in rows])
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(r.features, 1.0) for r in rows])
    groups = [r.call for r in rows]
    if y.all() or not y.any():
        # one class only: a constant model at the observed rate, with Laplace smoothing
        rate = (y.sum() + 1) / (len(y) + 2)
        return {"bias": float(np.log(rate / (1 - rate))), "weights": {}, "c": None}, [
            (float(rate), bool(v)) for v in y
        ]
    folds = min(5, len(set(groups)))
    best_c, best_loss, best_oof = C_GRID[0], float("inf"), np.zeros(len(y))
    for c in C_GRID:
        oof = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
            if len(set(y[train])) < 2:
                oof[test] = y[train].mean()
                continue
            oof[test] = _fit(x[train], y[train], c).predict_proba(x[test])[:, 1]
        loss = log_loss(y, np.clip(oof, 1e-6, 1 - 1e-6))
        if loss < best_loss:
            best_c, best_loss, best_oof = c, loss, oof
    model = _fit(x, y, best_c)
    names = vec.get_feature_names_out()
    weights = {
        str(n): round(float(w), 4)
        for n, w in zip(names, model.coef_[0], strict=True)
        if abs(w) >= 1e-4
    }
    entry = {"bias": round(float(model.intercept_[0]), 4), "weights": weights, "c": best_c}
    return entry, [(float(p), bool(v)) for p, v in zip(best_oof, y, strict=True)]


def train(out: Path | None = None) -> dict[str, Any]:
    paths = intent_sets()
    rows = examples(paths)
    by_label: dict[str, list[Example]] = defaultdict(list)
    for r in rows:
        by_label[r.label].append(r)
    labels: dict[str, Any] = {}
    oof: list[tuple[float, bool]] = []
    for label in INTENT_LABELS:
        entry, pairs = train_label(by_label.get(label, []))
        entry["examples"] = len(by_label.get(label, []))
        entry["positives"] = sum(r.right for r in by_label.get(label, []))
        labels[label] = entry
        oof += pairs
    data = {
        "fingerprint": patterns_fingerprint("intent"),
        "meta": {
            "trained_on": [p.name for p in paths],
            "candidates": len(rows),
            "model": "logistic regression per label, C by cross-validation holding out whole sets (writers)",
        },
        "labels": labels,
    }
    target = out or WEIGHTS_DIR / "intents.json"
    target.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    data["oof"] = oof
    return data
