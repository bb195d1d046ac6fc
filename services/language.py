"""The language-model path for flow steps: the configured model when there is one, with the
offline engine (rules and templates in `skills/`) as the default and the fallback.

One `LLMClient` per process and settings (litellm takes seconds to import). Any model failure
(timeout, rate limit, invalid output twice, budget) falls back to the offline engine and is
logged without content; the cost of what was spent is already in the cost ledger. The offline
intent detector runs off the event loop on a long call (`orchestrator.offload`).

When the model answers, the offline engine reads the same input too and `compare` logs how the
two differ (labels only: never the text), so an admin can see how often they disagree.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orchestrator.offload import off_loop
from skills.follow_up import Draft, FollowUpInput, draft_follow_up
from skills.intents import Intent, detect_intents
from skills.transcript_types import Transcript

if TYPE_CHECKING:
    from connectors.llm import LLMClient
    from orchestrator.context import StepContext

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.7
FOLLOW_UP_EVENTS = {
    "commitment:send_proposal": "proposal_generation",
    "commitment:schedule_meeting": "calendar_find_times",
    "request:send_content": "content_retrieval",
}
_clients: dict[tuple[str, str | None, int], LLMClient] = {}


def model_client(ctx: StepContext) -> LLMClient | None:
    settings = ctx.settings
    if not settings.llm_model:
        return None
    key = (settings.llm_model, settings.llm_api_base, id(ctx.db))
    if key not in _clients:
        from connectors.llm import LLMClient

        _clients[key] = LLMClient(settings, ctx.db)
    return _clients[key]


def compare(purpose: str, job_id: int | None, model: Iterable[str], offline: Iterable[str]) -> bool:
    """Log whether the model and the offline engine gave the same labels for one input (the
    labels each gave that the other did not; no text); True when they agree."""
    said, heard = Counter(model), Counter(offline)
    agree = said == heard
    log.info(
        "model and offline engine compared",
        extra={
            "purpose": purpose,
            "job_id": job_id,
            "agree": agree,
            "model_only": sorted((said - heard).elements()),
            "offline_only": sorted((heard - said).elements()),
        },
    )
    return agree


def _utterance_dicts(t: Transcript) -> list[dict[str, Any]]:
    return [
        {"speaker": u.speaker, "text": u.text, **({"role": u.role} if u.role else {})}
        for u in t.utterances
    ]


async def offline_intents(transcript: Transcript) -> list[Intent]:
    """The offline detector, in the skill worker process when the call is long."""
    return await off_loop(detect_intents, transcript, size=len(transcript.utterances))


async def intents_for(ctx: StepContext, transcript: Transcript) -> list[Intent]:
    client = model_client(ctx)
    if client is None:
        return await offline_intents(transcript)
    from connectors.llm import LLMError
    from connectors.llm_prompts import render_transcript

    try:
        answer: Any = await client.complete(
            "intents",
            {
                "title": transcript.title,
                "meeting_date": transcript.started_at.date().isoformat(),
                "transcript": render_transcript(_utterance_dicts(transcript)),
            },
            org_id=ctx.org_id,
            user_id=ctx.user_id,
            job_id=ctx.job_id,
        )
    except LLMError as exc:
        log.warning(
            "model failed, offline engine used",
            extra={"purpose": "intents", "job_id": ctx.job_id, "error": type(exc).__name__},
        )
        return await offline_intents(transcript)
    n = len(transcript.utterances)
    found = [
        Intent(
            label=i.label,
            utterance=i.utterance,
            speaker=i.speaker,
            phrase=i.phrase,
            confidence=i.confidence,
            event=FOLLOW_UP_EVENTS.get(i.label),
            deadline=i.deadline,
        )
        for i in answer.intents
        if i.confidence >= MIN_CONFIDENCE and 0 <= i.utterance < n
    ]
    offline = await offline_intents(transcript)
    compare("intents", ctx.job_id, (i.label for i in found),
            (i.label for i in offline if i.confidence >= MIN_CONFIDENCE))  # fmt: skip
    return found


async def follow_up_for(ctx: StepContext, data: FollowUpInput) -> Draft:
    offline = draft_follow_up(data)
    client = model_client(ctx)
    if client is None:
        return offline
    from connectors.llm import LLMError

    steps = [
        f"- {'I' if s.owner == 'rep' else 'They'}: {s.text}"
        + (f" (by {s.due.isoformat()})" if s.due else "")
        for s in data.steps
    ]
    try:
        answer: Any = await client.complete(
            "follow_up_draft",
            {
                "rep_name": data.rep_name,
                "prospect_name": ", ".join(data.prospect_names) or "the team",
                "company": data.company or "",
                "title": data.meeting_title,
                "meeting_date": data.meeting_date.isoformat(),
                "key_moments": "\n".join(f"- {h}" for h in data.highlights) or "- (none noted)",
                "next_steps": "\n".join(steps) or "- (none agreed)",
                "signature": data.signature or data.rep_name,
            },
            org_id=ctx.org_id,
            user_id=ctx.user_id,
            job_id=ctx.job_id,
        )
    except LLMError as exc:
        log.warning(
            "model failed, offline engine used",
            extra={"purpose": "follow_up_draft", "job_id": ctx.job_id, "error": type(exc).__name__},
        )
        return offline
    return Draft(subject=answer.subject, body=answer.body)
