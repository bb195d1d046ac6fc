"""Benchmarks `proposal_pdf` `ms_per_pdf` and `proposal_html` `ms_per_page` (issue 14).

`python -m bench proposal_pdf` (or `python -m bench.bench_proposal_pdf [NAME ...]`).

A realistic proposal: 5 sections (summary, requirements, pricing, case study, next steps) of a few
paragraphs each with two citations, 6 line items (one discounted), one case study, two open
questions. `proposal_html`: `render_html` alone. `proposal_pdf`: `render_pdf` of that page
(WeasyPrint layout + PDF writing, no fetches); mean, p50 and p95 wall time over the rounds after
two warm-ups (the first render loads fonts). Goal: comfortably under a second per PDF, so a
thread can make one while the rep waits.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from bench.common import emit, percentile
from services.proposal_pdf import page_count, render_pdf
from services.proposal_render import render_html
from skills.proposal_types import CaseStudy, Citation, LineItem, ProposalDraft, Section

BENCHES = ("proposal_pdf", "proposal_html")
ROUNDS = 30
PARA = (
    "Acme's sales team of forty reps spends most Fridays updating the CRM by hand and loses "
    "follow-ups between calls. Sixty listens to every call, drafts the follow-up and keeps the "
    "pipeline current, so managers see the real state of each deal on Monday morning. "
)


def realistic_draft() -> ProposalDraft:
    keys = [
        ("summary", "Summary"),
        ("requirements", "What you told us you need"),
        ("pricing", "Pricing"),
        ("case_study", "Teams like yours"),
        ("next_steps", "Next steps"),
    ]
    sections = tuple(
        Section(
            key,
            title,
            "\n\n".join([PARA * 2, PARA, "- Single sign-on\n- Salesforce sync\n- EU data"]),
            (
                Citation(3 + i, "we need to be live before the end of Q1"),
                Citation(9, "SSO is a must"),
            ),
        )
        for i, (key, title) in enumerate(keys)
    )
    items = (
        LineItem("PRO", "Pro plan", 40, Decimal("310")),
        LineItem("SSO", "Single sign-on", 1, Decimal("2400"), "year", Decimal("0.10")),
        LineItem("SFDC", "Salesforce sync", 1, Decimal("1800"), "year"),
        LineItem("EU", "EU data residency", 1, Decimal("1200"), "year"),
        LineItem("ONB", "Onboarding and training", 1, Decimal("4500"), "one-off"),
        LineItem("SUP", "Premium support", 40, Decimal("25"), "seat/year"),
    )
    return ProposalDraft(
        template="standard",
        title="Acme Corp: Sixty for the sales team",
        sections=sections,
        line_items=items,
        currency="USD",
        case_studies=("globex",),
        open_questions=("Who signs the order form?", "Is the security review needed before Q1?"),
    )


def page() -> str:
    return render_html(
        realistic_draft(),
        org_name="Sixty Demo Inc",
        brand_colour="#0a7cff",
        company_name="Acme Corp",
        contact_name="Sarah Chen",
        case_studies=[
            CaseStudy("globex", "Globex cut ramp time", "SaaS", PARA, ("31% faster ramp",))
        ],
        version=2,
        sent_at=datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
    )


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    """Wall times in ms of `rounds` calls after two warm-ups."""
    out = []
    for r in range(rounds + 2):
        t0 = time.perf_counter()
        fn()
        if r >= 2:
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main(only: set[str]) -> None:
    want = only or set(BENCHES)
    html = page()
    if "proposal_html" in want:
        ms = timed(page, ROUNDS * 10)
        emit("proposal_html", "ms_per_page", statistics.mean(ms), "ms", rounds=len(ms))
    if "proposal_pdf" in want:
        ms = timed(lambda: render_pdf(html), ROUNDS)
        extra = {"rounds": len(ms), "pages": page_count(html), "bytes": len(render_pdf(html))}
        emit("proposal_pdf", "ms_per_pdf", statistics.mean(ms), "ms", **extra)
        emit("proposal_pdf", "p50_ms", percentile(ms, 50), "ms", rounds=len(ms))
        emit("proposal_pdf", "p95_ms", percentile(ms, 95), "ms", rounds=len(ms))


if __name__ == "__main__":
    args = set(sys.argv[1:])
    unknown = sorted(args - set(BENCHES))
    if unknown:
        sys.exit(f"unknown bench {', '.join(unknown)}; this module has {', '.join(BENCHES)}")
    main(args)
