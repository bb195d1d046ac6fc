"""Issue 14 end to end through the sandbox over real sockets: the Acme pilot call ends (the
MeetingBaaS webhook) → the drafted-proposal card in Alex's DM → Edit first (a quantity changed,
sent by email with a link) → the email's Send → the undo window → sent from the demo mailbox
with the link → the buyer opens the link on the app's own server and reads pricing → a few
minutes later on the app's clock, "Sarah Chen at Acme Corp opened your proposal" in Alex's DM."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from app import Runtime
from blocks.ids import ApprovalAction, Callback, ProposalAction
from blocks.proposals import DELIVERY, DISCOUNT
from bot.proposal_page import PAGE_HEADERS
from flows.proposal_generation.render import public_url
from services.money_format import format_money
from storage.clock import SteppingClock
from storage.models import Activity, EmailMessage, EmailSend, SequenceJob
from storage.proposal_models import Proposal, ProposalLink
from tests.e2e.conftest import ALEX, started_app
from tests.e2e.test_meeting_ended import KEY, SAMPLE, buttons, post_webhook

PROSPECT = "sarah.chen@acme.example"
PROMISE = "You said you'd send Sarah at Acme Corp a proposal"


@pytest.fixture
async def app(tmp_path: Path, seeded_template: Path) -> AsyncIterator[Runtime]:
    async with started_app(tmp_path, seeded_template, meetingbaas_api_key=KEY,
                           email_undo_seconds=1.0) as runtime:  # fmt: skip
        assert runtime.engine is not None
        runtime.engine.poll_s = 0.1  # a parked job is picked up soon after it is due
        yield runtime


def dm_with(app: Runtime, needle: str) -> list[dict]:
    return [m for m in app.sandbox.dm_messages(ALEX) if needle in json.dumps(m)]


def proposal_card(app: Runtime) -> dict | None:
    return next(
        (m for m in app.sandbox.dm_messages(ALEX) if ProposalAction.COPY_LINK in buttons(m)), None
    )


def email_card(app: Runtime) -> dict | None:
    return next(
        (m for m in dm_with(app, "Send the proposal?") if ApprovalAction.APPROVE in buttons(m)),
        None,
    )


async def rows(app: Runtime, model: type, *where: object) -> list:
    async with app.db.session() as s:  # type: ignore[union-attr]
        return list((await s.exec(select(model).where(*where))).all())


async def test_promise_to_edited_proposal_sent_by_email_then_opened(app: Runtime) -> None:
    sb = app.sandbox
    # no Google app in the sandbox: Connect gives Alex the demo mailbox
    await sb.slash_command(ALEX, "/60", "connect google")
    await sb.wait_for(lambda: any("demo mailbox" in json.dumps(e) for e in sb.ephemerals(ALEX)),
                      timeout=10)  # fmt: skip
    status, body = await post_webhook(app, SAMPLE)
    assert status == 200, body

    # the card: what Alex promised on the call, the priced draft, its buttons
    card = await sb.wait_for(lambda: proposal_card(app), timeout=30)
    assert PROMISE in json.dumps(card)
    actions = buttons(card)
    assert {ApprovalAction.EDIT, ApprovalAction.APPROVE, ApprovalAction.SKIP} <= set(actions)
    assert actions[ProposalAction.REVIEW]["url"].startswith(public_url(app.settings, ""))
    [proposal] = await rows(app, Proposal)
    lines = proposal.draft["line_items"]
    first = lines[0]

    # Edit first: the modal holds the sections, quantities, discount and delivery
    await sb.click(ALEX, card, ApprovalAction.EDIT, value=actions[ApprovalAction.EDIT]["value"])
    modal = await sb.wait_for(lambda: next((v for v in sb.open_views(ALEX)
                                            if v.get("callback_id") == Callback.PROPOSAL_EDIT), None),
                              timeout=10)  # fmt: skip
    qty_block = f"proposal-qty:{first['sku']}"
    block_ids = {b.get("block_id") for b in modal["blocks"]}
    assert {qty_block, DISCOUNT, DELIVERY} <= block_ids
    assert any(str(b).startswith("proposal-section:") for b in block_ids)
    # every quantity at zero is refused on the modal, which stays open
    zeros = {f"proposal-qty:{li['sku']}": {"qty": "0"} for li in lines}
    await sb.submit_view(ALEX, modal["id"], zeros)
    errors = await sb.wait_for(lambda: sb.view_errors(modal["id"]), timeout=10)
    assert "At least one line needs a quantity." in errors.values()

    new_qty = int(first["quantity"]) + 3
    await sb.submit_view(ALEX, modal["id"], {qty_block: {"qty": str(new_qty)},
                                             DISCOUNT: {"pct": "0"},
                                             DELIVERY: {"how": "email_link"}})  # fmt: skip

    # discount 0: no manager; the version is frozen and the email waits for Send
    gate = await sb.wait_for(lambda: email_card(app), timeout=30)
    assert PROSPECT in json.dumps(gate)
    [proposal] = await rows(app, Proposal)
    edited = {li["sku"]: li for li in proposal.draft["line_items"]}
    assert int(edited[first["sku"]]["quantity"]) == new_qty
    currency = proposal.draft["currency"]
    total = format_money(Decimal(str(proposal.draft["total"])), currency)
    expected = sum(
        (Decimal(str(li["unit_price"])) * int(li["quantity"]) for li in edited.values()),
        Decimal(0),
    )
    assert Decimal(str(proposal.draft["total"])) == expected  # priced from the price book
    assert total in json.dumps(gate)

    await sb.click(ALEX, gate, ApprovalAction.APPROVE,
                   value=buttons(gate)[ApprovalAction.APPROVE]["value"])  # fmt: skip
    # the undo window (1 s here) passes; the demo mailbox sends it once
    await sb.wait_for(lambda: dm_with(app, ":white_check_mark: *Sent to the demo mailbox*"),
                      timeout=30)  # fmt: skip
    [send] = await rows(app, EmailSend)
    assert send.status == "sent" and send.subject.startswith("Proposal:")
    # on the deal, whose contact Sarah is: no "new recipients" question
    assert send.deal_id == proposal.deal_id is not None and not dm_with(app, "New recipients")
    [sent] = await rows(app, EmailMessage, EmailMessage.direction == "outbound")
    assert sent.message_id_header == send.message_id_header and PROSPECT in sent.to_addrs
    [link] = await rows(app, ProposalLink, ProposalLink.recipient_email == PROSPECT)
    assert public_url(app.settings, link.token) in sent.body_text
    [proposal] = await rows(app, Proposal)
    assert proposal.status == "sent"
    [shared] = await rows(app, Activity, Activity.kind == "proposal_sent")
    assert shared.deal_id == proposal.deal_id

    # the buyer opens the link on the app's own server
    url = app.urls["web"] + f"/p/{link.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 200
            html = await r.text()
            for name, value in PAGE_HEADERS.items():
                assert r.headers[name] == value
        assert total in html and edited[first["sku"]]["name"] in html
        assert f'src="/p/{link.token}/track.js"' in html
        async with http.get(url + "/pdf") as r:
            assert r.status == 200 and r.content_type == "application/pdf"
        async with http.post(url + "/views", json={"session": "tab-e2e-acme-0001",
                                                   "section": "_open", "seconds": 0}) as r:  # fmt: skip
            assert r.status == 202
        async with http.post(url + "/views", json={"session": "tab-e2e-acme-0001",
                                                   "section": "pricing", "seconds": 250}) as r:  # fmt: skip
            assert r.status == 202
        async with http.post(url + "/views", json={"session": "tab-e2e-acme-0001",
                                                   "section": "nowhere", "seconds": 5}) as r:  # fmt: skip
            assert r.status == 400
        async with http.post(app.urls["web"] + "/p/no-such-token-000/views",
                             json={"session": "tab-e2e-acme-0001", "section": "_open",
                                   "seconds": 0}) as r:  # fmt: skip
            assert r.status == 404

    # the rep's own preview (Review draft) has no recipient: opening it tells nobody anything
    preview = actions[ProposalAction.REVIEW]["url"].rsplit("/", 1)[1]
    async with aiohttp.ClientSession() as http:
        async with http.post(app.urls["web"] + f"/p/{preview}/views",
                             json={"session": "tab-e2e-rep-00001", "section": "_open",
                                   "seconds": 0}) as r:  # fmt: skip
            assert r.status == 202

    # one job per view session, summed up a few minutes later (on the app's clock)
    viewed = await rows(app, SequenceJob, SequenceJob.sequence_type == "proposal_viewed")
    assert len(viewed) == 1
    assert not dm_with(app, "opened your proposal")
    assert isinstance(app.clock, SteppingClock)
    app.clock.advance(timedelta(minutes=4))
    app.engine.wake_local()  # type: ignore[union-attr]
    note = await sb.wait_for(lambda: dm_with(app, "opened your proposal"), timeout=30)
    assert "Sarah Chen at Acme Corp opened your proposal (1st view, 4 min on pricing)" in (
        json.dumps(note)
    )
    for _ in range(100):  # the note is posted, then the deal's timeline written
        [job] = await rows(app, SequenceJob, SequenceJob.sequence_type == "proposal_viewed")
        if job.status == "completed":
            break
        await asyncio.sleep(0.1)
    assert job.status == "completed", job.error
    timeline = await rows(app, Activity, Activity.kind == "proposal_viewed")
    assert len(timeline) == 1 and timeline[0].deal_id == proposal.deal_id
