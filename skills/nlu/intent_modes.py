"""How each intent-frame mode is read: the loader of `patterns/intent_modes.yaml`.

A mode names the readings that rule a match out (`vetoes`), the readings that keep it from
being shown on its own (`holds`), and the readings the learned scorer weighs (`features`); the readings themselves are small named functions in
`skills.nlu.intent_readings` (`READINGS`).
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
    holds: tuple[str, ...]
    features: tuple[str, ...]


def load_sources(path: Path = MODES_FILE) -> dict[str, float]:
    """The reply readings and their priors (the `sources:` section)."""
    raw: Any = yaml.safe_load(path.read_text())
    sources = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(sources, dict):
        raise PatternFileError(f"{path}: expected a `sources:` mapping of reply readings")
    out: dict[str, float] = {}
    for name, entry in sources.items():
        prior = entry.get("prior") if isinstance(entry, dict) else None
        if not isinstance(prior, int | float) or not 0 < prior < 1 or not entry.get("meaning"):
            raise PatternFileError(
                f"{path}: source {name!r}: needs a prior in (0, 1) and a meaning"
            )
        out[str(name)] = float(prior)
    return out


def load_modes(path: Path = MODES_FILE) -> dict[str, ModeReading]:
    raw: Any = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise PatternFileError(f"{path}: expected a mapping of mode -> reading")
    out: dict[str, ModeReading] = {}
    for mode, entry in raw.items():
        if mode == "sources":
            continue
        if not isinstance(entry, dict):
            raise PatternFileError(f"{path}: mode {mode!r}: expected a mapping")
        unknown = set(entry) - {"family", "vetoes", "holds", "features"}
        if unknown:
            raise PatternFileError(f"{path}: mode {mode!r}: unknown keys {sorted(unknown)}")
        family = entry.get("family")
        if family not in FAMILIES:
            raise PatternFileError(f"{path}: mode {mode!r}: family must be one of {FAMILIES}")
        vetoes = tuple(entry.get("vetoes") or ())
        holds = tuple(entry.get("holds") or ())
        features = tuple(entry.get("features") or ())
        lists = (set(vetoes), set(holds), set(features))
        twice = (lists[0] & lists[1]) | (lists[0] & lists[2]) | (lists[1] & lists[2])
        if twice:
            raise PatternFileError(
                f"{path}: mode {mode!r}: {sorted(twice)} named in more than one of vetoes, holds, "
                "features"
            )
        out[str(mode)] = ModeReading(str(mode), family, vetoes, holds, features)
    return out


def check_readings(modes: dict[str, ModeReading], known: set[str], path: Path = MODES_FILE) -> None:
    """Every reading a mode names must exist."""
    for reading in modes.values():
        missing = [
            r for r in (*reading.vetoes, *reading.holds, *reading.features) if r not in known
        ]
        if missing:
            raise PatternFileError(f"{path}: mode {reading.mode!r}: unknown readings {missing}")
