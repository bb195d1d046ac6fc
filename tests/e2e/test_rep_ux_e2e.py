"""Issue 11, 2.13 end to end in the sandbox: `/60 find times for` with no name gets usage,
`/60 unmute bananas` lists the kinds, and "Add all" on the tasks from a call names the tasks it
added (and no "task(s)" anywhere)."""

from __future__ import annotations

import json

from app import Runtime
from blocks.ids import ApprovalAction
from tests.e2e.conftest import ALEX
from tests.e2e.test_meeting_ended import SAMPLE, app, buttons, gate_messages, post_webhook  # noqa: F401


def _said(sb, user: str, needle: str) -> dict | None:
    return next((e for e in sb.ephemerals(user) if needle in json.dumps(e)), None)


async def test_find_times_without_a_name_and_unmute_of_an_unknown_kind(app: Runtime) -> None:  # noqa: F811
    sb = app.sandbox
    await sb.slash_command(ALEX, "/60", "find times for")
    usage = await sb.wait_for(lambda: _said(sb, ALEX, "Usage: `/60 find times for"), timeout=10)
    assert "I don't know" not in json.dumps(usage) and "Who with?" in json.dumps(usage)
    await sb.slash_command(ALEX, "/60", "unmute bananas")
    kinds = await sb.wait_for(lambda: _said(sb, ALEX, "bananas"), timeout=10)
    assert all(k in json.dumps(kinds) for k in ("morning_brief", "pre_meeting", "pipeline"))


async def test_add_all_names_the_tasks_it_added(app: Runtime) -> None:  # noqa: F811
    sb = app.sandbox
    status, _ = await post_webhook(app, SAMPLE)
    assert status == 200

    def gate(title: str) -> dict | None:
        return next((m for m in gate_messages(sb, ALEX) if title in json.dumps(m)), None)

    follow_up = await sb.wait_for(lambda: gate("Send"), timeout=20)
    await sb.click(
        ALEX, follow_up, ApprovalAction.SKIP, value=buttons(follow_up)[ApprovalAction.SKIP]["value"]
    )
    tasks = await sb.wait_for(lambda: gate("from your call"), timeout=20)
    names = [
        b["text"]["text"]
        for b in tasks["blocks"]
        if b.get("type") == "section" and "accessory" in b
    ]
    assert names and "(s)" not in json.dumps(tasks)
    await sb.click(
        ALEX, tasks, ApprovalAction.APPROVE, value=buttons(tasks)[ApprovalAction.APPROVE]["value"]
    )

    def added() -> str | None:
        msg = next(m for m in sb.dm_messages(ALEX) if m["ts"] == tasks["ts"])
        text = json.dumps(msg)
        return text if "Approved by" in text else None

    text = await sb.wait_for(added, timeout=20)
    assert "Added to your tasks:" in text and "(s)" not in text
    first = names[0].split("\n")[0].strip("*")
    assert first[:30] in text
