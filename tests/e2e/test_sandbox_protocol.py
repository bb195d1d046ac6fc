"""The sandbox speaks Slack: slack_sdk's own clients against it over real loopback sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.payloads import RequiredFieldMissing
from sandbox.server import Sandbox

Listener = Callable[[SocketModeClient, SocketModeRequest], Awaitable[None]]


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(
        team_name="Acme Sales",
        users=[
            {
                "name": "ana",
                "real_name": "Ana Lima",
                "email": "ana@acme.test",
                "tz": "Europe/Lisbon",
            },
            {"name": "ben", "real_name": "Ben Ode", "email": "ben@acme.test", "is_admin": True},
        ],
        ack_timeout=0.5,
        disconnect_grace=0.2,
    )
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
def client(sb: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)


@pytest.fixture
async def connect(sb: Sandbox) -> AsyncIterator[Callable[[Listener], Awaitable[SocketModeClient]]]:
    """Open slack_sdk Socket Mode clients on the sandbox; all closed at the end."""
    opened: list[SocketModeClient] = []

    async def open_client(listener: Listener) -> SocketModeClient:
        web = AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)
        smc = SocketModeClient(app_token=sb.app_token, web_client=web, ping_interval=1)
        smc.socket_mode_request_listeners.append(listener)
        before = len(sb.hub.live_connections())
        await smc.connect()
        opened.append(smc)
        await sb.wait_for(lambda: len(sb.hub.live_connections()) > before)
        return smc

    yield open_client
    for smc in opened:
        await smc.close()


def ana(sb: Sandbox) -> str:
    return sb.workspace.user_by_email("ana@acme.test").id  # type: ignore[union-attr]


async def error_of(call: Awaitable[Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


# ---------------------------------------------------------------------------- Web API
async def test_auth_answers_like_slack(sb: Sandbox, client: AsyncWebClient) -> None:
    me = await client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == (
        sb.workspace.team_id,
        sb.bot_user_id,
        sb.workspace.bot_id,
    )
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=sb.api_url)
    assert (await error_of(wrong.auth_test())).response["error"] == "invalid_auth"
    anonymous = AsyncWebClient(base_url=sb.api_url)
    assert (await error_of(anonymous.auth_test())).response["error"] == "not_authed"
    app_level = AsyncWebClient(token=sb.app_token, base_url=sb.api_url)
    assert (await error_of(app_level.auth_test())).response["error"] == "not_allowed_token_type"
    # the app-level token is accepted in the Authorization header only
    assert (await error_of(client.apps_connections_open(app_token=sb.bot_token))).response[
        "error"
    ] == "not_allowed_token_type"
    opened = await client.apps_connections_open(app_token=sb.app_token)
    assert opened["url"].startswith(f"ws://127.0.0.1:{sb.port}/link/?ticket=")


async def test_messages_round_trip(sb: Sandbox, client: AsyncWebClient) -> None:
    user = ana(sb)
    posted = await client.chat_postMessage(channel=user, text="hello *Ana*")
    dm = sb.im_channel(user)
    assert posted["channel"] == dm
    assert [m["text"] for m in sb.dm_messages(user)] == ["hello *Ana*"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "updated"}}]
    await client.chat_update(channel=dm, ts=posted["ts"], text="updated", blocks=blocks)
    (message,) = sb.dm_messages(user)
    assert message["text"] == "updated" and message["blocks"][0]["block_id"]
    ephemeral = await client.chat_postEphemeral(channel=dm, user=user, text="only you")
    assert sb.ephemerals(user)[0]["ts"] == ephemeral["message_ts"]
    await client.chat_delete(channel=dm, ts=posted["ts"])
    assert sb.dm_messages(user) == []
    assert (await error_of(client.chat_postMessage(channel="C404", text="x"))).response[
        "error"
    ] == "channel_not_found"
    assert (await error_of(client.chat_update(channel=dm, ts="1.2", text="x"))).response[
        "error"
    ] == "message_not_found"
    with pytest.warns(UserWarning, match="text"):
        assert (await error_of(client.chat_postMessage(channel=dm))).response["error"] == "no_text"
    assert [c.method for c in sb.calls][:3] == [
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
    ]
    assert sb.calls[0].args["channel"] == user


async def test_history_pages_newest_first_with_metadata_on_request(
    sb: Sandbox, client: AsyncWebClient
) -> None:
    ana = sb.users[0].id
    dm = (await client.conversations_open(users=ana))["channel"]["id"]
    meta = {"event_type": "sixty_post", "event_payload": {"key": "job:1"}}
    first = await client.chat_postMessage(channel=dm, text="one", metadata=meta)
    for text in ("two", "three"):
        await client.chat_postMessage(channel=dm, text=text)
    page = await client.conversations_history(channel=dm, limit=2)
    assert [m["text"] for m in page["messages"]] == ["three", "two"] and page["has_more"]
    assert all("metadata" not in m for m in page["messages"])
    rest = await client.conversations_history(
        channel=dm, cursor=page["response_metadata"]["next_cursor"], include_all_metadata=True
    )
    [one] = rest["messages"]
    assert one["ts"] == first["ts"] and one["metadata"] == meta and not rest["has_more"]
    after = await client.conversations_history(channel=dm, oldest=first["ts"])
    assert [m["text"] for m in after["messages"]] == ["three", "two"]  # oldest is exclusive
    with pytest.raises(SlackApiError) as bad:
        await client.chat_postMessage(channel=dm, text="x", metadata={"event_type": "x"})
    assert bad.value.response["error"] == "invalid_metadata_format"
    with pytest.raises(SlackApiError) as missing:
        await client.conversations_history(channel="C404")
    assert missing.value.response["error"] == "channel_not_found"


async def test_users_and_conversations(sb: Sandbox, client: AsyncWebClient) -> None:
    user = ana(sb)
    info = await client.users_info(user=user)
    assert info["user"]["profile"]["email"] == "ana@acme.test"
    assert info["user"]["tz"] == "Europe/Lisbon"
    listed = await client.users_list(limit=2)
    rest = await client.users_list(limit=2, cursor=listed["response_metadata"]["next_cursor"])
    names = {m["name"] for m in listed["members"] + rest["members"]}
    assert names == {"ana", "ben", "sixty"}
    found = await client.users_lookupByEmail(email="BEN@acme.test")
    assert found["user"]["is_admin"] is True
    opened = await client.conversations_open(users=user)
    assert opened["channel"]["id"] == sb.im_channel(user)
    assert (await error_of(client.users_info(user="U404"))).response["error"] == "user_not_found"
    assert (await error_of(client.users_lookupByEmail(email="x@y.z"))).response[
        "error"
    ] == "users_not_found"
    assert (await error_of(client.conversations_open(users="U404"))).response[
        "error"
    ] == "users_not_found"


async def test_invalid_blocks_name_what_broke(sb: Sandbox, client: AsyncWebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    too_many = await error_of(
        client.chat_postMessage(channel=ana(sb), text="t", blocks=[section] * 51)
    )
    assert too_many.response["error"] == "invalid_blocks"
    assert too_many.response["errors"] == [
        "must have at most 50 items (got 51) [json-pointer:/blocks]"
    ]
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    broken = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}},
        {"type": "actions", "elements": [button]},
        {"type": "carousel"},
    ]
    answer = (
        await error_of(client.chat_postMessage(channel=ana(sb), text="t", blocks=broken))
    ).response
    assert any("/blocks/0/text/text" in e and "3000" in e for e in answer["errors"])
    assert any("/blocks/1/elements/0/text/text" in e and "75" in e for e in answer["errors"])
    assert any("unsupported block type 'carousel'" in e for e in answer["errors"])
    assert answer["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert sb.dm_messages(ana(sb)) == []


async def test_ratelimited_answer_is_honoured_by_slack_sdk(sb: Sandbox) -> None:
    client = AsyncWebClient(
        token=sb.bot_token,
        base_url=sb.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    sb.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    await client.chat_postMessage(channel=ana(sb), text="after a pause")
    assert time.monotonic() - started >= 1.0
    assert [(c.method, c.error) for c in sb.calls] == [
        ("chat.postMessage", "ratelimited"),
        ("chat.postMessage", None),
    ]
    bare = AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)
    sb.rate_limit("users.info", retry_after=7)
    refused = await error_of(bare.users_info(user=ana(sb)))
    assert refused.response.status_code == 429
    assert refused.response.headers["Retry-After"] == "7"


# ---------------------------------------------------------------------------- Socket Mode
async def test_slash_command_is_delivered_and_its_ack_payload_answers(
    sb: Sandbox, connect: Any
) -> None:
    seen: list[SocketModeRequest] = []

    async def listener(smc: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append(req)
        reply = {"text": f"you said {req.payload['text']}"}
        await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=reply))

    await connect(listener)
    ack = await sb.slash_command(ana(sb), "/60", "help")
    (req,) = seen
    assert req.type == "slash_commands" and req.accepts_response_payload
    assert req.payload["command"] == "/60" and req.payload["user_id"] == ana(sb)
    assert req.payload["channel_id"] == sb.im_channel(ana(sb))
    assert req.payload["response_url"].startswith(sb.base_url)
    assert 0 < ack.latency_s < 0.5 and ack.payload == {"text": "you said help"}
    assert [e["text"] for e in sb.ephemerals(ana(sb))] == ["you said help"]


async def test_late_ack_is_redelivered_with_retry_attempt(sb: Sandbox, connect: Any) -> None:
    seen: list[SocketModeRequest] = []

    async def listener(smc: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append(req)
        if req.retry_attempt:  # ignore the first delivery, ack the retry
            await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))

    await connect(listener)
    ack = await sb.dm(ana(sb), "anyone there?")
    first, retry = seen
    assert (first.retry_attempt, first.retry_reason) == (0, "")
    assert (retry.retry_attempt, retry.retry_reason) == (1, "timeout")
    assert first.payload["event_id"] == retry.payload["event_id"]
    assert first.payload["event"]["channel_type"] == "im"
    assert ack.retry_attempt == 1 and ack.deliveries == 2 and not ack.late


async def test_unacked_slash_command_times_out_like_slack(sb: Sandbox, connect: Any) -> None:
    async def silent(smc: SocketModeClient, req: SocketModeRequest) -> None:
        return None

    await connect(silent)
    delivery = sb.fire_slash_command(ana(sb), "/60", "help")
    await sb.wait_for(lambda: delivery.timed_out, timeout=3)
    assert delivery.attempts == 1  # Slack does not resend commands; the user sees an error
    assert sb.ephemerals(ana(sb))[-1]["text"] == '/60 failed with the error "operation_timeout"'


async def test_envelopes_spread_over_connections_and_disconnect(sb: Sandbox, connect: Any) -> None:
    per_client: dict[int, int] = {}

    def counting(n: int) -> Listener:
        async def listener(smc: SocketModeClient, req: SocketModeRequest) -> None:
            per_client[n] = per_client.get(n, 0) + 1
            await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))

        return listener

    await connect(counting(1))
    await connect(counting(2))
    await asyncio.gather(*(sb.app_home_opened(ana(sb)) for _ in range(6)))
    assert per_client == {1: 3, 2: 3}
    # a disconnect frame makes slack_sdk open a fresh connection by itself
    opened_before = len(sb.connections)
    assert await sb.disconnect("refresh_requested", connection=sb.connections[0].id) == 1
    await sb.wait_for(lambda: len(sb.connections) == opened_before + 1, timeout=5)
    await sb.wait_for(lambda: len(sb.hub.live_connections()) == 2, timeout=5)
    assert (await sb.app_home_opened(ana(sb))).deliveries == 1
    # a frozen link takes nothing: envelopes wait for a live one
    assert sb.freeze() >= 2
    assert sb.hub.live_connections() == []


async def test_silent_link_and_refused_connects(sb: Sandbox) -> None:
    web = AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)
    smc = SocketModeClient(app_token=sb.app_token, web_client=web, ping_interval=0.3)

    async def listener(client: SocketModeClient, req: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(req.envelope_id))

    smc.socket_mode_request_listeners.append(listener)
    await smc.connect()
    try:
        await sb.wait_for(lambda: sb.hub.live_connections())
        sb.refuse_connections()
        assert sb.freeze() == 1  # no pongs any more: slack_sdk's heartbeat gives up on it
        await sb.wait_for(lambda: sb.connections[0].closed, timeout=5)
        opens = len(sb.calls_to("apps.connections.open"))
        await sb.wait_for(lambda: len(sb.calls_to("apps.connections.open")) > opens, timeout=5)
        assert sb.hub.live_connections() == [] and not await smc.is_connected()
        sb.refuse_connections(False)
        await sb.wait_for(lambda: sb.hub.live_connections(), timeout=5)
        assert (await sb.app_home_opened(ana(sb))).deliveries == 1
    finally:
        await smc.close()


# ---------------------------------------------------------------------------- views and response_url
MODAL = {
    "type": "modal",
    "callback_id": "note",
    "title": {"type": "plain_text", "text": "Add a note"},
    "submit": {"type": "plain_text", "text": "Save"},
    "private_metadata": "deal=42",
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "body",
            "optional": True,  # the app checks it (response_action errors)
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "when",
            "label": {"type": "plain_text", "text": "When"},
            "element": {
                "type": "static_select",
                "action_id": "slot",
                "options": [
                    {"text": {"type": "plain_text", "text": "Tue 10:00"}, "value": "tue-10"},
                    {"text": {"type": "plain_text", "text": "Wed 14:00"}, "value": "wed-14"},
                ],
            },
        },
    ],
}


async def test_view_lifecycle(sb: Sandbox, client: AsyncWebClient, connect: Any) -> None:
    submissions: list[dict[str, Any]] = []

    async def listener(smc: SocketModeClient, req: SocketModeRequest) -> None:
        payload = req.payload
        if req.type == "slash_commands":
            await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))
            await client.views_open(trigger_id=payload["trigger_id"], view=MODAL)
        elif payload["type"] == "view_submission":
            submissions.append(payload)
            values = payload["view"]["state"]["values"]
            if not values["body"]["text"]["value"]:
                answer = {"response_action": "errors", "errors": {"body": "Write something"}}
                await smc.send_socket_mode_response(
                    SocketModeResponse(req.envelope_id, payload=answer)
                )
            else:
                await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))
        else:
            await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))

    await connect(listener)
    user = ana(sb)
    await sb.slash_command(user, "/60", "note")
    (view,) = await sb.wait_for(lambda: sb.open_views(user))
    assert view["private_metadata"] == "deal=42" and view["blocks"][0]["block_id"] == "body"

    # a required input left empty is refused by the client: the app hears nothing
    with pytest.raises(RequiredFieldMissing):
        await sb.submit_view(user, view["id"], {"body": {"text": "Met the CFO"}})
    assert sb.view_errors(view["id"]) == {"when": "Please complete this required field."}
    assert submissions == []

    await sb.submit_view(user, view["id"], {"slot": "wed-14"})
    assert sb.view_errors(view["id"]) == {"body": "Write something"}
    assert len(sb.open_views(user)) == 1

    await sb.submit_view(user, view["id"], {"body": {"text": "Met the CFO"}, "slot": "tue-10"})
    values = submissions[-1]["view"]["state"]["values"]
    assert values["body"]["text"] == {"type": "plain_text_input", "value": "Met the CFO"}
    assert values["when"]["slot"]["selected_option"]["value"] == "tue-10"
    assert submissions[-1]["view"]["callback_id"] == "note"
    assert sb.open_views(user) == []

    # triggers: unknown, spent, expired
    assert (await error_of(client.views_open(trigger_id="1.2.x", view=MODAL))).response[
        "error"
    ] == "invalid_trigger_id"
    spent = sb.workspace.new_trigger(user)
    await client.views_open(trigger_id=spent, view=MODAL)
    assert (await error_of(client.views_open(trigger_id=spent, view=MODAL))).response[
        "error"
    ] == "exchanged_trigger_id"
    sb.trigger_ttl = 0.0
    assert (
        await error_of(client.views_open(trigger_id=sb.workspace.new_trigger(user), view=MODAL))
    ).response["error"] == "expired_trigger_id"
    sb.trigger_ttl = 3.0

    # push, update with hash, close with notify_on_close
    (root,) = sb.open_views(user)
    pushed = await client.views_push(trigger_id=sb.workspace.new_trigger(user), view=MODAL)
    assert [v["id"] for v in sb.open_views(user)] == [root["id"], pushed["view"]["id"]]
    stale_hash = pushed["view"]["hash"]
    renamed = {**MODAL, "title": {"type": "plain_text", "text": "Renamed"}}
    await client.views_update(view_id=pushed["view"]["id"], view=renamed, hash=stale_hash)
    assert (
        await error_of(
            client.views_update(view_id=pushed["view"]["id"], view=renamed, hash=stale_hash)
        )
    ).response["error"] == "hash_conflict"
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    refused = await error_of(client.views_update(view_id=root["id"], view=long_title))
    assert refused.response["errors"] == [
        "must be at most 24 characters (got 25) [json-pointer:/view/title/text]"
    ]
    closed = await sb.close_view(user, pushed["view"]["id"])
    assert closed is not None and closed.type == "interactive"
    assert [v["id"] for v in sb.open_views(user)] == [root["id"]]


async def test_home_and_button_response_url(
    sb: Sandbox, client: AsyncWebClient, connect: Any
) -> None:
    clicks: list[dict[str, Any]] = []

    async def listener(smc: SocketModeClient, req: SocketModeRequest) -> None:
        await smc.send_socket_mode_response(SocketModeResponse(req.envelope_id))
        if req.type == "interactive":
            clicks.append(req.payload)
            hook = AsyncWebhookClient(req.payload["response_url"])
            await hook.send(text="Approved", replace_original=True)

    await connect(listener)
    user = ana(sb)
    home = {
        "type": "home",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Hi"}}],
    }
    published = await client.views_publish(user_id=user, view=home)
    assert sb.home_view(user)["id"] == published["view"]["id"]
    buttons = [
        {
            "type": "actions",
            "block_id": "gate",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": "pa-1",
                    "style": "primary",
                }
            ],
        }
    ]
    posted = await client.chat_postMessage(channel=user, text="Send it?", blocks=buttons)
    ack = await sb.click(user, posted["ts"], "approve")
    assert ack.type == "interactive"
    (payload,) = clicks
    assert payload["actions"][0]["value"] == "pa-1" and payload["actions"][0]["block_id"] == "gate"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": sb.im_channel(user),
        "is_ephemeral": False,
    }
    (message,) = await sb.wait_for(
        lambda: [m for m in sb.dm_messages(user) if m["text"] == "Approved"]
    )
    assert "blocks" not in message
    assert sb.calls_to("response_url")[0].args["replace_original"] is True


async def test_bolt_ignores_its_own_echoed_messages(sb: Sandbox) -> None:
    sb.echo_bot_messages = True
    app = AsyncApp(client=AsyncWebClient(token=sb.bot_token, base_url=sb.api_url))
    heard: list[str] = []

    @app.event("message")
    async def message(event: dict[str, Any], say: Any) -> None:
        heard.append(event["text"])
        await say(f"echo: {event['text']}")

    handler = AsyncSocketModeHandler(app, sb.app_token)
    await handler.connect_async()
    try:
        await sb.dm(ana(sb), "ping")
        await sb.wait_for(lambda: len(sb.acks) == 2)  # the user's message, then the app's own
        assert heard == ["ping"]
        assert sb.activity[-1]["summary"] == "message.im (the app's own)"
        await sb.dm(ana(sb), "pong")  # a later round trip: still no answer to its own echo
        await sb.wait_for(lambda: len(sb.acks) == 4)
        assert heard == ["ping", "pong"]
        texts = [m["text"] for m in sb.dm_messages(ana(sb))]
        assert texts == ["ping", "echo: ping", "pong", "echo: pong"]
    finally:
        await handler.close_async()


async def test_bolt_app_answers_slash_command_through_the_sandbox(sb: Sandbox) -> None:
    app = AsyncApp(client=AsyncWebClient(token=sb.bot_token, base_url=sb.api_url))

    @app.command("/60")
    async def sixty(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"help for {command['user_name']}")

    handler = AsyncSocketModeHandler(app, sb.app_token)
    await handler.connect_async()
    try:
        ack = await sb.slash_command(ana(sb), "/60", "help")
        assert ack.latency_s < 1.0
        reply = await sb.wait_for(lambda: sb.ephemerals(ana(sb)))
        assert reply[0]["text"] == "help for ana"
    finally:
        await handler.close_async()


# ---------------------------------------------------------------------------- the page's backend
async def test_page_api_long_poll_gestures_and_panel(sb: Sandbox) -> None:
    import aiohttp
    from aiohttp import web

    received: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=202)

    hook_app = web.Application()
    hook_app.router.add_post("/hook", webhook)
    runner = web.AppRunner(hook_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
    fired: list[str] = []

    async def meeting_ended(user_id: str) -> str:
        fired.append(user_id)
        return "queued meeting_ended"

    sb.add_panel_action("Meeting ended", meeting_ended)
    sb.add_panel_action("Email received", url=hook_url, body={"kind": "email"})
    user = ana(sb)
    try:
        async with aiohttp.ClientSession(base_url=sb.base_url) as http:
            async with http.get("/", params={}) as index:
                assert "Sixty" in await index.text()
            async with http.get("/page/api/state", params={"user": user}) as first:
                snap = await first.json()
            assert [p["label"] for p in snap["panel"]] == ["Meeting ended", "Email received"]
            assert snap["user"] == user and snap["connections"] == 0

            # a long poll answers on the next change, not on a timer
            waiting = asyncio.create_task(
                http.get("/page/api/state", params={"user": user, "since": str(snap["version"])})
            )
            with pytest.raises(TimeoutError):  # nothing changed: the request is still open
                await asyncio.wait_for(asyncio.shield(waiting), 0.2)
            async with http.post(
                "/page/api/send", json={"user": user, "text": "hello bot"}
            ) as sent:
                assert (await sent.json())["ok"] is True
            async with await waiting as changed:
                after = await changed.json()
            assert after["version"] > snap["version"]
            assert [m["text"] for m in after["timeline"]] == ["hello bot"]

            async with http.post("/page/api/send", json={"user": user, "text": "/60 help"}) as sent:
                assert sent.status == 200
            # nothing is connected: the command waits for the app, the page says so
            assert sb.acks == [] and sb.activity[-1]["summary"] == "/60 help"
            assert sb.activity[-1]["ack_ms"] is None

            async with http.post("/page/api/panel", json={"user": user, "index": 0}) as panel:
                assert (await panel.json())["result"] == "queued meeting_ended"
            async with http.post("/page/api/panel", json={"user": user, "index": 1}) as panel:
                assert (await panel.json())["result"] == "202 Accepted"
            assert fired == [user] and received == [{"kind": "email"}]

            async with http.post(
                "/page/api/action", json={"user": user, "ref": "1.2", "action_id": "x"}
            ) as bad:
                assert bad.status == 400 and "no message or view" in (await bad.json())["error"]
    finally:
        await runner.cleanup()
