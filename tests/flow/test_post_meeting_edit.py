"""Issue 11 item 2.1: Edit on a drafted email changes the fields the rep edited and keeps the
rest (recipients, threading), on the follow-up after a call and on a reply draft; the modal
says that saving approves the email, and the undo window follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlmodel import select

from blocks.approval_modals import edit_draft_modal
from bot.webhooks.oauth import connect_demo
from orchestrator.context import apply_edits
from orchestrator.events import Decision
from storage.engine import Database
from storage.models import EmailSend, SequenceJob, SlackPendingAction, User
from tests.flow.post_meeting_world import SAMPLE, SARAH, make_world, text_of

EDIT = {
    "draft": {"subject": "Our call today, edited", "body": "Sarah, thanks again: edited by Alex."}
}


def test_an_edit_changes_only_the_fields_it_names() -> None:
    shown = {
        "title": "Follow-up",
        "draft": {
            "to": ["a@x.test"],
            "cc": ["b@x.test"],
            "subject": "S",
            "body": "B",
            "in_reply_to": "<m@x>",
        },
        "tasks": [1, 2],
    }
    edited = apply_edits(shown, {"draft": {"subject": "S2", "body": "B2"}, "tasks": [2]})
    assert edited["draft"] == {
        "to": ["a@x.test"],
        "cc": ["b@x.test"],
        "subject": "S2",
        "body": "B2",
        "in_reply_to": "<m@x>",
    }
    assert edited["tasks"] == [2] and edited["title"] == "Follow-up"
    assert shown["draft"]["subject"] == "S"  # the shown payload is not changed in place
    assert apply_edits(shown, None) == shown


def test_the_modal_says_saving_sends_and_the_undo_window() -> None:
    sends = edit_draft_modal("pa1", "S", "B", undo_seconds=30).to_dict()
    assert sends["submit"]["text"] == "Save and send"
    assert "30-second undo window" in str(sends["blocks"]) and "Cancel send" in str(sends["blocks"])
    copies = edit_draft_modal("pa1", "S", "B", undo_seconds=None).to_dict()
    assert copies["submit"]["text"] == "Save and approve" and "copy" in str(copies["blocks"])


async def follow_up_gate(w: Any) -> Any:
    await w.webhook(SAMPLE)
    await w.engine.drain()
    return next(g for g in await w.gates() if g.kind == "email_send")


async def test_edited_follow_up_keeps_its_recipients_in_the_copy(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        gate = await follow_up_gate(w)
        assert SARAH in gate.payload["draft"]["to"]
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", EDIT)).ok
        await w.engine.drain()
        copy = next(m for m in w.posted() if "Follow-up approved" in text_of(m))
        shown = unquote(text_of(copy))
        assert f"To: {SARAH}" in shown.replace("\\n", "\n") or f"To: {SARAH}," in shown
        assert f"mailto:{SARAH}" in shown and "Our call today, edited" in shown
        async with db.session() as s:
            job = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "meeting_ended")
                )
            ).one()
        approved = job.context["approvals"]["deliver_follow_up"]["payload"]["draft"]
        assert (
            approved["to"] == gate.payload["draft"]["to"]
            and approved["body"] == EDIT["draft"]["body"]
        )
    finally:
        await w.client.close()


async def test_edited_follow_up_is_sent_to_them_after_the_undo_window(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        async with db.session() as s:
            alex = await s.get(User, w.ids["alex"])
        await connect_demo(w, alex)
        gate = await follow_up_gate(w)
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", EDIT)).ok
        await w.engine.drain()
        async with db.session() as s:
            [send] = (await s.exec(select(EmailSend))).all()
        assert (
            send.to_addrs == gate.payload["draft"]["to"]
            and send.subject == EDIT["draft"]["subject"]
        )
        undo = next(m for m in w.posted() if "Sending in 30 seconds" in text_of(m))
        assert SARAH in text_of(undo) and "Cancel send" in text_of(undo)
        assert not [m for m in w.posted() if "Not sent" in (m.get("text") or "")]
        resolved = next(u for u in w.updated() if u["ts"] == gate.message_ts)
        assert "Edited and approved by <@U1>" in text_of(resolved)
    finally:
        await w.client.close()


async def test_edited_reply_draft_keeps_recipient_and_threading(
    db: Database, tmp_path: Path
) -> None:
    from tests.flow.test_email_received import BUYER, REP, mail, push
    from tests.flow.test_email_received import make_world as email_world

    w = await email_world(db, tmp_path)
    try:
        w.google.deliver(REP, mail("Hi, how does the Salesforce integration work?"))
        await push(w, "2000")
        await w.engine.drain()
        async with db.session() as s:
            gate = next(
                g
                for g in (await s.exec(select(SlackPendingAction))).all()
                if g.kind == "email_send"
            )
        shown = gate.payload["draft"]
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", EDIT)).ok
        await w.engine.drain()
        async with db.session() as s:
            job = await s.get(SequenceJob, gate.job_id)
        assert job is not None
        approved = job.context["approvals"][gate.step_name]["payload"]["draft"]
        assert approved == {**shown, **EDIT["draft"]}
        posted = [c for m, c in w.delivery.calls if m == "chat.postMessage"]
        copy = next(c for c in posted if "copy" in (c.get("text") or "").lower())
        shown_text = unquote(text_of(copy))
        assert f"mailto:{BUYER}" in shown_text and "edited by Alex" in shown_text
    finally:
        await w.google.stop()


async def test_a_draft_with_no_recipient_says_so(db: Database, tmp_path: Path) -> None:
    """Not "every recipient asked not to be emailed" when nobody was on the draft."""
    from tests.fakes.google_server import FakeGoogle
    from tests.flow.test_email_send import all_sends, approve_follow_up, draft, posted
    from tests.flow.test_email_send import make_world as send_world

    google = await FakeGoogle().start()
    try:
        w = await send_world(db, tmp_path, google)
        await approve_follow_up(w, draft([]))
        [send] = await all_sends(w)
        assert send.status == "failed" and send.error == "the email has no recipient"
        assert posted(w, "Not sent: the email has no recipient")
        assert not posted(w, "asked not to be emailed")
    finally:
        await google.stop()
