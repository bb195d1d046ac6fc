"""Intent detector evaluation: per-label precision/recall/F1 on the dev set, AMI false alarms.

Run `python -m bench.eval_intents [--eval-dir DIR] [--set FILE] [--verbose]`. Scoring follows
`eval/README.md`: detections with confidence >= 0.7; a detection (u, L) matches an
unmatched gold (g, L) when |u - g| <= 1; detections on `ignore` utterances count neither
way; micro-averaged overall. On the AMI meetings (non-sales speech) the figure is
detections per meeting. Prints a table, the reliability of the confidences (every detection
matched greedily, most confident first, against the gold labels: does 0.8 mean 80% right?),
precision and recall at thresholds 0.5–0.9, then one JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.calibration import as_json, expected_calibration_error, reliability, table
from skills.intents import Intent, detect_intents
from skills.transcript_types import parse_transcript
from skills.vocabulary import INTENT_LABELS as LABELS

DEFAULT_EVAL_DIR = Path("/work/shared/eval")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    per_label: dict[str, Counts] = field(default_factory=lambda: {lb: Counts() for lb in LABELS})
    errors: list[str] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.per_label.values():
            total.tp += c.tp
            total.fp += c.fp
            total.fn += c.fn
        return total


def score_meeting(
    detections: list[Intent],
    gold: list[dict[str, Any]],
    ignore: set[int],
    score: Score,
    name: str,
    threshold: float = 0.7,
) -> None:
    unmatched = [(g["utterance"], g["label"]) for g in gold]
    for d in sorted(detections, key=lambda x: (x.utterance, x.label)):
        if d.confidence < threshold:
            continue
        hit = next((g for g in unmatched if g[1] == d.label and abs(g[0] - d.utterance) <= 1), None)
        if hit is not None:
            unmatched.remove(hit)
            score.per_label[d.label].tp += 1
        elif d.utterance in ignore:
            continue
        else:
            score.per_label[d.label].fp += 1
            score.errors.append(f"FP {name} u{d.utterance} {d.label} {d.confidence}: {d.phrase}")
    for u, label in unmatched:
        score.per_label[label].fn += 1
        score.errors.append(f"FN {name} u{u} {label}")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate_dev(path: Path) -> Score:
    return evaluate_sets(path, (0.7,))[0.7][0]


def judged(
    detections: list[Intent], gold: list[dict[str, Any]], ignore: set[int]
) -> list[tuple[float, bool]]:
    """(confidence, right) for every detection: matched most confident first to an unmatched
    gold label within one utterance; detections on `ignore` utterances are left out."""
    unmatched = [(g["utterance"], g["label"]) for g in gold]
    out = []
    for d in sorted(detections, key=lambda x: -x.confidence):
        hit = next((g for g in unmatched if g[1] == d.label and abs(g[0] - d.utterance) <= 1), None)
        if hit is not None:
            unmatched.remove(hit)
            out.append((d.confidence, True))
        elif d.utterance not in ignore:
            out.append((d.confidence, False))
    return out


def evaluate_sets(
    path: Path, thresholds: tuple[float, ...]
) -> dict[float, tuple[Score, list[tuple[float, bool]]]]:
    """Scores at each threshold and the judged detections (every one down to the lowest)."""
    scores = {t: Score() for t in thresholds}
    pairs: list[tuple[float, bool]] = []
    for row in load_jsonl(path):
        transcript = parse_transcript(row["transcript"])
        ignore = set(row.get("ignore", []))
        for t, score in scores.items():
            # detected at each threshold, as the app would show them (merges run after the cut)
            shown = detect_intents(transcript, t)
            score_meeting(shown, row["gold"], ignore, score, transcript.meeting_id, t)
        pairs += judged(detect_intents(transcript, min(thresholds)), row["gold"], ignore)
    return {t: (s, pairs) for t, s in scores.items()}


def evaluate_ami(path: Path, timing: dict[str, float] | None = None) -> dict[str, list[Intent]]:
    out: dict[str, list[Intent]] = {}
    elapsed, utterances = 0.0, 0
    for row in load_jsonl(path):
        transcript = parse_transcript(row["transcript"])
        started = time.perf_counter()
        out[transcript.meeting_id] = detect_intents(transcript)
        elapsed += time.perf_counter() - started
        utterances += len(transcript.utterances)
    if timing is not None:
        timing["ms_per_utterance"] = 1000 * elapsed / max(1, utterances)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_intents")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument(
        "--set", type=Path, default=None, help="a labelled JSON-lines file (default: the dev set)"
    )
    parser.add_argument("--verbose", action="store_true", help="list every FP/FN and AMI hit")
    args = parser.parse_args(argv)
    curve = evaluate_sets(args.set or args.eval_dir / "intents_dev.jsonl", THRESHOLDS)
    dev, judged_pairs = curve[0.7]
    timing: dict[str, float] = {}
    ami = evaluate_ami(args.eval_dir / "ami_meetings.jsonl", timing)

    print(f"{'label':32} {'tp':>3} {'fp':>3} {'fn':>3} {'prec':>6} {'recall':>6} {'f1':>6}")
    per_label_json = {}
    for label in LABELS:
        c = dev.per_label[label]
        print(
            f"{label:32} {c.tp:3} {c.fp:3} {c.fn:3} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
        )
        per_label_json[label] = {
            "precision": round(c.precision, 3),
            "recall": round(c.recall, 3),
            "f1": round(c.f1, 3),
            "tp": c.tp,
            "fp": c.fp,
            "fn": c.fn,
        }
    o = dev.overall
    print(f"{'micro':32} {o.tp:3} {o.fp:3} {o.fn:3} {o.precision:6.3f} {o.recall:6.3f} {o.f1:6.3f}")
    counts = {m: len(d) for m, d in ami.items()}
    per_meeting = sum(counts.values()) / max(1, len(counts))
    print(f"AMI detections per meeting: {per_meeting:.2f} {counts}")
    bins = reliability(judged_pairs)
    print(table(bins))
    print("threshold  precision  recall")
    for t in THRESHOLDS:
        c = curve[t][0].overall
        print(f"{t:9.1f}  {c.precision:9.3f}  {c.recall:6.3f}")
    print(f"detector speed: {timing['ms_per_utterance']:.3f} ms per utterance (AMI)")
    if args.verbose:
        for line in dev.errors:
            print(line)
        for meeting, dets in ami.items():
            for d in dets:
                print(f"AMI {meeting} u{d.utterance} {d.label} {d.confidence}: {d.phrase}")
    summary = {
        "bench": "intents_eval",
        "precision": round(o.precision, 3),
        "recall": round(o.recall, 3),
        "f1": round(o.f1, 3),
        "per_label": per_label_json,
        "ami_detections_per_meeting": round(per_meeting, 2),
        "ami_detections": counts,
        "ms_per_utterance": round(timing["ms_per_utterance"], 3),
        "reliability": as_json(bins),
        "calibration_error": round(expected_calibration_error(bins), 3),
        "curve": {
            str(t): {
                "precision": round(curve[t][0].overall.precision, 3),
                "recall": round(curve[t][0].overall.recall, 3),
            }
            for t in THRESHOLDS
        },
    }
    print(json.dumps(summary), flush=True)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
