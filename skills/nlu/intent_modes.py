"""How each intent-frame mode is read: the loader of `patterns/intent_modes.yaml`.

A mode names the readings that rule a match out (`vetoes`) and the readings the learned scorer
weighs (`features`); the readings themselves are small named functions in `skills.intents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MODES_FILE = Path(__file__).parent / "patterns" / "intent_modes.yaml"
FAMILIES = ("commitment", "signal")


class PatternFileError(ValueError):
    """A pattern file that does not load: the message names the file and the entry."""


@dataclass(frozen=True)
class ModeReading:
    mode: str
    family: str
    vetoes: tuple[str, ...]
    features: tuple[str, ...]


def load_modes(path: Path = MODES_FILE) -> dict[str, ModeReading]:
    raw: Any = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise PatternFileError(f"{path}: expected a mapping of mode -> reading")
    out: dict[str, ModeReading] = {}
    for mode, entry in raw.items():
        if not isinstance(entry, dict):
            raise PatternFileError(f"{path}: mode {mode!r}: expected a mapping")
        unknown = set(entry) - {"family", "vetoes", "features"}
        if unknown:
            raise PatternFileError(f"{path}: mode {mode!r}: unknown keys {sorted(unknown)}")
        family = entry.get("family")
        if family not in FAMILIES:
            raise PatternFileError(f"{path}: mode {mode!r}: family must be one of {FAMILIES}")
        vetoes = tuple(entry.get("vetoes") or ())
        features = tuple(entry.get("features") or ())
        both = set(vetoes) & set(features)
        if both:
            raise PatternFileError(
                f"{path}: mode {mode!r}: {sorted(both)} cannot be both a veto and a feature"
            )
        out[str(mode)] = ModeReading(str(mode), family, vetoes, features)
    return out


def check_readings(modes: dict[str, ModeReading], known: set[str], path: Path = MODES_FILE) -> None:
    """Every reading a mode names must exist."""
    for reading in modes.values():
        missing = [r for r in (*reading.vetoes, *reading.features) if r not in known]
        if missing:
            raise PatternFileError(f"{path}: mode {reading.mode!r}: unknown readings {missing}")
