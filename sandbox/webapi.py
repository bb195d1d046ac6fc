"""The sandbox's Slack Web API: `/api/<method>` and `response_url` posts, answered as Slack does.

Arguments are read from the query string, a JSON body or a form body (slack_sdk uses all
three). Tokens come from `Authorization: Bearer …` or a `token` argument; the app-level
token is accepted by `apps.connections.open` only, and only in the header. Answers are
`{"ok": true, …}` or `{"ok": false, "error": …}`; refused blocks come back as
`invalid_blocks` with `errors` and `response_metadata.messages` naming what broke.
Every call is recorded in `Sandbox.calls`.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.blocks_check import message_block_errors, view_errors
from sandbox.payloads import fill_ids
from sandbox.state import ResponseTarget

if TYPE_CHECKING:
    from sandbox.server import Sandbox

MAX_TEXT = 40_000
MAX_METADATA = 8_000  # Slack refuses larger message metadata (`metadata_too_large`)
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60
PUSH_LIMIT = 3


class SlackError(Exception):
    """A Slack-shaped error answer."""

    def __init__(
        self, error: str, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class Call:
    """One Web API call (or response_url post) as the sandbox saw it."""

    method: str
    args: dict[str, Any]
    ok: bool = True
    error: str | None = None
    at: float = field(default_factory=time.time)


Args = dict[str, Any]
Method = Callable[["Sandbox", Args], Awaitable[dict[str, Any]]]
METHODS: dict[str, Method] = {}
APP_TOKEN_METHODS = {"apps.connections.open"}


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------- plumbing
async def read_args(request: web.Request) -> Args:
    args: Args = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                args.update(body)
        else:
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in ("blocks", "view", "attachments", "metadata"):
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                raise SlackError(
                    "invalid_arguments",
                    response_metadata={"messages": [f"[ERROR] {key} is not valid JSON"]},
                ) from None
    return args


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def authorise(sb: Sandbox, name: str, header_token: str | None, args: Args) -> None:
    body_token = args.pop("token", None)
    if name in APP_TOKEN_METHODS:
        if header_token is None:
            raise SlackError("not_authed")
        if header_token == sb.bot_token:
            raise SlackError("not_allowed_token_type")
        if header_token != sb.app_token:
            raise SlackError("invalid_auth")
        return
    token = header_token or body_token
    if not token:
        raise SlackError("not_authed")
    if token == sb.app_token:
        raise SlackError("not_allowed_token_type")
    if token != sb.bot_token:
        raise SlackError("invalid_auth")


async def handle_api(sb: Sandbox, request: web.Request) -> web.Response:
    name = request.match_info["method"]
    call = Call(method=name, args={})
    sb.record(call)
    try:
        args = await read_args(request)
        call.args = {k: v for k, v in args.items() if k != "token"}
        authorise(sb, name, _bearer(request), args)
        sb.check_rate_limit(name)
        handler = METHODS.get(name)
        if handler is None:
            raise SlackError("unknown_method", status=404)
        result = await handler(sb, args)
        body, status, headers = {"ok": True, **result}, 200, {}
    except SlackError as exc:
        call.ok, call.error = False, exc.error
        body, status, headers = exc.body(), exc.status, exc.headers
    sb.touch()
    return web.json_response(body, status=status, headers=headers)


def _require(args: Args, *keys: str) -> None:
    missing = [k for k in keys if args.get(k) in (None, "")]
    if missing:
        raise SlackError(
            "invalid_arguments",
            response_metadata={
                "messages": [f"[ERROR] missing required field: {k}" for k in missing]
            },
        )


def _check_blocks(blocks: Any) -> list[Any] | None:
    errors = message_block_errors(blocks)
    if errors:
        raise SlackError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    return fill_ids(blocks) if blocks else None


def check_view(view: Any, kind: str) -> dict[str, Any]:
    if not isinstance(view, dict):
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["[ERROR] view is required"]}
        )
    errors = view_errors(view)
    if not errors and view.get("type") != kind:
        errors = [f"type must be {kind} here (got {view.get('type')!r}) [json-pointer:/view/type]"]
    if errors:
        raise SlackError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    return {**view, "blocks": fill_ids(view.get("blocks")) or []}


def _text(args: Args, blocks: list[Any] | None, *, required: bool = True) -> str:
    text = args.get("text") or ""
    if required and not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "channel"}


def _user(sb: Sandbox, user_id: Any, error: str = "user_not_found") -> Any:
    user = sb.workspace.users.get(str(user_id or ""))
    if user is None:
        raise SlackError(error)
    return user


# ---------------------------------------------------------------------------- auth, users
@method("auth.test")
async def auth_test(sb: Sandbox, args: Args) -> dict[str, Any]:
    ws = sb.workspace
    return {
        "url": sb.url,
        "team": ws.team_name,
        "user": ws.bot_user.name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user.id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


@method("apps.connections.open")
async def apps_connections_open(sb: Sandbox, args: Args) -> dict[str, Any]:
    ticket = sb.hub.issue_ticket()
    return {"url": f"{sb.ws_url}link/?ticket={ticket}&app_id={sb.workspace.app_id}"}


@method("users.info")
async def users_info(sb: Sandbox, args: Args) -> dict[str, Any]:
    _require(args, "user")
    user = _user(sb, args["user"])
    return {
        "user": user.to_slack(sb.workspace.team_id, sb.workspace.bot_id if user.is_bot else None)
    }


@method("users.list")
async def users_list(sb: Sandbox, args: Args) -> dict[str, Any]:
    ws = sb.workspace
    members = [u.to_slack(ws.team_id, ws.bot_id if u.is_bot else None) for u in ws.users.values()]
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 0) or len(members)
    page = members[start : start + limit]
    following = start + limit
    next_cursor = str(following) if following < len(members) else ""
    return {
        "members": page,
        "cache_ts": int(time.time()),
        "response_metadata": {"next_cursor": next_cursor},
    }


@method("users.lookupByEmail")
async def users_lookup_by_email(sb: Sandbox, args: Args) -> dict[str, Any]:
    _require(args, "email")
    user = sb.workspace.user_by_email(str(args["email"]))
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user.to_slack(sb.workspace.team_id)}


@method("conversations.open")
async def conversations_open(sb: Sandbox, args: Args) -> dict[str, Any]:
    ws = sb.workspace
    if args.get("channel"):
        channel = ws.resolve_channel(str(args["channel"]))
        if channel is None:
            raise SlackError("channel_not_found")
        owner = ws.im_owner.get(channel)
    else:
        _require(args, "users")
        ids = [u.strip() for u in str(args["users"]).split(",") if u.strip()]
        for user_id in ids:
            _user(sb, user_id, "users_not_found")
        humans = [u for u in ids if not ws.users[u].is_bot]
        if len(humans) != 1:
            raise SlackError("not_supported", detail="the sandbox only has IMs with one user")
        owner = humans[0]
        already = owner in ws.ims
        channel = ws.im_for(owner)
        if not already:
            ws.touch()
    full = str(args.get("return_im", "")).lower() in ("1", "true")
    info: dict[str, Any] = {"id": channel}
    if full:
        info.update({"is_im": True, "user": owner, "created": int(time.time()), "is_open": True})
    return {"no_op": True, "already_open": True, "channel": info}


# ---------------------------------------------------------------------------- messages
def _channel(sb: Sandbox, args: Args) -> str:
    _require(args, "channel")
    channel = sb.workspace.resolve_channel(str(args["channel"]))
    if channel is None:
        raise SlackError("channel_not_found")
    return channel


def _check_metadata(metadata: Any) -> dict[str, Any]:
    """Message metadata as Slack takes it: `{event_type: str, event_payload: object}`."""
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    if len(json.dumps(metadata)) > MAX_METADATA:
        raise SlackError("metadata_too_large")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


@method("conversations.history")
async def conversations_history(sb: Sandbox, args: Args) -> dict[str, Any]:
    """A channel's messages, newest first, as Slack pages them (`cursor`, `limit` up to 999,
    `oldest`/`latest` exclusive unless `inclusive`); `metadata` only with
    `include_all_metadata`. Ephemeral messages are never part of history."""
    channel = _channel(sb, args)
    ws = sb.workspace
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    try:
        limit = min(999, max(1, int(args.get("limit") or 100)))
        start = int(args.get("cursor") or 0)
        oldest = float(args.get("oldest") or 0)
        latest = float(args["latest"]) if args.get("latest") else None
    except ValueError:
        raise SlackError("invalid_arguments") from None

    def within(ts: str) -> bool:
        t = float(ts)
        above = t >= oldest if inclusive else t > oldest
        below = latest is None or (t <= latest if inclusive else t < latest)
        return above and below

    found = [m for m in reversed(ws.messages.get(channel, [])) if within(m["ts"])]
    page = found[start : start + limit]
    more = start + limit < len(found)
    out = []
    for m in page:
        shown = copy.deepcopy(_public(m))
        if not with_metadata:
            shown.pop("metadata", None)
        out.append(shown)
    return {
        "messages": out,
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


@method("chat.postMessage")
async def chat_post_message(sb: Sandbox, args: Args) -> dict[str, Any]:
    channel = _channel(sb, args)
    blocks = _check_blocks(args.get("blocks"))
    text = _text(args, blocks)
    ws = sb.workspace
    message = ws.post(channel, text=text, blocks=blocks, user=ws.bot_user.id, bot=True)
    if args.get("thread_ts"):
        message["thread_ts"] = str(args["thread_ts"])
    if args.get("metadata"):
        message["metadata"] = _check_metadata(args["metadata"])
    owner = ws.im_owner.get(channel)
    if sb.echo_bot_messages and owner is not None:
        event = {
            **_public(message),
            "channel": channel,
            "event_ts": message["ts"],
            "channel_type": "im",
        }
        sb.fire_event(owner, event, "message.im (the app's own)")
    return {"channel": channel, "ts": message["ts"], "message": _public(message)}


@method("chat.update")
async def chat_update(sb: Sandbox, args: Args) -> dict[str, Any]:
    channel = _channel(sb, args)
    _require(args, "ts")
    ws = sb.workspace
    message = ws.find_message(channel, str(args["ts"]))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("bot_id") != ws.bot_id:
        raise SlackError("cant_update_message")
    blocks = _check_blocks(args.get("blocks")) if "blocks" in args else message.get("blocks")
    text = _text(args, blocks, required=False) if "text" in args else message.get("text", "")
    if not text and not blocks:
        raise SlackError("no_text")
    message["text"] = text
    if blocks:
        message["blocks"] = blocks
    else:
        message.pop("blocks", None)
    message["edited"] = {"user": ws.bot_user.id, "ts": ws.next_ts()}
    ws.touch()
    return {"channel": channel, "ts": message["ts"], "text": text, "message": _public(message)}


@method("chat.postEphemeral")
async def chat_post_ephemeral(sb: Sandbox, args: Args) -> dict[str, Any]:
    channel = _channel(sb, args)
    _require(args, "user")
    user = _user(sb, args["user"])
    ws = sb.workspace
    owner = ws.im_owner.get(channel)
    if owner is not None and owner != user.id:
        raise SlackError("user_not_in_channel")
    blocks = _check_blocks(args.get("blocks"))
    text = _text(args, blocks)
    message = ws.post_ephemeral(channel, user.id, text=text, blocks=blocks)
    return {"message_ts": message["ts"]}


@method("chat.delete")
async def chat_delete(sb: Sandbox, args: Args) -> dict[str, Any]:
    channel = _channel(sb, args)
    _require(args, "ts")
    ws = sb.workspace
    message = ws.find_message(channel, str(args["ts"]))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("bot_id") != ws.bot_id:
        raise SlackError("cant_delete_message")
    ws.delete_message(channel, message["ts"])
    return {"channel": channel, "ts": message["ts"]}


# ---------------------------------------------------------------------------- views
def _use_trigger(sb: Sandbox, args: Args) -> str:
    """The user a trigger_id belongs to; the trigger is spent."""
    _require(args, "trigger_id")
    trigger = sb.workspace.triggers.get(str(args["trigger_id"]))
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued_at > sb.trigger_ttl:
        raise SlackError("expired_trigger_id")
    trigger.used = True
    return trigger.user_id


def _check_hash(args: Args, current: dict[str, Any] | None) -> None:
    wanted = args.get("hash")
    if wanted and current is not None and current.get("hash") != wanted:
        raise SlackError("hash_conflict")


@method("views.open")
async def views_open(sb: Sandbox, args: Args) -> dict[str, Any]:
    view = check_view(args.get("view"), "modal")
    user_id = _use_trigger(sb, args)
    ws = sb.workspace
    stored = ws.store_view(user_id, view)
    stack = ws.stack(user_id)
    stack.clear()
    stack.append(stored["id"])
    ws.touch()
    return {"view": copy.deepcopy(stored)}


@method("views.push")
async def views_push(sb: Sandbox, args: Args) -> dict[str, Any]:
    view = check_view(args.get("view"), "modal")
    ws = sb.workspace
    trigger = ws.triggers.get(str(args.get("trigger_id") or ""))
    if trigger is not None and len(ws.stack(trigger.user_id)) >= PUSH_LIMIT:
        raise SlackError("push_limit_reached")
    user_id = _use_trigger(sb, args)
    stack = ws.stack(user_id)
    stored = ws.store_view(user_id, view)
    if stack:
        stored["previous_view_id"] = stack[-1]
        stored["root_view_id"] = stack[0]
    stack.append(stored["id"])
    ws.touch()
    return {"view": copy.deepcopy(stored)}


@method("views.update")
async def views_update(sb: Sandbox, args: Args) -> dict[str, Any]:
    ws = sb.workspace
    if args.get("view_id"):
        current = ws.views.get(str(args["view_id"]))
    elif args.get("external_id"):
        current = ws.view_by_external_id(str(args["external_id"]))
    else:
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
        )
    if current is None:
        raise SlackError("not_found")
    kind = current.get("type", "modal")
    view = check_view(args.get("view"), kind)
    _check_hash(args, current)
    stored = ws.store_view(ws.view_owner[current["id"]], view, view_id=current["id"])
    return {"view": copy.deepcopy(stored)}


@method("views.publish")
async def views_publish(sb: Sandbox, args: Args) -> dict[str, Any]:
    _require(args, "user_id")
    user = _user(sb, args["user_id"])
    view = check_view(args.get("view"), "home")
    ws = sb.workspace
    current_id = ws.homes.get(user.id)
    _check_hash(args, ws.views.get(current_id) if current_id else None)
    stored = ws.store_view(user.id, view, view_id=current_id)
    ws.homes[user.id] = stored["id"]
    return {"view": copy.deepcopy(stored)}


# ---------------------------------------------------------------------------- response_url
def new_response_url(sb: Sandbox, target: ResponseTarget) -> str:
    token = secrets.token_urlsafe(18)
    sb.workspace.response_targets[token] = target
    return f"{sb.base_url}response/{sb.workspace.team_id}/{token}"


def apply_response(sb: Sandbox, target: ResponseTarget, body: dict[str, Any]) -> None:
    """Carry out a response_url body (or a slash command's ack payload) for `target`."""
    ws = sb.workspace
    truthy = ("true", "1", True)
    if body.get("delete_original") in truthy:
        if target.message_ts is None:
            raise SlackError("no_original_message", status=404)
        if target.is_ephemeral:
            ws.ephemerals[target.user_id] = [
                m for m in ws.ephemerals.get(target.user_id, []) if m["ts"] != target.message_ts
            ]
            ws.touch()
        else:
            ws.delete_message(target.channel, target.message_ts)
        return
    blocks = _check_blocks(body.get("blocks"))
    text = _text(body, blocks)
    if body.get("replace_original") in truthy and target.message_ts is not None:
        original = (
            ws.find_ephemeral(target.user_id, target.message_ts)
            if target.is_ephemeral
            else ws.find_message(target.channel, target.message_ts)
        )
        if original is None:
            raise SlackError("no_original_message", status=404)
        original["text"] = text
        if blocks:
            original["blocks"] = blocks
        else:
            original.pop("blocks", None)
        ws.touch()
    elif body.get("response_type") == "in_channel":
        ws.post(target.channel, text=text, blocks=blocks, user=ws.bot_user.id, bot=True)
    else:
        ws.post_ephemeral(target.channel, target.user_id, text=text, blocks=blocks)


async def handle_response_url(sb: Sandbox, request: web.Request) -> web.Response:
    token = request.match_info["token"]
    call = Call(method="response_url", args={})
    sb.record(call)
    try:
        if request.content_type == "application/json":
            body = await request.json()
        else:
            form = await request.post()
            body = json.loads(str(form.get("payload") or "{}"))
        call.args = body if isinstance(body, dict) else {}
        target = sb.workspace.response_targets.get(token)
        if target is None or time.monotonic() - target.issued_at > RESPONSE_URL_TTL:
            raise SlackError("expired_url", status=404)
        if target.uses >= RESPONSE_URL_USES:
            raise SlackError("used_url", status=404)
        target.uses += 1
        apply_response(sb, target, call.args)
        answer, status = {"ok": True}, 200
    except SlackError as exc:
        call.ok, call.error = False, exc.error
        answer, status = exc.body(), (exc.status if exc.status != 200 else 400)
    sb.touch()
    return web.json_response(answer, status=status)
