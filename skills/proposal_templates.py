"""Which template a proposal uses: the first, in library order, whose `when` conditions all
hold (an empty `when` always holds). `deal_type` is the deal's own type, else what the call
settled (e.g. "pilot"); `tier` is the chosen tier's SKU; `stage` the deal's stage;
`min_seats` the settled seats (none settled: 0). No template holding is a `ValueError`. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from skills.proposal_types import Template, TemplateWhen


@dataclass(frozen=True)
class TemplateFacts:
    deal_type: str | None
    tier: str | None
    stage: str | None
    seats: int


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def holds(when: TemplateWhen, facts: TemplateFacts) -> bool:
    """Whether every condition of `when` holds for these facts."""
    if when.deal_type is not None and not _same(when.deal_type, facts.deal_type):
        return False
    if when.tier is not None and not _same(when.tier, facts.tier):
        return False
    if when.stage is not None and not _same(when.stage, facts.stage):
        return False
    return when.min_seats is None or facts.seats >= when.min_seats


def choose_template(templates: tuple[Template, ...], facts: TemplateFacts) -> Template:
    for t in templates:
        if holds(t.when, facts):
            return t
    raise ValueError(
        "no template holds for this deal "
        f"(deal_type={facts.deal_type}, tier={facts.tier}, stage={facts.stage}, "
        f"seats={facts.seats}); add one with an empty 'when'"
    )
