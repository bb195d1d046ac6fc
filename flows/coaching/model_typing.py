"""The model path for coaching: with `LLM_MODEL` set, the rep's questions (open or closed,
discovery or not) and the prospect's objections are typed by the model (`LLMClient` purpose
`coaching_typing`) instead of the reviewed patterns.

The answer must pass `skills.coaching_model_check.check_model_typing` (the right side, verbatim
text, known kinds and types, no repeats); a rejected answer is retried once with the reasons
(which name indexes and fields, never text of the call), and a second rejection, a model error
or a slow model keeps the patterns' report. Nothing is asked when the role-dependent results
were skipped (speakers unsure). The cost is in the cost ledger (`LLMClient` records it).
Nothing here logs text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skills.coaching_model_check import (
    CheckedTyping,
    ModelObjection,
    ModelQuestion,
    apply_model_typing,
    check_model_typing,
    model_lines,
)
from skills.coaching_types import CoachingReport, Turn

if TYPE_CHECKING:
    from connectors.llm import LLMClient

log = logging.getLogger(__name__)

PURPOSE = "coaching_typing"
BUDGET_S = 60.0


@dataclass(frozen=True)
class Typed:
    report: CoachingReport
    source: str  # "model" | "patterns"
    attempts: int = 0
    reasons: tuple[str, ...] = ()


def transcript_lines(turns: Sequence[Turn]) -> str:
    """Numbered lines by utterance index (only sided turns: the model types nothing else)."""
    return "\n".join(
        f"[{line['utterance']}] {line['side']}: {' '.join(str(line['text']).split())}"
        for line in model_lines(turns)
    )


def to_checked_input(answer: Any) -> tuple[list[ModelQuestion], list[ModelObjection]]:
    questions = [ModelQuestion(q.utterance, q.text, q.kind, q.discovery) for q in answer.questions]
    objections = [ModelObjection(o.utterance, o.type, o.text) for o in answer.objections]
    return questions, objections


async def model_typing(
    client: LLMClient,
    report: CoachingReport,
    turns: Sequence[Turn],
    *,
    title: str,
    org_id: int,
    user_id: int | None = None,
    job_id: int | None = None,
    budget_s: float | None = None,
) -> Typed:
    """The report with the model's typing where it passes the check; the patterns' otherwise."""
    if report.skipped is not None:
        return Typed(report, "patterns")
    try:
        async with asyncio.timeout(BUDGET_S if budget_s is None else budget_s):
            return await _ask(client, report, turns, title, org_id, user_id, job_id)
    except TimeoutError:
        log.warning("model too slow, coaching patterns kept",
                    extra={"purpose": PURPOSE, "job_id": job_id, "error": "TimeoutError"})  # fmt: skip
        return Typed(report, "patterns")


async def _ask(
    client: LLMClient,
    report: CoachingReport,
    turns: Sequence[Turn],
    title: str,
    org_id: int,
    user_id: int | None,
    job_id: int | None,
) -> Typed:
    from connectors.llm import LLMError

    variables = {"title": title or "(untitled)", "transcript": transcript_lines(turns),
                 "feedback": ""}  # fmt: skip
    checked = CheckedTyping((), (), ())
    for attempt in (1, 2):
        try:
            answer = await client.complete(
                PURPOSE, variables, org_id=org_id, user_id=user_id, job_id=job_id
            )
        except LLMError as exc:
            log.warning("model failed, coaching patterns kept",
                        extra={"purpose": PURPOSE, "job_id": job_id, "error": type(exc).__name__})  # fmt: skip
            return Typed(report, "patterns", attempt, checked.reasons)
        checked = check_model_typing(*to_checked_input(answer), turns)
        if checked.ok:
            log.info("model coaching typing accepted",
                     extra={"purpose": PURPOSE, "job_id": job_id, "attempts": attempt,
                            "questions": len(checked.questions),
                            "objections": len(checked.objections)})  # fmt: skip
            return Typed(apply_model_typing(report, checked, turns), "model", attempt)
        log.info("model coaching typing rejected",
                 extra={"purpose": PURPOSE, "job_id": job_id, "attempt": attempt,
                        "reasons": len(checked.reasons)})  # fmt: skip
        variables = {**variables, "feedback": "Your previous answer was rejected:\n"
                     + "\n".join(f"- {r}" for r in checked.reasons)
                     + "\nFix these and answer again."}  # fmt: skip
    return Typed(report, "patterns", 2, checked.reasons)
