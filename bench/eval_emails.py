"""Email classifier evaluation: accuracy, macro-F1, per-category P/R and confusions.

`python -m bench.eval_emails [DIR]` scores `skills.email_classify` on a directory of `.eml`
files with a `labels.json` (file -> category); DIR defaults to `$SIXTY_EMAILS_DEV` or the
shared dev set `../shared/eval/emails_dev`. Prints a readable table, the reliability of the
confidences (of the emails classified with about 0.8, are about 80% right?), then one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.calibration import as_json, expected_calibration_error, reliability, table
from skills.email_classify import classify_email
from skills.email_parse import parse_email
from skills.vocabulary import EMAIL_CATEGORIES as CATEGORIES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "emails_dev"


def dev_dir() -> Path:
    return Path(os.environ.get("SIXTY_EMAILS_DEV", str(DEFAULT_DIR)))


@dataclass(frozen=True)
class EvalResult:
    n: int
    accuracy: float
    macro_f1: float
    per_category: dict[str, dict[str, float]]
    confusions: list[tuple[str, str, int]]
    mistakes: list[tuple[str, str, str]]
    judged: list[tuple[float, bool]]

    def summary(self) -> dict[str, Any]:
        return {
            "bench": "email_eval",
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "confusions": [list(c) for c in self.confusions],
            "reliability": as_json(reliability(self.judged)),
            "calibration_error": round(expected_calibration_error(reliability(self.judged)), 3),
        }


def score(pairs: list[tuple[str, str]]) -> tuple[float, float, dict[str, dict[str, float]]]:
    """(gold, predicted) pairs -> accuracy, macro-F1 over the nine categories, per-category."""
    per: dict[str, dict[str, float]] = {}
    f1s: list[float] = []
    for cat in CATEGORIES:
        tp = sum(1 for g, p in pairs if g == cat and p == cat)
        fp = sum(1 for g, p in pairs if g != cat and p == cat)
        fn = sum(1 for g, p in pairs if g == cat and p != cat)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[cat] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
        if tp + fn or fp:  # categories absent from gold and predictions do not count
            f1s.append(f1)
    accuracy = sum(1 for g, p in pairs if g == p) / len(pairs) if pairs else 0.0
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    return accuracy, macro, per


def evaluate(directory: Path) -> EvalResult:
    labels: dict[str, str] = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    pairs: list[tuple[str, str]] = []
    mistakes: list[tuple[str, str, str]] = []
    judged: list[tuple[float, bool]] = []
    for name, gold in sorted(labels.items()):
        result = classify_email(parse_email((directory / name).read_bytes()))
        predicted = result.category
        pairs.append((gold, predicted))
        judged.append((result.confidence, predicted == gold))
        if predicted != gold:
            mistakes.append((name, gold, predicted))
    accuracy, macro, per = score(pairs)
    confusions = Counter((g, p) for g, p in pairs if g != p).most_common()
    return EvalResult(
        n=len(pairs),
        accuracy=accuracy,
        macro_f1=macro,
        per_category=per,
        confusions=[(g, p, n) for (g, p), n in confusions],
        mistakes=mistakes,
        judged=judged,
    )


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else dev_dir()
    if not (directory / "labels.json").is_file():
        print(f"eval_emails: no labels.json in {directory}", file=sys.stderr)
        return 2
    result = evaluate(directory)
    print(f"{'category':<18} {'P':>5} {'R':>5} {'F1':>5} {'n':>3}")
    for cat, m in result.per_category.items():
        print(
            f"{cat:<18} {m['precision']:5.2f} {m['recall']:5.2f} {m['f1']:5.2f} "
            f"{int(m['support']):3d}"
        )
    print(f"accuracy {result.accuracy:.3f}  macro-F1 {result.macro_f1:.3f}  (n={result.n})")
    for gold, predicted, n in result.confusions:
        print(f"confused {gold} -> {predicted}: {n}")
    for name, gold, predicted in result.mistakes:
        print(f"  {name}: gold {gold}, predicted {predicted}")
    print(table(reliability(result.judged)))
    print(json.dumps(result.summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
