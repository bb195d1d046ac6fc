"""What the sandbox does with the app's acks, and with their absence, as Slack would.

A slash command's ack payload is an answer like a `response_url` post (ephemeral by default);
a `view_submission` ack may carry `response_action` (`errors`, `update`, `push`, `clear`) and
otherwise closes the submitted view. No ack within the deadline: Slackbot tells the user
`operation_timeout` for a command, and a modal shows Slack's "trouble connecting" error.
Late acks change nothing, as in Slack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import webapi
from sandbox.socket_mode import Ack, Delivery
from sandbox.webapi import Call, SlackError

if TYPE_CHECKING:
    from sandbox.server import Sandbox

TROUBLE_CONNECTING = "We had some trouble connecting. Try again?"


def on_ack(sb: Sandbox, delivery: Delivery, ack: Ack) -> None:
    body = ack.payload or {}
    if ack.late:
        return
    if delivery.type == "slash_commands" and body:
        answer_command(sb, delivery.payload, body)
    elif delivery.payload.get("type") == "view_submission":
        after_submission(sb, delivery.payload, body)


def answer_command(sb: Sandbox, command: dict[str, Any], body: dict[str, Any]) -> None:
    token = command["response_url"].rsplit("/", 1)[-1]
    target = sb.workspace.response_targets.get(token)
    if target is None:
        return
    call = Call(method="slash_command.ack", args=body)
    sb.record(call)
    try:
        webapi.apply_response(sb, target, body)
    except SlackError as exc:
        call.ok, call.error = False, exc.error
        sb.workspace.post_ephemeral(
            target.channel,
            target.user_id,
            text=f"The app's answer was refused: {exc.error}",
            blocks=None,
            by="slackbot",
        )


def after_submission(sb: Sandbox, payload: dict[str, Any], body: dict[str, Any]) -> None:
    ws = sb.workspace
    user_id, view_id = payload["user"]["id"], payload["view"]["id"]
    action = body.get("response_action")
    call = Call(method="view_submission.ack", args=body)
    sb.record(call)
    try:
        if action == "errors":
            ws.view_errors[view_id] = dict(body.get("errors") or {})
        elif action == "clear":
            ws.close_view(user_id, clear=True)
        elif action == "update":
            ws.store_view(user_id, webapi.check_view(body.get("view"), "modal"), view_id=view_id)
        elif action == "push":
            stored = ws.store_view(user_id, webapi.check_view(body.get("view"), "modal"))
            ws.stack(user_id).append(stored["id"])
        else:
            ws.close_view(user_id, view_id)
    except SlackError as exc:
        call.ok, call.error = False, exc.error
        ws.view_errors[view_id] = {"": f"The app's answer was refused: {exc.error}"}


def on_timeout(sb: Sandbox, delivery: Delivery) -> None:
    if delivery.note is not None:
        delivery.note["timed_out"] = True
    if delivery.type == "slash_commands":
        command = delivery.payload
        sb.workspace.post_ephemeral(
            command["channel_id"],
            command["user_id"],
            text=f'{command["command"]} failed with the error "operation_timeout"',
            blocks=None,
            by="slackbot",
        )
    elif delivery.payload.get("type") == "view_submission":
        sb.workspace.view_errors[delivery.payload["view"]["id"]] = {"": TROUBLE_CONNECTING}
