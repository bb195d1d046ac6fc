"""The proposal skill (DESIGN.md 7, `sixty proposal`): from a call, the deal and the org's
library, a cited draft with line items from the price book only.

`draft_proposal(transcript, deal, company, contacts, library)` settles the terms of the call
(`proposal_quantities`), builds the line items (`proposal_lines`), picks the template
(`proposal_templates`), writes the sections (`proposal_prose`) and checks the money rule
(`proposal_money`). `parse_proposal_input(data)` validates the JSON input. Pure: no I/O, no
model; a `ValueError` is bad input (mixed currencies, no template holds).
"""

from __future__ import annotations

from skills.proposal_input import ProposalInput as ProposalInput
from skills.proposal_input import parse_proposal_input as parse_proposal_input
from skills.proposal_lines import build_lines, lines_total
from skills.proposal_money import allowed_amounts, offending_amounts
from skills.proposal_prose import (
    call_open_questions,
    heard_sentences,
    pick_case_study,
    write_sections,
)
from skills.proposal_quantities import settle_terms
from skills.proposal_templates import TemplateFacts, choose_template
from skills.proposal_types import CompanyInfo, ContactInfo, DealInfo, Library, ProposalDraft
from skills.transcript_types import Transcript


def draft_proposal(
    transcript: Transcript,
    deal: DealInfo,
    company: CompanyInfo,
    contacts: tuple[ContactInfo, ...],
    library: Library,
) -> ProposalDraft:
    terms = settle_terms(transcript, library.price_book)
    lines = build_lines(library.price_book, terms, deal)
    deal_type = deal.type or (terms.deal_type[0] if terms.deal_type else None)
    facts = TemplateFacts(
        deal_type, lines.tier, deal.stage, terms.seats.seats if terms.seats else 0
    )
    template = choose_template(library.templates, facts)
    heard = heard_sentences(transcript)
    questions = (*lines.open_questions, *call_open_questions(heard))
    study = pick_case_study(company, library.case_studies)
    sections = write_sections(template, transcript, company, lines, study, questions, heard)
    allowed = allowed_amounts(
        library.price_book,
        lines.items,
        lines_total(lines.items),
        (u.text for u in transcript.utterances),
    )
    locked = {t.key for t in template.sections if not t.slot}  # the library's own words
    bad = [a for s in sections if s.key not in locked for a in offending_amounts(s.text, allowed)]
    if bad:  # the offline prose passes by construction; this guards against regressions
        raise AssertionError(f"proposal text states money not in the inputs: {bad}")
    recipient = contacts[0].name if contacts else company.name
    return ProposalDraft(
        template=template.id,
        title=f"{template.name}: {deal.name} for {recipient}",
        sections=sections,
        line_items=lines.items,
        currency=lines.currency,
        case_studies=(study.id,) if study else (),
        open_questions=questions,
    )
