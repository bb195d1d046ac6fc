"""A small world for proposal tests: an org, a rep, a hand-written snapshot HTML with a table of
line items and a total, and helpers to make a sent proposal with a share link."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.engine import Database
from storage.models import Org, User
from storage.proposal_models import ProposalLink, ProposalSnapshot
from storage.proposals import SENT, create_link, create_proposal, freeze_snapshot, set_status

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)

SNAPSHOT_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proposal for Acme Corp</title>
<style>body{font-family:sans-serif;max-width:48rem;margin:auto} section{min-height:90vh}</style>
</head><body>
<h1>Sixty for Acme Corp</h1>
<section data-section="summary"><h2>Summary</h2><p>Sixty Growth for 25 sellers.</p></section>
<section data-section="pricing"><h2>Pricing</h2>
<table id="line-items">
<thead><tr><th>Item</th><th>Qty</th><th>Unit price</th><th>Total</th></tr></thead>
<tbody>
<tr><td>Sixty Growth</td><td>25</td><td>$720.00</td><td>$18,000.00</td></tr>
<tr><td>Onboarding package</td><td>1</td><td>$4,500.00</td><td>$4,500.00</td></tr>
</tbody>
<tfoot><tr><th colspan="3">Total</th><th id="total">$22,500.00</th></tr></tfoot>
</table></section>
<section data-section="next_steps"><h2>Next steps</h2><p>Sign by March 31.</p></section>
</body></html>
"""
DRAFT = {"template": "standard", "title": "Sixty for Acme Corp", "total": 22500}


async def seed_rep(db: Database) -> tuple[int, int]:
    async with db.transaction() as s:
        org = Org(name="Sixty demo", slack_team_id="T0PROPOSAL")
        s.add(org)
        await s.flush()
        assert org.id is not None
        user = User(org_id=org.id, slack_user_id="U0REP", email="alex@sixty.example", name="Alex")
        s.add(user)
        await s.flush()
        assert user.id is not None
        return org.id, user.id


async def sent_link(
    db: Database, *, pdf: bytes | None = b"%PDF-1.4 demo", days: int = 30
) -> tuple[ProposalSnapshot, ProposalLink]:
    org_id, user_id = await seed_rep(db)
    async with db.transaction() as s:
        p = await create_proposal(s, org_id=org_id, user_id=user_id, source="meeting", draft=DRAFT,
                                  now=NOW)  # fmt: skip
        assert p.id is not None
        snap = await freeze_snapshot(s, p.id, SNAPSHOT_HTML, pdf, now=NOW)
        assert snap.id is not None
        await set_status(s, p.id, SENT, now=NOW)
        link = await create_link(s, snap.id, now=NOW, recipient_email="sarah@acme.example",
                                 recipient_name="Sarah Chen", days=days)  # fmt: skip
        return snap, link
