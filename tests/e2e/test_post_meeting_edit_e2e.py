"""Issue 11 item 2.1 through the sandbox: Edit on the follow-up opens a modal that says saving
sends the email after the undo window; the edited email then goes to the prospects, not to nobody."""

from __future__ import annotations

import json

from app import Runtime
from blocks.approval_modals import BODY, SUBJECT
from blocks.ids import ApprovalAction
from tests.e2e.conftest import ALEX
from tests.e2e.test_meeting_ended import SAMPLE, app, buttons, gate_messages, post_webhook

__all__ = ["app"]  # the fixture, shared with the meeting-ended tests


async def test_edit_says_save_and_send_and_keeps_the_recipients(app: Runtime) -> None:
    sb = app.sandbox
    await sb.slash_command(
        ALEX, "/60", "connect google"
    )  # no Google app in the sandbox: the demo mailbox
    status, _ = await post_webhook(app, SAMPLE)
    assert status == 200
    await sb.wait_for(lambda: gate_messages(sb, ALEX), timeout=20)
    gate = next(m for m in gate_messages(sb, ALEX) if "sarah.chen@acme.example" in json.dumps(m))
    await sb.click(
        ALEX, gate, ApprovalAction.EDIT, value=buttons(gate)[ApprovalAction.EDIT]["value"]
    )
    modal = await sb.wait_for(lambda: next((v for v in sb.open_views(ALEX) if SUBJECT in json.dumps(v)), None),
                              timeout=10)  # fmt: skip
    assert modal["submit"]["text"] == "Save and send"
    assert "30-second undo window" in json.dumps(modal)
    await sb.submit_view(
        ALEX, modal["id"], {SUBJECT: "Acme follow-up, edited", BODY: "Sarah, Tom: edited."}
    )

    def undo() -> dict | None:
        return next(
            (m for m in sb.dm_messages(ALEX) if "Sending in 30 seconds" in json.dumps(m)), None
        )

    sending = json.dumps(await sb.wait_for(undo, timeout=20))
    assert "sarah.chen@acme.example" in sending and "Acme follow-up, edited" in sending
    assert not any("Not sent" in json.dumps(m) for m in sb.dm_messages(ALEX))
