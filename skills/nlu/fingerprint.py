"""A fingerprint of the reviewed pattern data the shipped weights were trained on.

`make train-nlu` writes it into each weights file; a test compares it with the files on disk,
so a change to a pattern, a mode's readings or a lexicon without retraining fails the suite.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_SKILLS = Path(__file__).resolve().parent.parent
PATTERN_DIRS = (_SKILLS / "nlu" / "patterns", _SKILLS / "lexicons")


def patterns_fingerprint(prefix: str) -> str:
    """sha256 over the pattern files whose names start with `prefix` (e.g. "intent", "email")
    and every lexicon, in name order."""
    digest = hashlib.sha256()
    for directory in PATTERN_DIRS:
        for path in sorted(directory.iterdir()):
            if path.suffix not in (".yaml", ".txt"):
                continue
            if directory.name == "patterns" and not path.name.startswith(prefix):
                continue
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
