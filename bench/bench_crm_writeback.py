"""crm_writeback: milliseconds from the rep's approval to HubSpot acknowledging the write, for
a deal stage move through `HubSpotCrm` (history read, protection check, PATCH, write ledger,
effects ledger) in a real job, against the loopback fake portal, sequentially and enough of
them to pass the portal's 10-second burst limit (the client's limiter waits, no 429)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import emit, percentile

SAMPLES = 120
ACK: dict[int, float] = {}


async def run(tmp: Path, samples: int = SAMPLES) -> tuple[list[float], int, int]:
    from cryptography.fernet import Fernet

    from config.settings import Settings
    from flows.crm_writeback.hubspot import HubSpotCrm
    from flows.crm_writeback.port import crm_for
    from flows.registry import build_registry
    from orchestrator.context import StepContext
    from orchestrator.engine import Engine
    from orchestrator.events import Decision, Event, JobRef
    from orchestrator.sequence import ApprovalKind, OnFailure, sequence
    from orchestrator.workflow import Workflow
    from storage import hubspot
    from storage.crypto import TokenCipher
    from storage.engine import Database
    from storage.migrate import upgrade
    from storage.models import Deal, Org, SlackPendingAction, User, UserPreferences
    from tests.fakes.hubspot_server import PORTAL_ID, FakeHubSpot
    from tests.support.sequences import RecordingDelivery

    async def write(ctx: StepContext) -> dict[str, Any]:
        port = await crm_for(ctx)
        assert isinstance(port, HubSpotCrm)
        deal_id = int(ctx.payload["deal_id"])
        out = await port.write_deal_fields(ctx, deal_id, {"stage": "proposal"})
        ACK[deal_id] = time.perf_counter()
        return out

    @sequence("crm_writeback_bench", version=1)
    async def bench_seq(wf: Workflow) -> None:
        await wf.step_if_approved(ApprovalKind.GENERIC, {"title": "Move the stage?"}, write,
                                  on_failure=OnFailure.CONTINUE)  # fmt: skip

    url = f"sqlite:///{tmp / 'crm.db'}"
    upgrade(url)
    db = Database(url)
    fake = await FakeHubSpot().start()
    fake.add_pipeline("deals", "default", "Sales", [
        ("demo1", "Demo", {"isClosed": "false", "probability": "0.3"}),
        ("prop1", "Proposal", {"isClosed": "false", "probability": "0.6"})])  # fmt: skip
    key = Fernet.generate_key()
    settings = Settings(_env_file=None, encryption_key=key.decode(), hubspot_api_base=fake.url,
                        data_dir=tmp)  # fmt: skip
    now = datetime.now(UTC)
    async with db.transaction() as s:
        org = Org(name="Bench")
        s.add(org)
        await s.flush()
        assert org.id is not None
        rep = User(org_id=org.id, slack_user_id="U1", email="rep@bench.test", name="Rep")
        s.add(rep)
        await s.flush()
        assert rep.id is not None
        s.add(UserPreferences(user_id=rep.id, max_notifications_per_hour=10_000))
        await hubspot.save_connection(
            s, cipher=TokenCipher(key), org_id=org.id, portal_id=str(PORTAL_ID),
            auth_kind=hubspot.SERVICE_KEY, access_token=fake.static_token, refresh_token=None,
            expires_at=None, scopes=(), connected_by=rep.id, now=now)  # fmt: skip
        deals = []
        for n in range(samples):
            deal = Deal(org_id=org.id, name=f"Deal {n}", stage="proposal", owner_id=rep.id)
            s.add(deal)
            await s.flush()
            assert deal.id is not None
            ext = fake.seed("deals", {"dealstage": "demo1", "pipeline": "default"},
                            modified_at=now - timedelta(days=30))  # fmt: skip
            await hubspot.link(s, org.id, "deal", deal.id, ext)
            deals.append(deal.id)
        org_id, rep_id = org.id, rep.id
    reg = build_registry()
    reg.add_all([bench_seq])
    engine = Engine(db, settings, RecordingDelivery(), reg, heartbeat_s=None)
    latencies = []
    try:
        for deal_id in deals:
            ref = await engine.submit(Event("crm_writeback_bench", "bench", org_id, rep_id,
                                            {"id": str(deal_id), "deal_id": deal_id}))  # fmt: skip
            assert isinstance(ref, JobRef)
            await engine.drain()
            async with db.session() as s:
                from sqlmodel import select

                gate = (await s.exec(select(SlackPendingAction).where(
                    SlackPendingAction.job_id == ref.job_id))).one()  # fmt: skip
            t0 = time.perf_counter()
            assert (await engine.resume(gate.id, Decision.APPROVE, "U1")).ok
            await engine.drain()
            latencies.append((ACK[deal_id] - t0) * 1000)
        written = sum(1 for r in fake.objects["deals"].values()
                      if r["properties"]["dealstage"] == "prop1")  # fmt: skip
        return latencies, written, len(fake.rate_limited)
    finally:
        await fake.stop()
        await db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        lat, written, limited = asyncio.run(run(Path(d)))
    note = (f"fake HubSpot portal (190 per 10 s), SQLite, sequential approvals; "
            f"{written} written, {limited} answered 429")  # fmt: skip
    emit("crm_writeback", "p50_ms", percentile(lat, 50), "ms", n=len(lat), note=note)
    emit("crm_writeback", "p99_ms", percentile(lat, 99), "ms", n=len(lat), note=note)


if __name__ == "__main__":
    main()
