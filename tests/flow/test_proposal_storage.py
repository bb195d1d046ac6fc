"""Proposal storage on SQLite and PostgreSQL: drafts and versions, immutable snapshots with
their SHA-256, share links (unknown, expired, revoked) and page views."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from storage.engine import Database
from storage.proposal_models import ProposalSnapshot, SnapshotImmutable
from storage.proposals import (
    APPROVED,
    AWAITING_MANAGER,
    DRAFT,
    SENT,
    SKIPPED,
    ProposalError,
    Refused,
    Resolved,
    create_proposal,
    freeze_snapshot,
    record_view,
    resolve_link,
    revoke_link,
    set_status,
    update_draft,
    views_summary,
)
from tests.flow.proposal_world import DRAFT as DRAFT_JSON
from tests.flow.proposal_world import NOW, SNAPSHOT_HTML, seed_rep, sent_link


async def test_draft_edits_in_place_until_sent_then_versions(db: Database) -> None:
    org_id, user_id = await seed_rep(db)
    async with db.transaction() as s:
        p = await create_proposal(s, org_id=org_id, user_id=user_id, source="command",
                                  draft=DRAFT_JSON, now=NOW)  # fmt: skip
        assert p.id is not None and p.status == DRAFT and p.version == 1
        pid = p.id
        await update_draft(s, pid, {**DRAFT_JSON, "title": "v1b"}, now=NOW + timedelta(minutes=1))
        await set_status(s, pid, AWAITING_MANAGER, now=NOW)
        await set_status(s, pid, APPROVED, now=NOW)
        p = await update_draft(s, pid, {**DRAFT_JSON, "title": "v1c"}, now=NOW)
        assert (p.version, p.status, p.draft["title"]) == (1, APPROVED, "v1c")
        first = await freeze_snapshot(s, pid, SNAPSHOT_HTML, None, now=NOW)
        await set_status(s, pid, SENT, now=NOW)
        p = await update_draft(s, pid, {**DRAFT_JSON, "title": "v2"}, now=NOW + timedelta(days=1))
        assert (p.version, p.status) == (2, DRAFT)
        second = await freeze_snapshot(s, pid, SNAPSHOT_HTML + "<!-- v2 -->", b"%PDF", now=NOW)
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 == hashlib.sha256(SNAPSHOT_HTML.encode()).hexdigest()
    assert (
        second.sha256
        == hashlib.sha256((SNAPSHOT_HTML + "<!-- v2 -->").encode() + b"%PDF").hexdigest()
    )
    async with db.session() as s:
        kept = await s.get(ProposalSnapshot, first.id)
        assert kept is not None and kept.html == SNAPSHOT_HTML and kept.created_at == NOW
        assert kept.created_at.tzinfo is not None


async def test_bad_status_source_and_skipped_edits_are_refused(db: Database) -> None:
    org_id, user_id = await seed_rep(db)
    async with db.transaction() as s:
        with pytest.raises(ProposalError):
            await create_proposal(
                s, org_id=org_id, user_id=user_id, source="fax", draft={}, now=NOW
            )
        p = await create_proposal(
            s, org_id=org_id, user_id=user_id, source="email", draft={}, now=NOW
        )
        assert p.id is not None
        with pytest.raises(ProposalError):
            await set_status(s, p.id, "lost", now=NOW)
        await set_status(s, p.id, SKIPPED, now=NOW)
        with pytest.raises(ProposalError):
            await update_draft(s, p.id, {}, now=NOW)


async def test_links_resolve_expire_and_revoke(db: Database) -> None:
    snap, link = await sent_link(db, days=30)
    assert len(link.token) >= 32 and link.expires_at == NOW + timedelta(days=30)
    async with db.session() as s:
        ok = await resolve_link(s, link.token, NOW + timedelta(days=29))
        assert isinstance(ok, Resolved) and ok.snapshot.id == snap.id
        assert await resolve_link(s, link.token, NOW + timedelta(days=30)) == Refused("expired")
        assert await resolve_link(s, "nope", NOW) == Refused("unknown")
    async with db.transaction() as s:
        assert await revoke_link(s, link.token, now=NOW + timedelta(hours=1))
        assert not await revoke_link(s, "nope", now=NOW)
    async with db.session() as s:
        assert await resolve_link(s, link.token, NOW + timedelta(hours=2)) == Refused("revoked")


async def test_views_open_once_per_session_and_sum_per_section(db: Database) -> None:
    _snap, link = await sent_link(db)
    t = link.token
    async with db.transaction() as s:
        assert await record_view(s, t, "tab-aaaaaaaa", "_open", 0, NOW)
        assert not await record_view(
            s, t, "tab-aaaaaaaa", "pricing", 12, NOW + timedelta(seconds=5)
        )
        assert not await record_view(s, t, "tab-aaaaaaaa", "pricing", 8, NOW + timedelta(seconds=9))
        assert await record_view(s, t, "tab-bbbbbbbb", "summary", 4, NOW + timedelta(hours=1))
    async with db.session() as s:
        summary = await views_summary(s, t)
    assert summary.sessions == 2
    assert summary.seconds_by_section == {"pricing": 20, "summary": 4}
    assert summary.first_opened_at == NOW


async def test_a_snapshot_cannot_be_changed(db: Database) -> None:
    snap, _link = await sent_link(db)
    with pytest.raises(SnapshotImmutable):
        async with db.transaction() as s:
            row = await s.get(ProposalSnapshot, snap.id)
            assert row is not None
            row.html = "<p>tampered</p>"
            s.add(row)
            await s.flush()
    async with db.session() as s:
        row = await s.get(ProposalSnapshot, snap.id)
        assert row is not None and row.html == SNAPSHOT_HTML
