"""The labelled sets the scorers learn from, and the ones kept out of training.

Training uses the development calls and emails and every fresh set that has already been
scored held out once (its first figure is kept in `bench/fresh_eval/README.md`). The newest
blind sets are never listed here until their held-out figure has been recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = Path("/work/shared/eval")
FRESH = ROOT / "bench" / "fresh_eval"

INTENT_SETS: tuple[Path, ...] = (
    SHARED_EVAL / "intents_dev.jsonl",
    FRESH / "intents_A.jsonl",
    FRESH / "intents_B.jsonl",
    FRESH / "intents_C.jsonl",
    FRESH / "intents_D.jsonl",
    FRESH / "intents_E.jsonl",
    FRESH / "intents_F.jsonl",
    FRESH / "intents_G.jsonl",
)
# Sets the patterns were never tuned on (each was scored held out, then only learned from): the
# training prints the scorer's reliability on these, each held out, because on the tuned sets
# nearly every candidate is right and says little about text nobody has seen.
UNTUNED_INTENT_SETS: tuple[str, ...] = ("intents_D.jsonl", "intents_E.jsonl", "intents_G.jsonl")
EMAIL_SETS: tuple[Path, ...] = (
    SHARED_EVAL / "emails_dev",
    FRESH / "emails_A",
    FRESH / "emails_B",
    FRESH / "emails_C",
    FRESH / "emails_D",
    FRESH / "emails_E",
    FRESH / "emails_F",
)


def shared_eval_dir() -> Path:
    """The shared eval folder: next to the checkout in CI, /work/shared/eval here."""
    for candidate in (ROOT.parent / "shared" / "eval", SHARED_EVAL):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the shared eval sets (../shared/eval) are not on this machine")


def intent_sets() -> list[Path]:
    shared = shared_eval_dir()
    return [shared / p.name if p.parent == SHARED_EVAL else p for p in INTENT_SETS]


def email_sets() -> list[Path]:
    shared = shared_eval_dir()
    return [shared / p.name if p.parent == SHARED_EVAL else p for p in EMAIL_SETS]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
