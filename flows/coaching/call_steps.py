"""The steps of `coaching_call`: analyse the recorded call (with `LLM_MODEL` set, the model
types its questions and objections when its answer passes the check: `model_typing`) and store
it (once per meeting and analysis version, the week's aggregate rebuilt), then the micro-feedback DM when the rep chose
it and the org has coaching on. Nothing is sent when no bullet has a specific moment."""

from __future__ import annotations

import logging
from typing import Any

from blocks.coaching import micro_feedback_blocks, micro_feedback_text
from flows.coaching.analysis import ANALYSIS_VERSION, coach_call, row_fields
from flows.coaching.model_typing import model_typing
from flows.meeting_ended.call import load_call
from orchestrator.context import StepContext
from orchestrator.offload import off_loop
from services.coaching_view import bullets_of
from skills.coaching import turns_from_transcript
from storage import coaching, meetings
from storage.coaching_models import CoachingAnalysis
from storage.models import Meeting, User

log = logging.getLogger(__name__)
KIND = "coaching"  # the delivery kind of coaching DMs (the rep can mute it like any other)


def day_label(row: CoachingAnalysis, user: User) -> str:
    return row.started_at.astimezone(coaching.zone_of(user)).strftime("%a %-d %b")


async def analyse_call(ctx: StepContext) -> dict[str, Any]:
    meeting_id = int(ctx.payload["meeting_id"])
    call = await load_call(ctx, meeting_id)
    async with ctx.db.session() as s:
        rows = await meetings.call_rows(s, meeting_id=meeting_id)
    report = await off_loop(coach_call, call.transcript, dict(rows.speaker_map or {}),
                            size=len(call.transcript.utterances))  # fmt: skip
    source = "patterns"
    if ctx.settings.llm_model and report.skipped is None:  # the model types questions/objections
        from connectors.llm import LLMClient

        turns, _ = turns_from_transcript(call.transcript)
        typed = await model_typing(LLMClient(ctx.settings, ctx.db), report, turns,
                                   title=call.transcript.title, org_id=call.meeting.org_id,
                                   user_id=call.rep.id, job_id=ctx.job_id)  # fmt: skip
        report, source = typed.report, typed.source
    started = call.meeting.started_at or call.transcript.started_at
    assert call.rep.id is not None
    async with ctx.db.transaction() as s:
        row, created = await coaching.save_analysis(
            s, org_id=call.meeting.org_id, user_id=call.rep.id, meeting_id=meeting_id,
            version=ANALYSIS_VERSION, started_at=started, now=ctx.now(), **row_fields(report),
        )  # fmt: skip
        week = coaching.week_start_for(row.started_at, coaching.zone_of(call.rep))
        await coaching.rebuild_weekly(s, org_id=row.org_id, user_id=row.user_id, week_start=week,
                                      now=ctx.now())  # fmt: skip
    log.info("call coached", extra={"job_id": ctx.job_id, "created": created,
                                    "mapping_sure": row.mapping_sure})  # fmt: skip
    return {"analysis_id": row.id, "created": created, "week_start": week.isoformat(),
            "typed_by": source,
            "mapping_sure": row.mapping_sure, "moments": len(row.moments or [])}  # fmt: skip


async def micro_feedback(ctx: StepContext, analysed: dict[str, Any]) -> dict[str, Any]:
    """DM the call's bullets when the rep's mode is per-meeting or both and coaching is on;
    a call analysed before (another run of the same meeting and version) was told then."""
    if not analysed.get("created"):
        return {"sent": False, "reason": "analysed before"}
    async with ctx.db.session() as s:
        row = await s.get(CoachingAnalysis, int(analysed["analysis_id"]))
        if row is None:
            return {"sent": False, "reason": "analysis gone"}
        settings = await coaching.coaching_settings(s, user_id=row.user_id)
        meeting = await s.get(Meeting, row.meeting_id)
        rep = await s.get(User, row.user_id)
    if not settings.org_enabled:
        return {"sent": False, "reason": "coaching is off for the org"}
    if not settings.micro:
        return {"sent": False, "reason": f"coaching mode {settings.mode}"}
    bullets = bullets_of(row)
    if not bullets or rep is None:
        return {"sent": False, "reason": "no specific moment"}
    title = (meeting.title if meeting else "") or "your call"
    blocks = micro_feedback_blocks(title, day_label(row, rep), bullets, row.id or 0)
    p = await ctx.notify(KIND, micro_feedback_text(title, bullets), [b.to_dict() for b in blocks],
                         key="micro")  # fmt: skip
    held = getattr(p, "status", None)
    if held and not p.ts:
        return {"sent": False, "reason": held}
    return {"sent": True, "bullets": len(bullets), "channel": p.channel, "ts": p.ts}
