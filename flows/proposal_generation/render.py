"""Turning a stored draft into pages: the preview the rep opens from the card (Review draft),
and the snapshot a buyer's link shows (HTML and PDF, frozen with its SHA-256).

Rendering is CPU work: the HTML in a thread, the PDF (WeasyPrint) in a thread too, never on
the event loop."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from orchestrator.context import StepContext
from services.proposal_pdf import render_pdf
from services.proposal_render import render_html
from skills.proposal_types import ProposalDraft
from storage import proposals as store
from storage.library import load_library
from storage.models import Org

PREVIEW_DAYS = 7


def public_url(settings: Any, token: str, suffix: str = "") -> str:
    """The address of a proposal page on this install (the app's public URL, else its own)."""
    base = (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}/p/{token}{suffix}"


async def _html(ctx: StepContext, draft: dict[str, Any], about: dict[str, Any], *,
                version: int, sent_at: datetime | None) -> str:  # fmt: skip
    async with ctx.db.session() as s:
        org = await s.get(Org, ctx.org_id)
        library = await load_library(s, ctx.org_id)

    made = ProposalDraft.from_json(draft)
    studies = [c for c in library.case_studies if c.id in made.case_studies]
    recipient = about.get("recipient") or {}
    return await asyncio.to_thread(
        render_html, made, org_name=org.name if org else "Sixty",
        brand_colour=library.brand_colour,
        company_name=str(about.get("company") or ""), contact_name=recipient.get("name"),
        case_studies=studies, version=version, sent_at=sent_at,
    )  # fmt: skip


async def preview_link(
    ctx: StepContext, proposal_id: int, draft: dict[str, Any], about: dict[str, Any]
) -> str:
    """A short-lived page of the draft for the rep (a link without a recipient: its views tell
    nobody anything)."""
    html = await _html(ctx, draft, about, version=1, sent_at=None)
    now = ctx.now()

    async def make() -> str:
        async with ctx.db.transaction() as s:
            snap = await store.freeze_snapshot(s, proposal_id, html, None, now=now)
            assert snap.id is not None
            link = await store.create_link(s, snap.id, now=now, days=PREVIEW_DAYS)
            return link.token

    token = await ctx.effect(f"preview:{proposal_id}", make)
    return public_url(ctx.settings, token)


async def freeze(ctx: StepContext, proposal_id: int, about: dict[str, Any]) -> dict[str, Any]:
    """The version the buyer gets: HTML and PDF frozen together, and their link."""
    async with ctx.db.session() as s:
        row = await store.get_proposal(s, proposal_id)
    now = ctx.now()
    html = await _html(ctx, row.draft, about, version=row.version, sent_at=now)
    pdf = await asyncio.to_thread(render_pdf, html)
    recipient = about.get("recipient") or {}

    async def make() -> dict[str, Any]:
        async with ctx.db.transaction() as s:
            snap = await store.freeze_snapshot(s, proposal_id, html, pdf, now=now)
            assert snap.id is not None
            link = await store.create_link(s, snap.id, now=now, recipient_email=recipient.get("email"),
                                           recipient_name=recipient.get("name") or "the buyer")  # fmt: skip
            return {"snapshot_id": snap.id, "sha256": snap.sha256, "token": link.token,
                    "version": row.version}  # fmt: skip

    out: dict[str, Any] = await ctx.effect(f"freeze:{proposal_id}", make)
    return {**out, "url": public_url(ctx.settings, out["token"]),
            "pdf_url": public_url(ctx.settings, out["token"], "/pdf")}  # fmt: skip
