"""The model path for a proposal's prose: with `LLM_MODEL` set, the slot sections (summary,
requirements, roi when the call gave its inputs, next_steps) are rewritten by the model
(`LLMClient` purpose `proposal_prose`) after the offline draft.

The answer must pass `skills.proposal_model_check` (keys asked for, quotes verbatim, no
invented money); a rejected answer is retried once with the reasons (never text of the call),
and a second rejection or any `LLMError` keeps the offline prose. Accepted sections replace only
their own text and citations: titles, locked sections, line items and questions are untouched.
The cost of every call is in the cost ledger (`LLMClient` records it). Nothing here logs text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from skills.proposal_model_check import Checked, ModelSection, check_model_prose
from skills.proposal_money import allowed_amounts, format_money
from skills.proposal_prose import DEFAULT_SECTIONS
from skills.proposal_types import Citation, Library, ProposalDraft
from skills.transcript_types import Transcript

if TYPE_CHECKING:
    from connectors.llm import LLMClient

log = logging.getLogger(__name__)

PURPOSE = "proposal_prose"
MODEL_KEYS = ("summary", "requirements", "roi", "next_steps")
BUDGET_S = 75.0  # the draft step has 120 s: past this the offline prose is kept


@dataclass(frozen=True)
class Outcome:
    draft: ProposalDraft
    source: str  # "model" | "offline"
    attempts: int = 0
    reasons: tuple[str, ...] = ()


def writable_keys(draft: ProposalDraft, library: Library) -> tuple[str, ...]:
    """The slot keys of the draft's template the model may write; roi only when the offline
    prose found its inputs in the call (it cites them)."""
    template = next((t for t in library.templates if t.id == draft.template), None)
    sections = (template.sections if template else ()) or DEFAULT_SECTIONS
    slots = {s.key for s in sections if s.slot}
    offline = {s.key: s for s in draft.sections}
    keys = [k for k in MODEL_KEYS if k in slots and k in offline]
    return tuple(k for k in keys if k != "roi" or offline["roi"].citations)


def _utterance_dicts(t: Transcript) -> list[dict[str, Any]]:
    return [
        {"speaker": u.speaker, "text": u.text, **({"role": u.role} if u.role else {})}
        for u in t.utterances
    ]


def prompt_variables(
    draft: ProposalDraft,
    library: Library,
    transcript: Transcript,
    company: str,
    keys: tuple[str, ...],
) -> dict[str, Any]:
    from connectors.llm_prompts import render_transcript

    cur = draft.currency
    items = "\n".join(
        f"- {li.name}: {li.quantity} x {format_money(li.unit_price, cur)} per {li.unit} = "
        f"{format_money(li.total, cur)}" + (f" ({li.discount:.0%} discount)" if li.discount else "")
        for li in draft.line_items
    )
    study = next((s for s in draft.sections if s.key == "case_study"), None)
    return {
        "company": company,
        "keys": ", ".join(keys),
        "line_items": items or "- (none)",
        "total": format_money(draft.total, cur),
        "case_study": study.text if study else "(none)",
        "transcript": render_transcript(_utterance_dicts(transcript)),
        "feedback": "",
    }


def to_model_sections(answer: Any) -> list[ModelSection]:
    return [
        ModelSection(s.key, s.text, tuple(Citation(c.utterance, c.quote) for c in s.citations))
        for s in answer.sections
    ]


def merge(draft: ProposalDraft, accepted: tuple[ModelSection, ...]) -> ProposalDraft:
    by_key = {s.key: s for s in accepted}
    sections = tuple(
        replace(s, text=by_key[s.key].text, citations=by_key[s.key].citations)
        if s.key in by_key
        else s
        for s in draft.sections
    )
    return replace(draft, sections=sections)


async def model_prose(
    client: LLMClient,
    draft: ProposalDraft,
    library: Library,
    transcript: Transcript,
    company: str,
    *,
    org_id: int,
    user_id: int | None = None,
    job_id: int | None = None,
    budget_s: float | None = None,
) -> Outcome:
    """The draft with the model's prose where it passes the check; the offline draft otherwise
    (also when the model has not answered within `budget_s`)."""
    try:
        async with asyncio.timeout(BUDGET_S if budget_s is None else budget_s):
            return await _ask(client, draft, library, transcript, company, org_id, user_id, job_id)
    except TimeoutError:
        log.warning(
            "model too slow, offline proposal prose kept",
            extra={"purpose": PURPOSE, "job_id": job_id, "error": "TimeoutError"},
        )
        return Outcome(draft, "offline")


async def _ask(
    client: LLMClient,
    draft: ProposalDraft,
    library: Library,
    transcript: Transcript,
    company: str,
    org_id: int,
    user_id: int | None,
    job_id: int | None,
) -> Outcome:
    from connectors.llm import LLMError

    keys = writable_keys(draft, library)
    if not keys:
        return Outcome(draft, "offline")
    texts = [u.text for u in transcript.utterances]
    allowed = allowed_amounts(library.price_book, draft.line_items, draft.total, texts)
    variables = prompt_variables(draft, library, transcript, company, keys)
    checked = Checked()
    for attempt in (1, 2):
        try:
            answer = await client.complete(
                PURPOSE, variables, org_id=org_id, user_id=user_id, job_id=job_id
            )
        except LLMError as exc:
            log.warning(
                "model failed, offline proposal prose kept",
                extra={"purpose": PURPOSE, "job_id": job_id, "error": type(exc).__name__},
            )
            return Outcome(draft, "offline", attempt, checked.reasons)
        checked = check_model_prose(to_model_sections(answer), keys, texts, allowed)
        if checked.ok:
            log.info(
                "model proposal prose accepted",
                extra={"purpose": PURPOSE, "job_id": job_id, "attempts": attempt,
                       "sections": len(checked.accepted)},
            )  # fmt: skip
            return Outcome(merge(draft, checked.accepted), "model", attempt)
        log.info(
            "model proposal prose rejected",
            extra={"purpose": PURPOSE, "job_id": job_id, "attempt": attempt,
                   "reasons": len(checked.reasons)},
        )  # fmt: skip
        variables = {
            **variables,
            "feedback": "Your previous answer was rejected:\n"
            + "\n".join(f"- {r}" for r in checked.reasons)
            + "\nFix these and answer again.",
        }
    return Outcome(draft, "offline", 2, checked.reasons)
