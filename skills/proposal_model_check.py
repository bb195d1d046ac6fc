"""The check a model's proposal prose must pass before it replaces the offline prose.

`check_model_prose(sections, slot_keys, utterances, allowed)` accepts an answer only when every
section's key is one of the keys asked for (each at most once, text not blank), every citation
names an utterance in range and its quote is a verbatim substring of that utterance's text, and
no section states money the money rule (`proposal_money.offending_amounts`) forbids. It returns
the accepted sections, or the reasons the answer was rejected. The reasons name keys, indexes and
amounts only, never text of the call, so they can go back to the model and into logs. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from skills.proposal_money import offending_amounts
from skills.proposal_types import Citation


@dataclass(frozen=True)
class ModelSection:
    """One section as the model wrote it (title comes from the template, not the model)."""

    key: str
    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Checked:
    accepted: tuple[ModelSection, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons


def check_model_prose(
    sections: Iterable[ModelSection],
    slot_keys: Iterable[str],
    utterances: Sequence[str],
    allowed: frozenset[Decimal],
) -> Checked:
    keys = frozenset(slot_keys)
    reasons: list[str] = []
    seen: set[str] = set()
    out: list[ModelSection] = []
    for n, s in enumerate(sections):
        where = f"section {n} ({s.key!r})" if s.key in keys else f"section {n}"
        if s.key not in keys:
            reasons.append(f"{where}: key is not one of {sorted(keys)}")
            continue
        if s.key in seen:
            reasons.append(f"{where}: written twice")
            continue
        seen.add(s.key)
        if not s.text.strip():
            reasons.append(f"{where}: empty text")
        for c_n, c in enumerate(s.citations):
            if not 0 <= c.utterance < len(utterances):
                reasons.append(f"{where}, citation {c_n}: utterance {c.utterance} does not exist")
            elif not c.quote.strip() or c.quote not in utterances[c.utterance]:
                reasons.append(
                    f"{where}, citation {c_n}: the quote is not verbatim from utterance "
                    f"{c.utterance}"
                )
        bad = offending_amounts(s.text, allowed)
        if bad:
            amounts = ", ".join(str(a) for a in bad)
            reasons.append(f"{where}: states amounts not in the inputs ({amounts})")
        out.append(s)
    if not out and not reasons:
        reasons.append("no sections written")
    if reasons:
        return Checked((), tuple(reasons))
    return Checked(tuple(out))
