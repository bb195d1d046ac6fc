"""Attachment references on a draft, and the Graph shape of an inline file attachment."""

from __future__ import annotations

import base64

import pytest

from connectors.graph import OutgoingMail, file_attachment
from flows.email_send.attachments import AttachmentError, names_of, refs_of


def test_refs_are_checked_and_normalised() -> None:
    d = {"attachments": [{"kind": "proposal_snapshot", "id": "7", "filename": " Proposal.pdf "}]}
    assert refs_of(d) == [{"kind": "proposal_snapshot", "id": 7, "filename": "Proposal.pdf"}]
    assert refs_of({}) == [] and names_of(d) == ["Proposal.pdf"]
    with pytest.raises(AttachmentError):
        refs_of({"attachments": [{"kind": "url", "id": 1}]})
    assert names_of({"attachments": [{"kind": "url"}]}) == []


def test_graph_file_attachment_rides_on_the_message() -> None:
    att = file_attachment("Proposal.pdf", b"%PDF-1.4")
    assert att == {"@odata.type": "#microsoft.graph.fileAttachment", "name": "Proposal.pdf",
                   "contentType": "application/pdf",
                   "contentBytes": base64.b64encode(b"%PDF-1.4").decode()}  # fmt: skip
    msg = OutgoingMail(subject="s", body="b", to=["a@b.test"], attachments=[att]).as_graph()
    assert msg["attachments"] == [att]
    assert "attachments" not in OutgoingMail(subject="s", body="b", to=["a@b.test"]).as_graph()
