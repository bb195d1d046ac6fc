"""Issue 14 end to end through the real webhook and the orchestrator, on SQLite and PostgreSQL:
a call where the rep promises a proposal → the drafted-proposal card → Edit first with a
discount past the team's limit → the manager approves → the version is frozen (HTML, PDF,
SHA-256) and its link made → the email waits for the rep's Send → a buyer opens the link →
"Sarah opened your proposal" on the rep's DM and the deal's timeline."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from flows.proposal_generation.views import view_listener
from orchestrator.events import Decision
from storage.engine import Database
from storage.library import import_library
from storage.library_files import read_library_folder
from storage.models import Activity, EmailSend, SequenceJob, User
from storage.proposal_models import Proposal, ProposalLink, ProposalSnapshot
from storage.proposals import record_view, resolve_link, revoke_proposal_links
from tests.flow.post_meeting_world import NOW, World, acme_pilot_call, make_world, text_of

LIBRARY = Path(__file__).resolve().parents[2] / "storage" / "demo_data" / "library"


async def with_library(w: World) -> None:
    async with w.db.transaction() as s:
        await import_library(s, w.ids["org"], read_library_folder(LIBRARY))


async def proposal_gate(w: World) -> object:
    await w.webhook(acme_pilot_call("bot-proposal"))
    await w.engine.drain()
    gates = {g.kind: g for g in await w.gates() if g.status == "pending"}
    assert "proposal_review" in gates, sorted(gates)
    return gates["proposal_review"]


async def slash(w: World, name: str, args: str) -> str:
    """`/60 <name> <args>` as Alex, through the command's own handler; what it answered."""
    from bot.command_types import CommandContext
    from bot.commands import SUBCOMMANDS
    from bot.deps import Deps

    said: list[str] = []

    async def respond(**kw: object) -> None:
        said.append(str(kw.get("text")))

    deps = Deps(settings=w.settings, db=w.db, orchestrator=w.engine, clock=lambda: NOW)
    async with w.db.session() as s:
        alex = await s.get(User, w.ids["alex"])
    await SUBCOMMANDS[name].handler(CommandContext(deps, alex, args, respond, None, None))  # type: ignore[arg-type]
    return said[-1]


async def test_the_promise_in_the_call_becomes_a_card_with_a_priced_draft(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        gate = await proposal_gate(w)
        card = next(m for m in w.posted() if "proposal-copy-link" in text_of(m))
        body = text_of(card)
        assert "You said you'd send Sarah at Acme Corp a proposal" in body
        for button in ("Review draft", "Edit first", "Email it", "Copy link", "Skip"):
            assert button in body
        async with db.session() as s:
            row = (await s.exec(select(Proposal))).one()
        assert row.status == "draft" and row.deal_id == w.ids["deal"]
        assert row.draft["line_items"], row.draft
        # every price on the card is the price book's, and the quotes are the call's own words
        assert gate.payload["proposal_id"] == row.id  # type: ignore[attr-defined]
        assert "sections" not in gate.payload["draft"]  # type: ignore[attr-defined]
        # Review draft opens a preview page of the draft
        url = gate.payload["preview_url"]  # type: ignore[attr-defined]
        token = url.rsplit("/", 1)[1]
        async with db.session() as s:
            found = await resolve_link(s, token, NOW)
        assert hasattr(found, "snapshot") and "data-section" in found.snapshot.html
    finally:
        await w.client.close()


async def test_copy_link_freezes_the_version_and_gives_the_link(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        gate = await proposal_gate(w)
        r = await w.engine.resume(gate.id, Decision.EDIT, "U1", {"delivery": "link"})  # type: ignore[attr-defined]
        assert r.ok
        await w.engine.drain()
        async with db.session() as s:
            row = (await s.exec(select(Proposal))).one()
            snaps = (
                await s.exec(select(ProposalSnapshot).where(ProposalSnapshot.pdf.is_not(None)))
            ).all()  # type: ignore[union-attr]
            links = (
                await s.exec(select(ProposalLink).where(ProposalLink.recipient_email.is_not(None)))
            ).all()  # type: ignore[union-attr]
        async with db.session() as s:
            jobs = (await s.exec(select(SequenceJob))).all()
        assert row.status == "sent", [(j.sequence_type, j.status, j.error) for j in jobs]
        (snap,) = snaps
        assert snap.pdf is not None and snap.pdf.startswith(b"%PDF")
        digest = hashlib.sha256(snap.html.encode())
        digest.update(snap.pdf)
        assert snap.sha256 == digest.hexdigest()
        (link,) = links
        assert link.recipient_email == "sarah.chen@acme.example"
        assert link.expires_at - NOW == timedelta(days=30)
        assert any(f"/p/{link.token}" in text_of(m) for m in w.posted())
        async with db.session() as s:
            shared = (await s.exec(select(Activity).where(Activity.kind == "proposal_sent"))).all()
        assert [a.deal_id for a in shared] == [w.ids["deal"]]  # on the deal's timeline
        # Revoke link on the same message: every buyer link of the proposal answers 410
        link_dm = next(m for m in w.posted() if f"/p/{link.token}" in text_of(m))
        assert "proposal-revoke" in text_of(link_dm)
        async with db.transaction() as s:
            assert await revoke_proposal_links(s, row.id, now=NOW) == 1
        async with db.session() as s:
            refused = await resolve_link(s, link.token, NOW)
        assert getattr(refused, "reason", None) == "revoked"
    finally:
        await w.client.close()


async def test_a_discount_past_the_limit_waits_for_the_manager_then_the_email_is_sent(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        async with db.transaction() as s:  # Alex reports to Morgan
            morgan = User(org_id=w.ids["org"], slack_user_id="U9", email="morgan@sixty-demo.example",
                          name="Morgan Lee", role="manager", timezone="UTC")  # fmt: skip
            s.add(morgan)
            await s.flush()
            alex = await s.get(User, w.ids["alex"])
            assert alex is not None
            alex.manager_id = morgan.id
            s.add(alex)
        gate = await proposal_gate(w)
        async with db.session() as s:
            draft = (await s.exec(select(Proposal))).one().draft
        sku = draft["line_items"][0]["sku"]
        edits = {"sections": {"summary": "Our summary, as the rep wrote it."},
                 "quantities": {sku: 30}, "discount": "0.2", "delivery": "email_link"}  # fmt: skip
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", {"edits": edits})).ok  # type: ignore[attr-defined]
        await w.engine.drain()
        async with db.session() as s:
            row = (await s.exec(select(Proposal))).one()
        assert row.status == "awaiting_manager"
        assert row.draft["line_items"][0]["quantity"] == 30
        assert any(
            s["key"] == "summary" and s["text"].startswith("Our summary")
            for s in row.draft["sections"]
        )
        assert any("past your team's limit" in text_of(m) for m in w.posted())
        manager_gate = next(g for g in await w.gates() if g.kind == "proposal_discount")
        assert manager_gate.status == "pending"
        manager_card = next(m for m in w.posted() if "Approve a discount?" in text_of(m))
        assert (
            manager_card["channel"]
            != next(m for m in w.posted() if "proposal-copy-link" in text_of(m))["channel"]
        )
        assert (await w.engine.resume(manager_gate.id, Decision.APPROVE, "U9")).ok
        await w.engine.drain()
        # the rep's email card: the send flow's preview with the link in the body
        email_gate = next(g for g in await w.gates() if g.kind == "email_send" and g.status == "pending"
                          and "Proposal:" in str(g.payload))  # fmt: skip
        assert "/p/" in email_gate.payload["draft"]["body"]
        assert (await w.engine.resume(email_gate.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        async with db.session() as s:
            sends = (await s.exec(select(EmailSend))).all()
            row = (await s.exec(select(Proposal))).one()
            link = (
                await s.exec(select(ProposalLink).where(ProposalLink.recipient_email.is_not(None)))
            ).one()  # type: ignore[union-attr]
        # no mailbox may send for Alex in this world: the email comes to copy, with the link
        assert sends == []
        assert any(
            "Proposal:" in text_of(m) and f"/p/{link.token}" in text_of(m) for m in w.posted()
        )
        assert row.status == "approved"

        # the buyer opens the link: one note for the rep a few minutes later, and the timeline
        async with db.transaction() as s:
            await record_view(s, link.token, "tab-1", "_open", 0, NOW)
            await record_view(s, link.token, "tab-1", "pricing", 240, NOW)

        class Opened:
            token, snapshot_id, session_id = link.token, link.snapshot_id, "tab-1"
            recipient_email, recipient_name, at = link.recipient_email, "Sarah Chen", NOW

        listener = view_listener(type("D", (), {"db": db, "submit": w.engine.submit})())
        await listener(Opened())
        await listener(Opened())  # the same session twice: one job
        await w.engine.drain()
        async with db.session() as s:
            viewed = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "proposal_viewed")
                )
            ).all()
        assert len(viewed) == 1 and viewed[0].status != "completed"  # waiting out the session
    finally:
        await w.client.close()


async def test_no_library_says_so_and_drafts_nothing(db: Database, tmp_path: Path) -> None:
    w = await make_world(db, tmp_path)
    try:
        await w.webhook(acme_pilot_call("bot-nolib"))
        await w.engine.drain()
        assert not [g for g in await w.gates() if g.kind == "proposal_review"]
        assert any("sixty library import" in text_of(m) for m in w.posted())
        async with db.session() as s:
            assert (await s.exec(select(Proposal))).all() == []
            assert (
                await s.exec(select(Activity).where(Activity.kind == "proposal_sent"))
            ).all() == []
    finally:
        await w.client.close()


async def test_the_command_drafts_for_a_deal_and_the_email_leaves_from_the_rep_mailbox(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        texts = [
            await slash(w, "proposal", ""),
            await slash(w, "proposal", "globex"),
            await slash(w, "connect", "google"),
            await slash(w, "proposal", "acme"),
        ]
        assert texts[0].startswith("Usage: `/60 proposal")
        assert "I don't know a deal for “globex”" in texts[1]
        assert "demo mailbox" in texts[2]
        assert texts[3].startswith("Drafting a proposal for Acme pilot")
        await w.engine.drain()
        gate = next(g for g in await w.gates() if g.kind == "proposal_review")
        assert "Here's a proposal draft for Sarah at Acme Corp" in gate.payload["text"]
        assert (await w.engine.resume(gate.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        email_gate = next(
            g for g in await w.gates() if g.kind == "email_send" and g.status == "pending"
        )
        assert email_gate.payload["draft"]["to"] == ["sarah.chen@acme.example"]
        assert (await w.engine.resume(email_gate.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        async with db.session() as s:
            sends = (await s.exec(select(EmailSend))).all()
            row = (await s.exec(select(Proposal))).one()
        (send,) = sends
        assert send.subject.startswith("Proposal:") and row.status == "sent"
        assert send.deal_id == w.ids["deal"]  # logged on the deal; its contacts are known
    finally:
        await w.client.close()


async def test_a_buyer_view_session_is_summed_up_once_for_the_rep(
    db: Database, tmp_path: Path
) -> None:
    from orchestrator.engine import Engine

    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        gate = await proposal_gate(w)
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", {"delivery": "link"})).ok  # type: ignore[attr-defined]
        await w.engine.drain()
        async with db.session() as s:
            link = (
                await s.exec(select(ProposalLink).where(ProposalLink.recipient_email.is_not(None)))
            ).one()  # type: ignore[union-attr]
        async with db.transaction() as s:  # a first look, then a second tab reading pricing
            await record_view(s, link.token, "tab-1", "_open", 0, NOW)
            await record_view(s, link.token, "tab-2", "_open", 0, NOW)
            await record_view(s, link.token, "tab-2", "pricing", 250, NOW)

        class Opened:
            token, snapshot_id, session_id = link.token, link.snapshot_id, "tab-2"
            recipient_email, recipient_name, at = link.recipient_email, "Sarah Chen", NOW

        await view_listener(type("D", (), {"db": db, "submit": w.engine.submit})())(Opened())
        await w.engine.drain()
        assert not any("opened your proposal" in text_of(m) for m in w.posted())  # not yet
        later = Engine(db, w.settings, w.delivery, w.engine.registry, heartbeat_s=None,
                       clock=lambda: NOW + timedelta(minutes=4))  # fmt: skip
        async with db.transaction() as s:  # due now on the database's own clock too (PostgreSQL)
            for job in (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "proposal_viewed")
                )
            ).all():
                job.run_after = NOW.replace(year=2000)
                s.add(job)
        await later.drain()
        [note] = [m for m in w.posted() if "opened your proposal" in text_of(m)]
        assert (
            "Sarah Chen at Acme Corp opened your proposal (2nd view, 4 min on pricing)"
            in text_of(note)
        )
        async with db.session() as s:
            timeline = (
                await s.exec(select(Activity).where(Activity.kind == "proposal_viewed"))
            ).all()
        assert len(timeline) == 1 and timeline[0].deal_id == w.ids["deal"]
    finally:
        await w.client.close()


async def test_a_new_draft_after_sending_is_version_two_with_its_own_link(
    db: Database, tmp_path: Path
) -> None:
    w = await make_world(db, tmp_path)
    try:
        await with_library(w)
        gate = await proposal_gate(w)
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", {"delivery": "link"})).ok  # type: ignore[attr-defined]
        await w.engine.drain()
        await slash(w, "proposal", "acme")
        await w.engine.drain()
        again = next(
            g for g in await w.gates() if g.kind == "proposal_review" and g.status == "pending"
        )
        assert (await w.engine.resume(again.id, Decision.EDIT, "U1", {"delivery": "link"})).ok
        await w.engine.drain()
        async with db.session() as s:
            rows = (await s.exec(select(Proposal))).all()
            sent = (
                await s.exec(select(ProposalSnapshot).where(ProposalSnapshot.pdf.is_not(None)))
            ).all()  # type: ignore[union-attr]
            links = (
                await s.exec(select(ProposalLink).where(ProposalLink.recipient_email.is_not(None)))
            ).all()  # type: ignore[union-attr]
        assert len(rows) == 1 and rows[0].version == 2 and rows[0].status == "sent"
        assert sorted(x.version for x in sent) == [1, 2]  # version 1 is still what its link shows
        assert len({x.token for x in links}) == 2 and {x.snapshot_id for x in links} == {
            x.id for x in sent
        }
    finally:
        await w.client.close()


async def test_email_pdf_sends_the_frozen_pdf_attached_from_the_demo_mailbox(
    db: Database, tmp_path: Path
) -> None:
    """Delivery `email_pdf`: the email says "attached" (no PDF link), the card names the file,
    and the frozen snapshot's PDF leaves with the mail, once."""
    from storage.models import EmailMessage

    w = await make_world(db, tmp_path)
    w.engine.settings = w.settings.model_copy(update={"email_undo_seconds": 0.0})  # no waiting
    try:
        await with_library(w)
        await slash(w, "connect", "google")
        await slash(w, "proposal", "acme")
        await w.engine.drain()
        gate = next(g for g in await w.gates() if g.kind == "proposal_review")
        edits = {"delivery": "email_pdf"}
        assert (await w.engine.resume(gate.id, Decision.EDIT, "U1", {"edits": edits})).ok
        await w.engine.drain()
        email_gate = next(
            g for g in await w.gates() if g.kind == "email_send" and g.status == "pending"
        )
        d = email_gate.payload["draft"]
        async with db.session() as s:
            snap = await s.get(ProposalSnapshot, d["attachments"][0]["id"])
        assert snap is not None and snap.version >= 1
        assert d["attachments"] == [
            {"kind": "proposal_snapshot", "id": snap.id, "filename": "Proposal.pdf"}
        ]
        assert "attached" in d["body"] and "/pdf" not in d["body"]
        assert any(
            "📎 Proposal.pdf" in str(m.get("blocks")) for m in w.posted() if "Proposal:" in str(m)
        )
        assert (await w.engine.resume(email_gate.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        for g in await w.gates():  # Sarah is new to this mailbox: the rep confirms her
            if g.status == "pending":
                assert (await w.engine.resume(g.id, Decision.APPROVE, "U1")).ok
        await w.engine.drain()
        await w.engine.drain()  # again: nothing more leaves
        async with db.session() as s:
            (send,) = (await s.exec(select(EmailSend))).all()
            out = (
                await s.exec(select(EmailMessage).where(EmailMessage.direction == "outbound"))
            ).all()
            row = (await s.exec(select(Proposal))).one()
        assert send.status == "sent" and row.status == "sent"
        assert snap.pdf and len(out) == 1
        digest = hashlib.sha256(snap.pdf).hexdigest()
        assert out[0].body_text.count("[Attachment: Proposal.pdf, application/pdf, ") == 1
        assert f"{len(snap.pdf)} bytes, sha256 {digest}]" in out[0].body_text
        assert (
            out[0].body_text.startswith("Hi Sarah") and "attached it as a PDF" in out[0].body_text
        )
    finally:
        await w.client.close()


async def test_the_command_asks_which_deal_when_several_match(db: Database, tmp_path: Path) -> None:
    from storage.models import Deal

    w = await make_world(db, tmp_path)
    try:
        async with db.transaction() as s:  # a second open Acme deal, Alex's too
            first = await s.get(Deal, w.ids["deal"])
            assert first is not None
            s.add(Deal(org_id=w.ids["org"], company_id=first.company_id, name="Acme expansion",
                       stage="discovery", owner_id=w.ids["alex"]))  # fmt: skip
        text = await slash(w, "proposal", "acme")
        assert text.startswith("Which deal do you mean?")
        assert "Acme pilot" in text and "Acme expansion" in text
        async with db.session() as s:  # nothing started until the rep says which
            jobs = (
                await s.exec(
                    select(SequenceJob).where(SequenceJob.sequence_type == "proposal_generation")
                )
            ).all()
        assert jobs == []
    finally:
        await w.client.close()
