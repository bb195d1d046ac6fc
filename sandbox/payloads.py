"""Slack-shaped payloads the sandbox sends to the app: events, slash commands, interactions.

Shapes follow what Slack sends in Socket Mode (python-slack-sdk fixtures and the
interactivity docs): `event_callback` wrappers with `event_id`/`authorizations`, slash command
form fields, `block_actions` with `actions[]`/`container`/`state`, `view_submission` with
`view.state.values`. Also the helpers that find an element by `action_id` and turn a plain
value ("tue-10", ["a", "b"], "09:30") into the element's state or action entry.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Iterator
from typing import Any

from sandbox.state import SandboxUser, Workspace, new_id

VERIFICATION_TOKEN = "sandbox-verification-token"

STATEFUL = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "static_select",
    "external_select",
    "radio_buttons",
    "checkboxes",
    "multi_static_select",
    "multi_external_select",
    "timepicker",
    "datepicker",
    "datetimepicker",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
MULTI_OPTION = {"checkboxes", "multi_static_select", "multi_external_select"}
SINGLE_VALUE_KEYS = {
    "timepicker": ("selected_time", "initial_time"),
    "datepicker": ("selected_date", "initial_date"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
}
MULTI_VALUE_KEYS = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}


# ---------------------------------------------------------------------------- block ids
def fill_ids(blocks: list[Any] | None) -> list[Any] | None:
    """Give every block a block_id and every interactive element an action_id, as Slack does."""
    if not blocks:
        return blocks
    blocks = copy.deepcopy(blocks)
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", secrets.token_urlsafe(3))
        for element in _elements_of(block):
            if element.get("type") not in ("image", "plain_text", "mrkdwn"):
                element.setdefault("action_id", secrets.token_urlsafe(3))
    return blocks


def _elements_of(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if block.get("type") == "actions":
        yield from (e for e in block.get("elements") or [] if isinstance(e, dict))
    elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
        yield block["accessory"]
    elif block.get("type") == "input" and isinstance(block.get("element"), dict):
        yield block["element"]


def find_element(
    blocks: list[Any] | None, action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(block, element) holding `action_id` (and `block_id` when given)."""
    for block in blocks or []:
        if not isinstance(block, dict) or (block_id and block.get("block_id") != block_id):
            continue
        for element in _elements_of(block):
            if element.get("action_id") == action_id:
                return block, element
    return None


# ---------------------------------------------------------------------------- values
def _all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: dict[str, Any], raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    for option in _all_options(element):
        if option.get("value") == str(raw):
            return option
    raise ValueError(f"no option with value {raw!r} in {element.get('action_id')!r}")


def element_state(
    element: dict[str, Any], raw: Any = None, *, initial: bool = False
) -> dict[str, Any]:
    """The `state.values[block][action]` entry for an element holding `raw`."""
    kind = element["type"]
    if isinstance(raw, dict) and raw.get("type") == kind:
        return raw
    state: dict[str, Any] = {"type": kind}
    if kind in TEXT_INPUTS:
        value = element.get("initial_value") if initial else raw
        state["value"] = None if value in (None, "") else str(value)
    elif kind in SINGLE_OPTION:
        state["selected_option"] = (
            element.get("initial_option") if initial else _option(element, raw)
        )
    elif kind in MULTI_OPTION:
        if initial:
            state["selected_options"] = list(element.get("initial_options") or [])
        else:
            values = raw if isinstance(raw, list) else ([] if raw is None else [raw])
            state["selected_options"] = [_option(element, v) for v in values]
    elif kind in SINGLE_VALUE_KEYS:
        selected, initial_key = SINGLE_VALUE_KEYS[kind]
        state[selected] = element.get(initial_key) if initial else raw
    elif kind in MULTI_VALUE_KEYS:
        selected, initial_key = MULTI_VALUE_KEYS[kind]
        state[selected] = list(element.get(initial_key) or []) if initial else list(raw or [])
    return state


def state_values(
    blocks: list[Any] | None, provided: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`state.values` for a surface: initial values, overridden by `provided`.

    `provided` is `{block_id: {action_id: value}}` or, for short, `{action_id: value}`; a value
    is either Slack's own state dict or a plain value (text, option value, list, "HH:MM").
    """
    provided = provided or {}
    values: dict[str, dict[str, Any]] = {}
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id", "")
        for element in _elements_of(block):
            if element.get("type") not in STATEFUL:
                continue
            action_id = element.get("action_id", "")
            by_block = provided.get(block_id)
            if isinstance(by_block, dict) and action_id in by_block:
                entry = element_state(element, by_block[action_id])
            elif action_id in provided:
                entry = element_state(element, provided[action_id])
            else:
                entry = element_state(element, initial=True)
            values.setdefault(block_id, {})[action_id] = entry
    return values


REQUIRED_MESSAGE = "Please complete this required field."


class RequiredFieldMissing(ValueError):
    """A submit the Slack client itself refuses: a required input (not `optional`) is empty.
    The errors are shown on the view (`view_errors`), and no view_submission is sent."""

    def __init__(self, view_id: str, errors: dict[str, str]) -> None:
        super().__init__(f"view {view_id}: required fields are empty: {', '.join(errors)}")
        self.view_id, self.errors = view_id, errors


def _is_empty(entry: dict[str, Any]) -> bool:
    values = [v for k, v in entry.items() if k != "type"]
    return all(v is None or v == [] or v == "" for v in values)  # spaces count, as in Slack


def missing_required(blocks: list[Any] | None, values: dict[str, Any]) -> dict[str, str]:
    """{block_id: message} for input blocks not marked `optional` that hold no value: Slack's
    client refuses such a submit itself, and the app never hears of it."""
    missing: dict[str, str] = {}
    for block in blocks or []:
        if not isinstance(block, dict) or block.get("type") != "input" or block.get("optional"):
            continue
        element = block.get("element") or {}
        entry = (values.get(block.get("block_id", "")) or {}).get(element.get("action_id", ""))
        if entry is None or _is_empty(entry):
            missing[block.get("block_id", "")] = REQUIRED_MESSAGE
    return missing


def action_entry(block: dict[str, Any], element: dict[str, Any], raw: Any = None) -> dict[str, Any]:
    """One `actions[]` item of a block_actions payload for `element` set to `raw`."""
    kind = element["type"]
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        value = element.get("value") if raw is None else raw
        if value is not None:
            action["value"] = value
        if element.get("style"):
            action["style"] = element["style"]
    elif kind in SINGLE_OPTION:
        action["selected_option"] = _option(element, raw)
    elif kind in STATEFUL:
        action.update({k: v for k, v in element_state(element, raw).items() if k != "type"})
    if element.get("placeholder"):
        action["placeholder"] = element["placeholder"]
    return action


# ---------------------------------------------------------------------------- shapes
def user_ref(user: SandboxUser, ws: Workspace) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_domain}


def event_callback(ws: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """An Events API `event_callback` wrapping `event`."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": new_id("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def slash_command(
    ws: Workspace,
    user: SandboxUser,
    command: str,
    text: str,
    *,
    channel: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """The form fields of a slash command, as Slack posts them (all strings)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel,
        "channel_name": "directmessage",
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    ws: Workspace,
    user: SandboxUser,
    action: dict[str, Any],
    *,
    trigger_id: str,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A block_actions payload for a click in a message (with response_url) or in a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(user, ws),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if message is not None:
        is_ephemeral = message.get("subtype") == "ephemeral"
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
            "is_ephemeral": is_ephemeral,
        }
        payload["channel"] = {"id": message["channel"], "name": "directmessage"}
        payload["state"] = {"values": state or {}}
        payload["response_url"] = response_url
        if not is_ephemeral:
            payload["message"] = {k: v for k, v in message.items() if k != "channel"}
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    return payload


def view_submission(
    ws: Workspace, user: SandboxUser, view: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(user, ws),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(ws: Workspace, user: SandboxUser, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": team_ref(ws),
        "user": user_ref(user, ws),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }
