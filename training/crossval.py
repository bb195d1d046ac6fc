"""`python -m training.crossval`: how the scorers do on a set nobody tuned them on, estimated on
the training sets by holding out one whole set at a time (train on the others, score it).

For emails: accuracy, the calibration error of the learned confidence and the removal requests
missed, per held-out set; for intents: precision and recall at 0.7.
"""

from __future__ import annotations

import sys

from bench.calibration import expected_calibration_error, reliability
from bench.eval_intents import Score, score_meeting
from skills.intents import detect_intents
from skills.nlu.email_decision import choose
from skills.nlu.scorer import BinaryModel, IntentModels
from skills.transcript_types import parse_transcript
from training import emails as E
from training import intents as T
from training.data import UNTUNED_INTENT_SETS, email_sets, intent_sets, load_jsonl


def emails() -> None:
    rows = E.examples(email_sets())
    groups = sorted({r.group for r in rows})
    print(f"{'held out':12} {'n':>4} {'accuracy':>8} {'calib. error':>12}  removal requests missed")
    for held in groups:
        model, _, _ = E.fit([r for r in rows if r.group != held])
        test = [r for r in rows if r.group == held]
        judged = E.check(test, model)
        unsub = [r for r in test if r.gold == "unsubscribe"]
        missed = sum(choose(r.evidence) != "unsubscribe" for r in unsub)
        ece = expected_calibration_error(reliability(judged))
        acc = sum(ok for _, ok in judged) / len(test)
        print(f"{held:12} {len(test):4} {acc:8.3f} {ece:12.3f}  {missed} of {len(unsub)}")


def intents() -> None:
    """Each untuned set held out: the scorer trained on every other set, the set scored at the
    thresholds 0.5-0.9 through `detect_intents` (merges and all), as `bench.eval_intents` does."""
    paths = intent_sets()
    per_set = {p.name: T.examples([p]) for p in paths}
    thresholds = (0.5, 0.6, 0.7, 0.8, 0.9)
    overall = {t: Score() for t in thresholds}
    print(f"{'held out':18} {'precision':>9} {'recall':>7}   (at 0.7)")
    for held in paths:
        if held.name not in UNTUNED_INTENT_SETS:
            continue
        labels, _ = T.fit_labels([r for n, rows in per_set.items() if n != held.name for r in rows])
        im = IntentModels(
            {lb: BinaryModel(e["bias"], e["weights"]) for lb, e in labels.items()}, "cv", {}
        )
        score = Score()
        for row in load_jsonl(held):
            t = parse_transcript(row["transcript"])
            found = detect_intents(t, 0.5, models=im)
            ignore = set(row.get("ignore", []))
            score_meeting(found, row["gold"], ignore, score, t.meeting_id)
            for th, s in overall.items():
                score_meeting(found, row["gold"], ignore, s, t.meeting_id, th)
        o = score.overall
        print(f"{held.name:18} {o.precision:9.3f} {o.recall:7.3f}")
    for th, s in overall.items():
        o = s.overall
        print(f"all untuned at {th}: precision {o.precision:.3f} recall {o.recall:.3f}")


if __name__ == "__main__":
    which = set(sys.argv[1:]) or {"emails", "intents"}
    if "emails" in which:
        emails()
    if "intents" in which:
        intents()
