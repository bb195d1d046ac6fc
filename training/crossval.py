"""`python -m training.crossval`: how the scorers do on a set nobody tuned them on, estimated on
the training sets by holding out one whole set at a time (train on the others, score it).

For emails it prints the learned scorer and the old hand-weighted decision side by side, per
held-out set, with the removal requests missed; for intents precision and recall at 0.7.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from bench.eval_intents import Score, score_meeting
from skills.intents import detect_intents
from skills.nlu.email_decision import decide, rule_decision
from skills.nlu.scorer import BinaryModel, IntentModels
from skills.transcript_types import parse_transcript
from skills.vocabulary import INTENT_LABELS
from training import emails as E
from training import intents as T
from training.data import email_sets, intent_sets, load_jsonl


def emails() -> None:
    rows = E.examples(email_sets())
    groups = sorted({r.group for r in rows})
    total = {"model": 0, "rules": 0, "n": 0, "missed_model": 0, "missed_rules": 0, "unsub": 0}
    print(f"{'held out':12} {'n':>4} {'scorer':>7} {'rules':>7}  removal requests missed (scorer/rules)")
    for held in groups:
        model, _ = E.fit([r for r in rows if r.group != held])
        test = [r for r in rows if r.group == held]
        got_m = [decide(r.evidence, model)[0] for r in test]
        got_r = [rule_decision(r.evidence)[0] for r in test]
        acc_m = sum(g == r.gold for g, r in zip(got_m, test, strict=True)) / len(test)
        acc_r = sum(g == r.gold for g, r in zip(got_r, test, strict=True)) / len(test)
        unsub = [k for k, r in enumerate(test) if r.gold == "unsubscribe"]
        miss_m = sum(got_m[k] != "unsubscribe" for k in unsub)
        miss_r = sum(got_r[k] != "unsubscribe" for k in unsub)
        print(f"{held:12} {len(test):4} {acc_m:7.3f} {acc_r:7.3f}  {miss_m}/{miss_r} of {len(unsub)}")
        total["model"] += round(acc_m * len(test))
        total["rules"] += round(acc_r * len(test))
        total["n"] += len(test)
        total["missed_model"] += miss_m
        total["missed_rules"] += miss_r
        total["unsub"] += len(unsub)
    n = total["n"]
    print(
        f"{'all':12} {n:4} {total['model'] / n:7.3f} {total['rules'] / n:7.3f}  "
        f"{total['missed_model']}/{total['missed_rules']} of {total['unsub']}"
    )


def intents() -> None:
    paths = intent_sets()
    per_set = {p: T.examples([p]) for p in paths}
    overall = Score()
    print(f"{'held out':18} {'precision':>9} {'recall':>7}")
    for held in paths:
        by_label: dict[str, list[T.Example]] = defaultdict(list)
        for p in paths:
            if p != held:
                for r in per_set[p]:
                    by_label[r.label].append(r)
        models = {}
        for label in INTENT_LABELS:
            entry, _ = T.train_label(by_label.get(label, []))
            models[label] = BinaryModel(entry["bias"], entry["weights"])
        im = IntentModels(models, "crossval", {})
        score = Score()
        for row in load_jsonl(held):
            t = parse_transcript(row["transcript"])
            found = detect_intents(t, models=im)
            for s in (score, overall):
                score_meeting(found, row["gold"], set(row.get("ignore", [])), s, t.meeting_id)
        o = score.overall
        print(f"{held.name:18} {o.precision:9.3f} {o.recall:7.3f}")
    o = overall.overall
    print(f"{'all':18} {o.precision:9.3f} {o.recall:7.3f}")


if __name__ == "__main__":
    which = set(sys.argv[1:]) or {"emails", "intents"}
    if "emails" in which:
        emails()
    if "intents" in which:
        intents()
