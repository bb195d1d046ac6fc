"""`Sandbox`: a local Slack workspace on loopback, for the app, the tests and a person.

The app talks to it with the same slack_sdk / Bolt code as to Slack; only the base URL
differs::

    sb = Sandbox(team_name="Acme", users=[{"name": "ana", "email": "ana@acme.test"}])
    await sb.start(host="127.0.0.1", port=0)
    client = AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)   # api_url ends in /api/
    handler = AsyncSocketModeHandler(app, sb.app_token)  # app built with that client
    print(sb.url)                                        # the page: pick a user, click, type /60

Injecting what a user does (each awaits the app's ack and returns an `Ack` with
`latency_s`, `payload`, `retry_attempt`, `late`; `timeout=` bounds the wait)::

    ack = await sb.slash_command(user_id, "/60", "help")
    ack = await sb.click(user_id, message_or_view, "approval-approve", value=None,
                         selected_option=None)   # a message dict / view dict / ts / view id
    ack = await sb.submit_view(user_id, view_id, {"block": {"action": "text"}})  # or {action: v}
    ack = await sb.close_view(user_id, view_id)  # view_closed when notify_on_close, else None
    ack = await sb.app_home_opened(user_id)      # tab="messages" for the DM tab
    ack = await sb.dm(user_id, "hello")          # a `message` event in the IM

Reading what the app did: `sb.messages(channel)`, `sb.dm_messages(user_id)`,
`sb.home_view(user_id)`, `sb.ephemerals(user_id)`, `sb.open_views(user_id)` (bottom to top),
`sb.calls` (every Web API call: `.method`, `.args`, `.ok`, `.error`), `sb.acks`,
`sb.connections`, `sb.calls_to(method)`, `sb.view_errors(view_id)`, `sb.im_channel(user_id)`,
`sb.bot_user_id`. `await sb.wait_for(lambda: ..., timeout=5)` wakes on every state change.
`sb.fire_slash_command(...)`, `sb.fire_click(...)`, `sb.fire_dm(...)` etc. send without
waiting and return a `Delivery` (`await delivery.future` gives the `Ack`), for load tests.

Levers for tests: `sb.rate_limit("chat.postMessage", times=1, retry_after=1)` (HTTP 429 with
Retry-After), `await sb.disconnect(reason)` (disconnect frames), `sb.freeze()` (a silently dead
socket: no envelopes, no pongs), `sb.refuse_connections()` (websocket connects get 503 until
`sb.refuse_connections(False)`), `Sandbox(ack_timeout=0.3, trigger_ttl=3.0)`. By default only
`events_api` envelopes are redelivered after a late ack, up to 3 times (as Slack does); a slash
command not acked in time gets Slack's "operation_timeout" ephemeral instead
(`Sandbox(redeliver=("events_api", "slash_commands", "interactive"))` retries those too).

The page's side panel shows `sb.panel_actions`; the app adds buttons with
`sb.add_panel_action("Meeting ended", handler)` (`async def handler(user_id) -> str | None`,
the answer is shown on the page) or `sb.add_panel_action("Email received", url=..., body={...})`
(the sandbox POSTs the JSON body to the URL).

`Sandbox(echo_bot_messages=True)` also sends the app a `message` event for each of its own
IM posts, as Slack does (Bolt ignores its own messages by default).

`python -m sandbox` runs one alone and prints its URLs and tokens.
"""

# ruff: noqa: ASYNC109  (timeout= per call is the API the tests asked for)
from __future__ import annotations

import asyncio
import collections
import copy
import inspect
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from sandbox import answers, page, payloads, webapi
from sandbox.socket_mode import MAX_RECORDS, REDELIVERED_TYPES, Ack, Delivery, SocketModeHub
from sandbox.state import ResponseTarget, SandboxUser, Workspace
from sandbox.webapi import Call, SlackError

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


@dataclass
class PanelAction:
    """A sample-event button on the page: a callable or a URL to POST a JSON body to."""

    label: str
    handler: Callable[[str], Awaitable[Any] | Any] | None = None
    url: str | None = None
    body: dict[str, Any] | None = None
    description: str = ""


class Sandbox:
    """A local Slack workspace: Web API, Socket Mode and a page, on one aiohttp server."""

    def __init__(
        self,
        team_name: str = "Sandbox",
        users: Iterable[SandboxUser | dict[str, Any]] | None = None,
        *,
        ack_timeout: float = 3.0,
        trigger_ttl: float = 3.0,
        disconnect_grace: float = 2.0,
        redeliver: Iterable[str] = REDELIVERED_TYPES,
        bot_name: str = "sixty",
        bot_real_name: str = "Sixty",
        echo_bot_messages: bool = False,
    ) -> None:
        self._cond = asyncio.Condition()
        self._notify_pending = False
        self._background: set[asyncio.Task[None]] = set()
        self.workspace = Workspace(team_name, on_change=self._changed)
        self.workspace.bot_user.name = bot_name
        self.workspace.bot_user.real_name = bot_real_name
        self.bot_token = f"xoxb-sandbox-{secrets.token_hex(12)}"
        self.app_token = f"xapp-1-{self.workspace.app_id}-sandbox-{secrets.token_hex(12)}"
        self.trigger_ttl = trigger_ttl
        self.echo_bot_messages = echo_bot_messages
        self.hub = SocketModeHub(
            app_id=self.workspace.app_id,
            ack_timeout=ack_timeout,
            disconnect_grace=disconnect_grace,
            redeliver=frozenset(redeliver),
            on_ack=self._on_ack,
            on_timeout=self._on_timeout,
            on_change=self._changed,
        )
        self.calls: list[Call] = []
        self.panel_actions: list[PanelAction] = []
        self.activity: collections.deque[dict[str, Any]] = collections.deque(maxlen=40)
        self._rate_limits: dict[str, list[int]] = {}
        self._runner: web.AppRunner | None = None
        self.stopping = False
        self.host = "127.0.0.1"
        self.port = 0
        for user in users or ():
            self.workspace.add_user(SandboxUser.coerce(user))

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", lambda r: webapi.handle_api(self, r))
        app.router.add_post(
            "/response/{team}/{token}", lambda r: webapi.handle_response_url(self, r)
        )
        app.router.add_get("/link/", self.hub.handle)
        page.add_routes(app, self)
        app.router.add_static("/static/", STATIC)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        # URLs handed out (page, response_url, websocket) need an address one can connect to
        self.host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        self.port = server.sockets[0].getsockname()[1]
        log.info("sandbox workspace started", extra={"url": self.url})
        return self

    async def stop(self) -> None:
        self.stopping = True
        await self._notify()  # long polls from the page return now
        await self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def url(self) -> str:
        """The page."""
        return self.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL for slack_sdk (`AsyncWebClient(base_url=...)`)."""
        return f"{self.base_url}api/"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    # ------------------------------------------------------------------ change notification
    def _changed(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if not self._notify_pending:
            self._notify_pending = True
            task = loop.create_task(self._notify())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _notify(self) -> None:
        self._notify_pending = False
        async with self._cond:
            self._cond.notify_all()

    def touch(self) -> None:
        self.workspace.touch()

    @property
    def version(self) -> int:
        return self.workspace.version

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every change); return its value."""
        result = predicate()
        if result:
            return result
        try:
            async with asyncio.timeout(timeout), self._cond:
                while not (result := predicate()):
                    await self._cond.wait()
        except TimeoutError:
            raise TimeoutError(f"sandbox: condition still false after {timeout} s") from None
        return result

    # ------------------------------------------------------------------ users and readers
    def add_user(
        self, user: SandboxUser | dict[str, Any] | None = None, **fields: Any
    ) -> SandboxUser:
        """Add a member: `add_user(name="ana", email=..., tz=..., is_admin=...)`."""
        return self.workspace.add_user(SandboxUser.coerce(user if user is not None else fields))

    def user(self, user_id: str) -> SandboxUser:
        user = self.workspace.users.get(user_id)
        if user is None:
            raise KeyError(f"no sandbox user {user_id}")
        return user

    @property
    def users(self) -> list[SandboxUser]:
        return self.workspace.humans()

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user.id

    def im_channel(self, user_id: str) -> str:
        self.user(user_id)
        return self.workspace.im_for(user_id)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.workspace.messages.get(channel, []))

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        return self.messages(self.im_channel(user_id))

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.workspace.ephemerals.get(user_id, []))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        view_id = self.workspace.homes.get(user_id)
        return copy.deepcopy(self.workspace.views[view_id]) if view_id else None

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        return self.workspace.snapshot_views(user_id)

    def view_errors(self, view_id: str) -> dict[str, str]:
        return dict(self.workspace.view_errors.get(view_id, {}))

    @property
    def acks(self) -> list[Ack]:
        return list(self.hub.acks)

    @property
    def connections(self) -> list[Any]:
        return list(self.hub.connections)

    def record(self, call: Call) -> None:
        self.calls.append(call)
        if len(self.calls) > MAX_RECORDS:
            del self.calls[: MAX_RECORDS // 2]  # a long `make run` keeps the latest calls

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ test levers
    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls to `method` with HTTP 429 and `Retry-After`."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def check_rate_limit(self, method: str) -> None:
        queue = self._rate_limits.get(method)
        if queue:
            retry_after = queue.pop(0)
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})

    async def disconnect(
        self, reason: str = "refresh_requested", connection: int | None = None
    ) -> int:
        return await self.hub.disconnect(reason, connection)

    def freeze(self, connection: int | None = None) -> int:
        """Make open connections silently dead (no envelopes, no pongs); returns how many."""
        return self.hub.freeze(connection)

    def refuse_connections(self, refuse: bool = True) -> None:
        """While refusing, websocket connects get HTTP 503 (apps.connections.open still works)."""
        self.hub.accepting = not refuse

    def add_panel_action(
        self,
        label: str,
        handler: Callable[[str], Awaitable[Any] | Any] | None = None,
        *,
        url: str | None = None,
        body: dict[str, Any] | None = None,
        description: str = "",
    ) -> PanelAction:
        if (handler is None) == (url is None):
            raise ValueError("a panel action needs a handler or a url")
        action = PanelAction(
            label=label, handler=handler, url=url, body=body, description=description
        )
        self.panel_actions.append(action)
        self.touch()
        return action

    # ------------------------------------------------------------------ injection (fire)
    def _note(self, kind: str, summary: str, user_id: str, delivery: Delivery) -> None:
        entry = {
            "kind": kind,
            "summary": summary,
            "user": user_id,
            "at": time.time(),
            "ack_ms": None,
        }
        self.activity.append(entry)
        delivery.note = entry

        def done(fut: asyncio.Future[Ack]) -> None:
            if not fut.cancelled():
                entry["ack_ms"] = round(fut.result().latency_ms, 1)
                self.touch()

        delivery.future.add_done_callback(done)
        self.touch()

    def fire_slash_command(self, user_id: str, command: str, text: str = "") -> Delivery:
        ws = self.workspace
        user = self.user(user_id)
        channel = ws.im_for(user_id)
        response_url = webapi.new_response_url(
            self, ResponseTarget(user_id=user_id, channel=channel)
        )
        payload = payloads.slash_command(
            ws,
            user,
            command,
            text,
            channel=channel,
            response_url=response_url,
            trigger_id=ws.new_trigger(user_id),
        )
        delivery = self.hub.deliver("slash_commands", payload, accepts_response_payload=True)
        self._note("slash_commands", f"{command} {text}".strip(), user_id, delivery)
        return delivery

    def fire_event(self, user_id: str, event: dict[str, Any], summary: str) -> Delivery:
        payload = payloads.event_callback(self.workspace, event)
        delivery = self.hub.deliver("events_api", payload, accepts_response_payload=False)
        self._note("events_api", summary, user_id, delivery)
        return delivery

    def fire_app_home_opened(self, user_id: str, tab: str = "home") -> Delivery:
        ws = self.workspace
        self.user(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": ws.im_for(user_id),
            "tab": tab,
            "event_ts": ws.next_ts(),
        }
        home = self.home_view(user_id)
        if tab == "home" and home is not None:
            event["view"] = home
        return self.fire_event(user_id, event, f"app_home_opened ({tab})")

    def fire_dm(self, user_id: str, text: str) -> Delivery:
        ws = self.workspace
        self.user(user_id)
        channel = ws.im_for(user_id)
        message = ws.post(channel, text=text, blocks=None, user=user_id, bot=False)
        event = {
            "type": "message",
            "channel": channel,
            "user": user_id,
            "text": text,
            "ts": message["ts"],
            "event_ts": message["ts"],
            "channel_type": "im",
            "team": ws.team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": secrets.token_urlsafe(3),
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
        }
        return self.fire_event(user_id, event, "message.im")

    def _locate(
        self, user_id: str, ref: Any
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(message, view) a click refers to: a message/view dict, a ts or a view id."""
        ws = self.workspace
        if isinstance(ref, dict):
            if ref.get("type") in ("modal", "home") and ref.get("id") in ws.views:
                return None, ws.views[ref["id"]]
            ref = ref.get("ts") or ref.get("message_ts") or ref.get("id")
        ref = str(ref)
        if ref in ws.views:
            return None, ws.views[ref]
        channel = ws.im_for(user_id)
        message = ws.find_message(channel, ref) or ws.find_ephemeral(user_id, ref)
        if message is None:
            raise KeyError(f"no message or view {ref!r} for {user_id}")
        return message, None

    def fire_click(
        self,
        user_id: str,
        ref: Any,
        action_id: str,
        value: Any = None,
        *,
        selected_option: Any = None,
        block_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Delivery:
        ws = self.workspace
        user = self.user(user_id)
        message, view = self._locate(user_id, ref)
        surface = message if message is not None else view
        assert surface is not None
        found = payloads.find_element(surface.get("blocks"), action_id, block_id)
        if found is None:
            raise KeyError(f"no element with action_id {action_id!r}")
        block, element = found
        raw = selected_option if selected_option is not None else value
        action = payloads.action_entry(block, element, raw)
        trigger_id = ws.new_trigger(user_id)
        if view is not None:
            view_copy = copy.deepcopy(view)
            view_copy["state"] = {"values": payloads.state_values(view.get("blocks"), state)}
            payload = payloads.block_actions(
                ws, user, action, trigger_id=trigger_id, view=view_copy
            )
        else:
            assert message is not None
            target = ResponseTarget(
                user_id=user_id,
                channel=message["channel"],
                message_ts=message["ts"],
                is_ephemeral=message.get("subtype") == "ephemeral",
            )
            payload = payloads.block_actions(
                ws,
                user,
                action,
                trigger_id=trigger_id,
                message=message,
                response_url=webapi.new_response_url(self, target),
                state=payloads.state_values(message.get("blocks"), state),
            )
        delivery = self.hub.deliver("interactive", payload, accepts_response_payload=False)
        self._note("interactive", f"block_actions {action_id}", user_id, delivery)
        return delivery

    def fire_submit_view(
        self, user_id: str, view_id: str, values: dict[str, Any] | None = None
    ) -> Delivery:
        ws = self.workspace
        user = self.user(user_id)
        view = ws.views.get(view_id)
        if view is None or ws.view_owner.get(view_id) != user_id:
            raise KeyError(f"no view {view_id} open for {user_id}")
        view["state"] = {"values": payloads.state_values(view.get("blocks"), values)}
        missing = payloads.missing_required(view.get("blocks"), view["state"]["values"])
        if missing:  # refused in the client, as Slack does: the app gets no view_submission
            ws.view_errors[view_id] = missing
            self.touch()
            raise payloads.RequiredFieldMissing(view_id, missing)
        payload = payloads.view_submission(ws, user, copy.deepcopy(view), ws.new_trigger(user_id))
        delivery = self.hub.deliver("interactive", payload, accepts_response_payload=True)
        self._note(
            "interactive", f"view_submission {view.get('callback_id', '')}", user_id, delivery
        )
        return delivery

    def fire_close_view(self, user_id: str, view_id: str) -> Delivery | None:
        ws = self.workspace
        user = self.user(user_id)
        view = ws.views.get(view_id)
        if view is None:
            raise KeyError(f"no view {view_id}")
        ws.close_view(user_id, view_id)
        if not view.get("notify_on_close"):
            return None
        payload = payloads.view_closed(ws, user, copy.deepcopy(view))
        delivery = self.hub.deliver("interactive", payload, accepts_response_payload=False)
        self._note("interactive", f"view_closed {view.get('callback_id', '')}", user_id, delivery)
        return delivery

    # ------------------------------------------------------------------ injection (await ack)
    @staticmethod
    async def _acked(delivery: Delivery, timeout: float) -> Ack:
        return await asyncio.wait_for(asyncio.shield(delivery.future), timeout)

    async def slash_command(
        self, user_id: str, command: str, text: str = "", *, timeout: float = 10.0
    ) -> Ack:
        return await self._acked(self.fire_slash_command(user_id, command, text), timeout)

    async def click(
        self,
        user_id: str,
        ref: Any,
        action_id: str,
        value: Any = None,
        *,
        selected_option: Any = None,
        block_id: str | None = None,
        state: dict[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> Ack:
        delivery = self.fire_click(
            user_id,
            ref,
            action_id,
            value,
            selected_option=selected_option,
            block_id=block_id,
            state=state,
        )
        return await self._acked(delivery, timeout)

    async def submit_view(
        self,
        user_id: str,
        view_id: str,
        values: dict[str, Any] | None = None,
        *,
        timeout: float = 10.0,
    ) -> Ack:
        return await self._acked(self.fire_submit_view(user_id, view_id, values), timeout)

    async def close_view(self, user_id: str, view_id: str, *, timeout: float = 10.0) -> Ack | None:
        delivery = self.fire_close_view(user_id, view_id)
        return None if delivery is None else await self._acked(delivery, timeout)

    async def app_home_opened(
        self, user_id: str, tab: str = "home", *, timeout: float = 10.0
    ) -> Ack:
        return await self._acked(self.fire_app_home_opened(user_id, tab), timeout)

    async def dm(self, user_id: str, text: str, *, timeout: float = 10.0) -> Ack:
        return await self._acked(self.fire_dm(user_id, text), timeout)

    # ------------------------------------------------------------------ ack side effects
    async def _on_ack(self, delivery: Delivery, ack: Ack) -> None:
        answers.on_ack(self, delivery, ack)
        self.touch()

    async def _on_timeout(self, delivery: Delivery) -> None:
        answers.on_timeout(self, delivery)
        self.touch()

    # ------------------------------------------------------------------ panel
    async def run_panel_action(self, index: int, user_id: str) -> str:
        action = self.panel_actions[index]
        self.activity.append(
            {
                "kind": "panel",
                "summary": action.label,
                "user": user_id,
                "at": time.time(),
                "ack_ms": None,
            }
        )
        self.touch()
        if action.handler is not None:
            result = action.handler(user_id)
            if inspect.isawaitable(result):
                result = await result
            return "" if result is None else str(result)
        assert action.url is not None
        async with (
            aiohttp.ClientSession() as session,
            session.post(action.url, json=action.body or {}) as resp,
        ):
            return f"{resp.status} {resp.reason}"
