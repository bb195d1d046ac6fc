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
                f"  {label:32} n={entry['examples']:4} right={entry['positives']:4} C={entry['c']}"
            )
        print("out-of-fold reliability (calls held out):")
        print(table(bins))
        print(f"calibration error {expected_calibration_error(bins):.3f}")
    if "emails" in which:
        from training.emails import train as train_emails

        train_emails()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
