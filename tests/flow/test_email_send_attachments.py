"""A draft that promises a file (a proposal snapshot's PDF, by reference) through the send flow:
the bytes are read when the mail leaves and arrive once, as a MIME part at Gmail and as a
`fileAttachment` at Graph; a missing or too large file stops the send with a message to the
rep, never a mail without its attachment; job state and the send row hold references only."""

from __future__ import annotations

import base64
import email
import hashlib
from email.policy import compat32
from pathlib import Path
from typing import Any

from sqlmodel import select

from storage.engine import Database
from storage.models import EmailMessage, EmailThread, SequenceJob
from storage.proposal_models import Proposal, ProposalSnapshot
from tests.fakes.google_server import FakeGoogle
from tests.fakes.graph_server import FakeGraph
from tests.flow.test_email_send import (
    BUYER,
    REP,
    all_sends,
    approve_follow_up,
    draft,
    fake,
    make_world,
    posted,
)
from tests.flow.test_email_send_graph import OUTLOOK, graph, outlook_world

__all__ = ["fake", "graph", "seed_snapshot", "with_pdf"]  # the fixtures are used here

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


async def seed_snapshot(db: Database, org_id: int, user_id: int, pdf: bytes | None) -> int:
    """A frozen proposal version with this PDF (None: a snapshot without one)."""
    async with db.transaction() as s:
        p = Proposal(org_id=org_id, user_id=user_id, source="command", draft={})
        s.add(p)
        await s.flush()
        assert p.id is not None
        snap = ProposalSnapshot(proposal_id=p.id, version=1, html="<p>Proposal</p>", pdf=pdf,
                                sha256=hashlib.sha256(pdf or b"").hexdigest())  # fmt: skip
        s.add(snap)
        await s.flush()
        assert snap.id is not None
        return snap.id


def with_pdf(d: dict[str, Any], snapshot_id: int, filename: str = "Proposal.pdf") -> dict[str, Any]:
    return {
        **d,
        "attachments": [{"kind": "proposal_snapshot", "id": snapshot_id, "filename": filename}],
    }


def attachments_of(raw: bytes) -> list[tuple[str, str, bytes]]:
    out = []
    for part in email.message_from_bytes(raw, policy=compat32).walk():
        if (part.get("Content-Disposition") or "").startswith("attachment"):
            out.append(
                (str(part.get_filename()), part.get_content_type(), part.get_payload(decode=True))
            )
    return out


async def job_state_text(db: Database) -> str:
    async with db.session() as s:
        jobs = (await s.exec(select(SequenceJob))).all()
    return " ".join(f"{j.trigger_payload} {j.context}" for j in jobs)


async def test_gmail_gets_the_pdf_once_as_a_mime_attachment(
    db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    w = await make_world(db, tmp_path, fake)
    snap = await seed_snapshot(db, w.org_id, w.user_id, PDF)
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), snap))
    await w.engine.drain()  # run again: nothing more leaves

    [sent] = fake.mailbox(REP).sent
    msg = email.message_from_bytes(sent.raw, policy=compat32)
    assert msg.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf",
    ]  # fmt: skip
    assert attachments_of(sent.raw) == [("Proposal.pdf", "application/pdf", PDF)]
    assert sent.attachments == [("Proposal.pdf", "application/pdf", PDF)]
    [row] = await all_sends(w)
    assert row.status == "sent"
    assert row.draft["attachments"] == [
        {"kind": "proposal_snapshot", "id": snap, "filename": "Proposal.pdf"}
    ]
    state = await job_state_text(db)
    assert base64.b64encode(PDF[:60]).decode() not in state and "%PDF" not in state  # no bytes
    card = posted(w, "Our proposal")[0]
    assert "📎 Proposal.pdf" in str(card["blocks"])  # the approval card names the file


async def test_a_missing_pdf_stops_the_send_with_a_message(
    db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    w = await make_world(db, tmp_path, fake)
    empty = await seed_snapshot(db, w.org_id, w.user_id, None)
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), empty), key="a")
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), 999_999), key="b")

    assert not fake.mailbox(REP).sent  # never without the promised file
    rows = await all_sends(w)
    assert [r.status for r in rows] == ["failed", "failed"]
    assert all("Proposal.pdf is missing" in (r.error or "") for r in rows)
    told = posted(w, "Not sent: the attachment Proposal.pdf is missing")
    assert len(told) == 2


async def test_too_large_refused_above_10_mb(
    sqlite_db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    w = await make_world(sqlite_db, tmp_path, fake)
    snap = await seed_snapshot(sqlite_db, w.org_id, w.user_id, b"%PDF" + b"0" * (10 * 1024 * 1024))
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), snap))
    assert not fake.mailbox(REP).sent
    [row] = await all_sends(w)
    assert row.status == "failed" and "too large to email" in (row.error or "")
    assert posted(w, "the limit is 10.0 MB")


async def test_outlook_gets_the_pdf_once_as_a_file_attachment(
    db: Database, tmp_path: Path, graph: FakeGraph
) -> None:
    w = await outlook_world(db, tmp_path, graph)
    snap = await seed_snapshot(db, w.org_id, w.user_id, PDF)
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), snap))
    await w.engine.drain()

    [mail] = graph.sent
    assert mail.kind == "sendMail" and "case study" in mail.message["body"]["content"]
    [att] = mail.message["attachments"]
    assert att["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert mail.attachments == [("Proposal.pdf", "application/pdf", PDF)]
    [row] = await all_sends(w)
    assert row.status == "sent"


async def test_outlook_refuses_above_its_3_mb_inline_limit(
    sqlite_db: Database, tmp_path: Path, graph: FakeGraph
) -> None:
    w = await outlook_world(sqlite_db, tmp_path, graph)
    snap = await seed_snapshot(sqlite_db, w.org_id, w.user_id, b"%PDF" + b"0" * (4 * 1024 * 1024))
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), snap))
    assert not graph.sent
    [row] = await all_sends(w)
    assert row.status == "failed" and "too large for Outlook" in (row.error or "")


async def test_an_outlook_reply_carries_the_pdf_too(
    sqlite_db: Database, tmp_path: Path, graph: FakeGraph
) -> None:
    w = await outlook_world(sqlite_db, tmp_path, graph)
    parent = graph.deliver(OUTLOOK, sender=BUYER, subject="Pilot scope", body="Thoughts?")
    async with sqlite_db.transaction() as s:
        thread = EmailThread(org_id=w.org_id, user_id=w.user_id, provider="microsoft",
                             external_thread_id="conv-1", subject="Pilot scope",
                             participants=[BUYER, OUTLOOK])  # fmt: skip
        s.add(thread)
        await s.flush()
        assert thread.id is not None
        s.add(EmailMessage(org_id=w.org_id, thread_id=thread.id, provider_message_id=parent,
                           message_id_header=f"<{parent.lower()}@mail.contoso.test>",
                           direction="inbound", from_addr=BUYER, to_addrs=[OUTLOOK],
                           subject="Pilot scope"))  # fmt: skip
        thread_id = thread.id
    snap = await seed_snapshot(sqlite_db, w.org_id, w.user_id, PDF)
    d = with_pdf(draft([BUYER], "Pilot scope"), snap)
    await approve_follow_up(w, d, key="reply", email_thread_id=thread_id)
    [reply] = graph.sent
    assert reply.kind == "reply" and reply.reply_to_id == parent
    assert reply.attachments == [("Proposal.pdf", "application/pdf", PDF)]


async def test_without_send_permission_the_copy_says_to_attach_the_file(
    sqlite_db: Database, tmp_path: Path, fake: FakeGoogle
) -> None:
    from connectors.google_oauth import GMAIL_READONLY

    w = await make_world(sqlite_db, tmp_path, fake, scopes={GMAIL_READONLY})
    snap = await seed_snapshot(sqlite_db, w.org_id, w.user_id, PDF)
    await approve_follow_up(w, with_pdf(draft([BUYER], "Our proposal"), snap))
    assert not fake.mailbox(REP).sent and not await all_sends(w)
    assert posted(w, "attach Proposal.pdf yourself")
