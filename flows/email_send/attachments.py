"""Attachments by reference: what a draft promises, and the bytes loaded at send time.

A draft may carry `attachments: [{"kind": "proposal_snapshot", "id": <snapshot id>,
"filename": "Proposal.pdf"}]`; `refs_of(draft)` checks and normalises them for the send row's
draft JSON (references only: no bytes in job state or logs). `load(db, refs, provider)` reads
each file when the mail leaves (the immutable `ProposalSnapshot.pdf`) and raises
`AttachmentError` with a message for the rep when one is missing or too large: a mail is never
sent without the file it promised.
"""

from __future__ import annotations

from typing import Any

from skills.email_compose import Attachment
from storage.engine import Database
from storage.proposal_models import ProposalSnapshot

KINDS = ("proposal_snapshot",)
MAX_TOTAL_BYTES = 10 * 1024 * 1024  # what we send at all
GRAPH_INLINE_MAX = 3 * 1024 * 1024  # Graph's limit for attachments inline in sendMail / reply


class AttachmentError(ValueError):
    """An attachment cannot be sent (the text is for the rep)."""


def refs_of(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft's attachment references, checked: `[{kind, id, filename}]`."""
    out: list[dict[str, Any]] = []
    for item in draft.get("attachments") or []:
        if not isinstance(item, dict) or item.get("kind") not in KINDS:
            raise AttachmentError("an attachment of an unknown kind")
        filename = " ".join(str(item.get("filename") or "").split()) or "attachment.pdf"
        out.append({"kind": str(item["kind"]), "id": int(item["id"]), "filename": filename[:120]})
    return out


def names_of(draft: dict[str, Any]) -> list[str]:
    """The filenames a draft promises (for previews); never raises."""
    try:
        return [r["filename"] for r in refs_of(draft)]
    except (AttachmentError, KeyError, TypeError, ValueError):
        return []


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


async def load(db: Database, refs: list[dict[str, Any]], provider: str) -> tuple[Attachment, ...]:
    """The files, read now; AttachmentError when one is missing or the total is too large."""
    files: list[Attachment] = []
    for ref in refs:
        async with db.session() as s:
            snap = await s.get(ProposalSnapshot, int(ref["id"]))
        if snap is None or not snap.pdf:
            raise AttachmentError(f"the attachment {ref['filename']} is missing (the proposal's "
                                  "PDF was not found), so the email was not sent without it")  # fmt: skip
        files.append(Attachment(filename=str(ref["filename"]), data=bytes(snap.pdf)))
    total = sum(len(f.data) for f in files)
    if total > MAX_TOTAL_BYTES:
        raise AttachmentError(f"the attachments are too large to email ({_size(total)}; "
                              f"the limit is {_size(MAX_TOTAL_BYTES)}): share the link instead")  # fmt: skip
    if provider == "microsoft" and total > GRAPH_INLINE_MAX:
        raise AttachmentError(f"the attachments are too large for Outlook ({_size(total)}; "
                              f"the limit is {_size(GRAPH_INLINE_MAX)}): share the link instead")  # fmt: skip
    return tuple(files)
