"""Issue 11 items 2.6 and 2.7 through the real webhook and `meeting_ended`: the follow-up, CRM
and task approvals are shown together and answered independently; a replayed or re-run call
never proposes the same stage move again."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from orchestrator.events import Decision, Event
from storage.engine import Database
from storage.models import (
    Commitment,
    CrmFieldChange,
    Deal,
    MeetingAttendee,
    SequenceJob,
    Task,
    Transcript,
)
from tests.flow.post_meeting_world import World, acme_pilot_call, make_world, text_of


async def after_call(w: World, bot_id: str) -> dict[str, object]:
    await w.webhook(acme_pilot_call(bot_id))
    await w.engine.drain()
    return {g.kind: g for g in await w.gates() if g.status == "pending"}


async def test_crm_and_task_cards_come_with_the_follow_up(db: Database, tmp_path: Path) -> None:
    w = await make_world(db, tmp_path)
    try:
        gates = await after_call(w, "bot-1")
        assert set(gates) == {"email_send", "stage_change", "tasks"}
        assert all(g.message_ts for g in gates.values())  # all three are in the DM now
        recap = next(
            m for m in w.posted() if "Meeting recap" in text_of(m) or "Recap" in (m["text"] or "")
        )
        assert "CRM change" in text_of(recap) and "to review" in text_of(recap)

        # the CRM card first: applied at once, the follow-up still waits
        assert (await w.engine.resume(gates["stage_change"].id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        async with db.session() as s:
            deal = await s.get(Deal, w.ids["deal"])
            job = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended")
                )
            ).one()
        assert deal is not None and deal.stage == "proposal"
        assert job.status == "awaiting_approval"

        # the tasks next, then the follow-up is skipped: the job completes
        assert (await w.engine.resume(gates["tasks"].id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        async with db.session() as s:
            tasks = (await s.exec(select(Task).where(Task.source == "intent"))).all()
        assert tasks
        assert (await w.engine.resume(gates["email_send"].id, Decision.SKIP, "U1")).ok
        await w.engine.drain()
        async with db.session() as s:
            job = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended")
                )
            ).one()
        assert job.status == "completed"
    finally:
        await w.client.close()


async def stage_changes(db: Database) -> list[CrmFieldChange]:
    async with db.session() as s:
        return list(
            (await s.exec(select(CrmFieldChange).where(CrmFieldChange.field == "stage"))).all()
        )


async def commitments(db: Database) -> list[tuple[str, str, str]]:
    async with db.session() as s:
        rows = (await s.exec(select(Commitment).order_by(Commitment.id))).all()  # type: ignore[arg-type]
    return [(c.owner, c.kind, c.description) for c in rows]


async def test_a_replayed_or_rerun_call_does_not_move_the_stage_again(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        gates = await after_call(w, "bot-1")
        assert (await w.engine.resume(gates["stage_change"].id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        [first] = await stage_changes(db)
        assert (first.old_value, first.new_value, first.status) == ("demo", "proposal", "applied")
        promised = await commitments(db)
        assert promised

        # the same call from another recorder bot: a new meeting, the same transcript
        again = await after_call(w, "bot-2")
        assert "stage_change" not in again
        assert len(await stage_changes(db)) == 1
        assert await commitments(db) == promised  # the same promises are not recorded twice

        # the same meeting run again (a new job for the same meeting id)
        async with db.session() as s:
            job = (
                await s.exec(
                    select(SequenceJob)
                    .where(SequenceJob.sequence_type == "meeting_ended")
                    .order_by(SequenceJob.id)
                )
            ).first()  # type: ignore[arg-type]
        assert job is not None
        await w.engine.submit(Event("meeting_ended", "test", job.org_id, job.user_id, dict(job.trigger_payload),
                                    idempotency_key="meeting_ended:rerun"))  # fmt: skip
        await w.engine.drain()
        assert len(await stage_changes(db)) == 1
        assert await commitments(db) == promised
        async with db.session() as s:
            deal = await s.get(Deal, w.ids["deal"])
        assert deal is not None and deal.stage == "proposal"
    finally:
        await w.client.close()


async def test_the_recap_and_follow_up_of_the_demo_call_say_nothing_twice(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        gates = await after_call(w, "bot-1")
        recap = next(m for m in w.posted() if "Recap" in (m["text"] or ""))
        lines = [ln for b in recap["blocks"] if b.get("text") for ln in b["text"]["text"].split("\n")
                 if ln.startswith("•")]  # fmt: skip
        assert lines and len(lines) == len(set(lines))
        said = [ln for ln in lines if "Budget is approved" in ln]
        assert len(said) == 2  # once among the key moments, once as the buying signal
        assert not any("Timeline" in ln and "Budget" in ln for ln in lines)
        body = gates["email_send"].payload["draft"]["body"]
        took = body.split("What I took away:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert len(took) == len(set(took))
    finally:
        await w.client.close()


async def test_the_job_attributes_the_speakers_before_it_reads_the_call(
    db: Database, tmp_path: Path
) -> None:
    """The webhook stores the transcript as the recorder gave it; the job attributes who spoke
    (kept with the transcript, and a prospect heard but not invited becomes an attendee)."""
    w = await make_world(db, tmp_path)
    try:
        await after_call(w, "bot-1")
        async with db.session() as s:
            tr = (await s.exec(select(Transcript))).one()
            attendees = (await s.exec(select(MeetingAttendee))).all()
        roles = {label: m["role"] for label, m in tr.speaker_map.items()}
        assert roles["Alex Rivera"] == "rep" and roles["Sarah Chen"] == "prospect"
        assert {a.name for a in attendees if a.role == "prospect"} >= {
            label for label, role in roles.items() if role == "prospect"
        }
        async with db.session() as s:
            job = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended")
                )
            ).one()
        assert job.context["outputs"]["load_transcript"]["recorded"] is True
    finally:
        await w.client.close()


async def test_a_call_that_was_not_recorded_is_told_and_ends(db: Database, tmp_path: Path) -> None:
    w = await make_world(db, tmp_path)
    try:
        await w.engine.submit(Event("meeting_ended", "test", w.ids["org"], w.ids["alex"],
                                    {"recorded": False, "reason": "the bot was not let in"},
                                    idempotency_key="meeting_ended:not-recorded"))  # fmt: skip
        await w.engine.drain()
        async with db.session() as s:
            job = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended")
                )
            ).one()
        assert job.status == "completed"
        assert job.context["done"] == ["load_transcript", "tell_not_recorded"]
        [told] = w.posted()
        assert "was not recorded" in told["text"] and "the bot was not let in" in text_of(told)
        assert await w.gates() == []
    finally:
        await w.client.close()
