"""Exactly once across crashes: worker PROCESSES are SIGKILLed between each pair of steps of a
send (intent recorded / provider called / result recorded); later processes finish the work.
The fake Gmail must hold exactly one copy of each approved email (each with its PDF, attached
by reference and read at send time), and none may be lost.

Also the worker for it: `python -m tests.flow.test_email_send_kill URL DATA_DIR GOOGLE_BASE
MARKER_DIR CLIENT_ID SECRET` runs email_send jobs until none is left, dying at the first kill
point not used yet (a marker file per point makes each kill happen once across processes).
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import select

from config.settings import Settings
from flows.email_send.sequence import email_send_sequence
from flows.email_send.steps import SendSteps
from orchestrator.engine import Engine
from orchestrator.sequence import SequenceRegistry
from storage import email_sends as sends
from storage.engine import Database
from storage.models import EmailSend, SequenceJob
from tests.support.sequences import RecordingDelivery

if TYPE_CHECKING:  # the worker process imports only what it runs
    from orchestrator.sequence import SequenceRegistry as Registry

ROOT = Path(__file__).resolve().parents[2]
POINTS = ("intent_recorded", "provider_called", "result_recorded")


def parents_only() -> Registry:
    """The test's own engine runs the approvals but never claims an email_send job."""
    from tests.flow.test_email_send import follow_up_registry

    full = follow_up_registry()
    parents = [full.get(t) for t in full.types() if t != "email_send"]
    return SequenceRegistry([p for p in parents if p is not None])


async def test_sigkill_between_each_pair_of_steps_sends_each_email_once(
    sqlite_db: Database, tmp_path: Path
) -> None:
    from orchestrator.events import Decision, Event, JobRef
    from tests.fakes.google_server import FakeGoogle
    from tests.flow.test_email_send import (
        BUYER,
        REP,
        draft,
        follow_up_registry,
        make_world,
        pending,
    )
    from tests.flow.test_email_send_attachments import seed_snapshot, with_pdf

    fake = await FakeGoogle().start()
    try:
        w = await make_world(sqlite_db, tmp_path, fake, registry=parents_only())
        pdfs = {f"Follow-up {i}": b"%PDF-1.4 " + bytes([i]) * 5000 for i in range(len(POINTS))}
        for i in range(len(POINTS)):  # each with its own PDF, attached by reference
            snap = await seed_snapshot(sqlite_db, w.org_id, w.user_id, pdfs[f"Follow-up {i}"])
            d = with_pdf(draft([BUYER], f"Follow-up {i}"), snap)
            ref = await w.engine.submit(Event("follow_up_test", "test", w.org_id, w.user_id,
                                              {"draft": d, "deal_id": w.deal_id},
                                              idempotency_key=f"fu:{i}"))  # fmt: skip
            assert isinstance(ref, JobRef)
            await w.engine.drain()
            assert (
                await w.engine.resume((await pending(w, ref.job_id)).id, Decision.APPROVE, "U1")
            ).ok
            await w.engine.drain()
        markers = tmp_path / "markers"
        markers.mkdir()
        for _ in POINTS:  # each process dies at the next point (a marker makes each happen once)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.flow.test_email_send_kill", sqlite_db.url, str(tmp_path), fake.url,
                str(markers), FakeGoogle.CLIENT_ID, FakeGoogle.CLIENT_SECRET, cwd=ROOT)  # fmt: skip
            assert await proc.wait() == -signal.SIGKILL
        assert sorted(p.name for p in markers.iterdir()) == sorted(POINTS)
        # the last one's lease runs out; this process (all kill points used up) finishes the rest
        finisher = Engine(
            sqlite_db, w.settings, RecordingDelivery(), follow_up_registry(), heartbeat_s=None
        )
        for _ in range(100):
            await finisher.drain()
            if not await _left(sqlite_db):
                break
            await asyncio.sleep(0.1)

        rows = await _sends(sqlite_db)
        sent = fake.mailbox(REP).sent
        assert len(rows) == len(POINTS) and all(r.status == "sent" for r in rows)
        ids = Counter(email.message_from_bytes(m.raw)["Message-ID"] for m in sent)
        assert ids == Counter({r.message_id_header: 1 for r in rows})  # one copy each, none lost
        for m in sent:  # each copy with its own PDF, once
            subject = email.message_from_bytes(m.raw)["Subject"]
            assert m.attachments == [("Proposal.pdf", "application/pdf", pdfs[subject])]
        assert Counter(r.route for r in fake.requests)["gmail.messages.send"] == len(POINTS)
        async with sqlite_db.session() as s:
            jobs = (
                await s.exec(select(SequenceJob).where(SequenceJob.sequence_type == "email_send"))
            ).all()
            trails = {r.id: [e.state for e in await sends.events_for(s, r.id)] for r in rows}  # type: ignore[arg-type]
            recovered = [e.detail.get("recovered") for r in rows
                         for e in await sends.events_for(s, r.id) if e.state == "sent"]  # type: ignore[arg-type]  # fmt: skip
        assert {j.status for j in jobs} == {"completed"}
        assert all(t.count("sent") == 1 and t[-1] == "sent" for t in trails.values())
        assert recovered.count(True) >= 1  # the crash after the provider call was found in Sent
    finally:
        await fake.stop()


async def _left(db: Database) -> int:
    from sqlalchemy import func

    async with db.session() as s:
        return int((await s.exec(select(func.count()).where(
            SequenceJob.sequence_type == "email_send",
            SequenceJob.status.in_(("pending", "running"))))).one())  # type: ignore[attr-defined]  # fmt: skip


async def _sends(db: Database) -> list[EmailSend]:
    async with db.session() as s:
        return list((await s.exec(select(EmailSend).order_by(EmailSend.id))).all())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the worker process


def die_at(markers: Path):
    def hook(point: str) -> None:
        marker = markers / point
        if point in POINTS and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


async def work(
    url: str, data_dir: Path, google: str, markers: Path, client: tuple[str, str]
) -> int:
    db = Database(url)
    settings = Settings(database_url=url, data_dir=data_dir, google_api_base=google, lease_seconds=1.0,
                        google_client_id=client[0], google_client_secret=client[1], email_undo_seconds=0)  # fmt: skip
    reg = SequenceRegistry([email_send_sequence(SendSteps(point_hook=die_at(markers)))])
    engine = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=None)
    try:
        for _ in range(1200):  # a killed predecessor's lease must run out (1 s) before a claim
            if not await _left(db):
                return 0
            await engine.drain()
            await asyncio.sleep(0.05)
        return 1
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, data_dir, google, markers, cid, secret = sys.argv[1:7]
    raise SystemExit(asyncio.run(work(url, Path(data_dir), google, Path(markers), (cid, secret))))
