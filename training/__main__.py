"""`python -m training` (or `make train-nlu`): fit both scorers, write their weights, and print
the out-of-fold reliability tables (cross-validated on the training sets; the held-out
figures come from `python -m bench.eval_intents` / `eval_emails` on the newest blind sets)."""

from __future__ import annotations

import sys

from bench.calibration import expected_calibration_error, reliability, table


def main(argv: list[str]) -> int:
    which = set(argv) or {"intents", "emails"}
    if "intents" in which:
        from training.intents import train

        data = train()
        bins = reliability(data["oof"])
        print(f"intents: {data['meta']['candidates']} candidates from {data['meta']['trained_on']}")
        for label, entry in data["labels"].items():
            print(
                f"  {label:32} n={entry['examples']:4} right={entry['positives']:4} l2={entry['l2']}"
            )
        print(f"reliability on the untuned sets {data['meta']['untuned_sets']}, each held out:")
        print(table(bins))
        print(f"calibration error {expected_calibration_error(bins):.3f}")
    if "emails" in which:
        from training.emails import train as train_emails

        data = train_emails()
        bins = reliability(data["oof"])
        print(
            f"emails: {data['meta']['emails']} from {data['meta']['trained_on']}, C={data['meta']['c']}"
        )
        print(f"category accuracy (reviewed cues by precedence): {data['accuracy']:.3f}")
        print("out-of-fold reliability of the confidence (sets held out):")
        print(table(bins))
        print(f"calibration error {expected_calibration_error(bins):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
