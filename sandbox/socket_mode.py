"""Socket Mode on loopback: tickets, websocket connections, envelopes, acks and redelivery.

`SocketModeHub` hands out `ws://…/link/?ticket=…` URLs (via `apps.connections.open`),
greets each connection with `hello`, spreads envelopes over the live connections (round
robin), records every ack with its latency, and redelivers `events_api` envelopes that are
not acked within `ack_timeout` with `retry_attempt`/`retry_reason: "timeout"`, up to 3 times,
as Slack does. Tests can send `disconnect` frames, make a connection silently dead
(`freeze`: no envelopes, no pongs, acks ignored) and refuse new websockets (`accepting =
False`, HTTP 503) to exercise the app's reconnect logic and watchdog.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

REDELIVERED_TYPES = frozenset({"events_api"})
MAX_RETRIES = 3
MAX_RECORDS = 100_000  # a long `make run` keeps the latest acks, not all of them


@dataclass
class Ack:
    """The app's answer to one envelope."""

    envelope_id: str
    type: str
    latency_s: float
    payload: dict[str, Any] | None
    retry_attempt: int
    late: bool
    deliveries: int

    @property
    def latency_ms(self) -> float:
        return self.latency_s * 1000


@dataclass
class Connection:
    id: int
    ws: web.WebSocketResponse
    opened_at: float
    frozen: bool = False
    draining: bool = False
    closed: bool = False
    sent: int = 0

    @property
    def live(self) -> bool:
        return not (self.frozen or self.draining or self.closed)


@dataclass
class Delivery:
    """One envelope as the app should see it, possibly sent several times."""

    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    future: asyncio.Future[Ack]
    attempts: int = 0
    envelope_ids: list[str] = field(default_factory=list)
    timed_out: bool = False
    note: dict[str, Any] | None = None  # the page's activity entry for this envelope


AckHook = Callable[[Delivery, Ack], Awaitable[None]]


class SocketModeHub:
    """All Socket Mode connections of the sandbox app."""

    def __init__(
        self,
        *,
        app_id: str,
        ack_timeout: float = 3.0,
        redeliver: frozenset[str] = REDELIVERED_TYPES,
        disconnect_grace: float = 2.0,
        on_ack: AckHook | None = None,
        on_timeout: Callable[[Delivery], Awaitable[None]] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.app_id = app_id
        self.ack_timeout = ack_timeout
        self.redeliver = redeliver
        self.disconnect_grace = disconnect_grace
        self.on_ack = on_ack
        self.on_timeout = on_timeout
        self.on_change = on_change or (lambda: None)
        self.tickets: set[str] = set()
        self.accepting = True
        self.connections: list[Connection] = []
        self.acks: list[Ack] = []
        self._pending: dict[str, tuple[Delivery, float, int]] = {}
        self._ids = itertools.count(1)
        self._rr = itertools.count()
        self._live = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ connections
    def issue_ticket(self) -> str:
        ticket = secrets.token_urlsafe(24)
        self.tickets.add(ticket)
        return ticket

    def live_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.live]

    def _refresh_live(self) -> None:
        if self.live_connections():
            self._live.set()
        else:
            self._live.clear()
        self.on_change()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The `/link/` websocket endpoint."""
        if request.query.get("ticket") not in self.tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        if not self.accepting:
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        ws = web.WebSocketResponse(autoping=False, max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(id=next(self._ids), ws=ws, opened_at=time.monotonic())
        self.connections.append(conn)
        hello = {
            "type": "hello",
            "num_connections": len(self.live_connections()),
            "debug_info": {
                "host": "applink-sandbox",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        await ws.send_str(json.dumps(hello))
        self._refresh_live()
        log.info("socket mode connection opened", extra={"connection": conn.id})
        try:
            async for msg in ws:
                if conn.frozen:
                    continue  # a silently dead link: nothing in, nothing out
                if msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await self._on_text(msg.data)
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            conn.closed = True
            self._refresh_live()
            log.info("socket mode connection closed", extra={"connection": conn.id})
        return ws

    async def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("socket mode frame is not JSON")
            return
        raw_id = message.get("envelope_id") if isinstance(message, dict) else None
        envelope_id = raw_id if isinstance(raw_id, str) else None  # the envelopes sent have str ids
        if not envelope_id or (pending := self._pending.pop(envelope_id, None)) is None:
            log.info("ack for an unknown or already acked envelope", extra={"envelope": raw_id})
            return
        delivery, sent_at, attempt = pending
        latency = time.perf_counter() - sent_at
        ack = Ack(
            envelope_id=envelope_id,
            type=delivery.type,
            latency_s=latency,
            payload=message.get("payload"),
            retry_attempt=attempt,
            late=latency > self.ack_timeout,
            deliveries=delivery.attempts,
        )
        self.acks.append(ack)
        if len(self.acks) > MAX_RECORDS:
            del self.acks[: MAX_RECORDS // 2]
        first = not delivery.future.done()
        if first:
            delivery.future.set_result(ack)
        if first and self.on_ack is not None:
            await self.on_ack(delivery, ack)
        self.on_change()

    # ------------------------------------------------------------------ delivery
    def deliver(
        self, type_: str, payload: dict[str, Any], *, accepts_response_payload: bool
    ) -> Delivery:
        """Queue an envelope; it goes out as soon as a live connection exists."""
        delivery = Delivery(
            type=type_,
            payload=payload,
            accepts_response_payload=accepts_response_payload,
            future=asyncio.get_running_loop().create_future(),
        )
        task = asyncio.create_task(self._run(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    async def _run(self, delivery: Delivery) -> None:
        retry_reason = ""
        while True:
            envelope_id = str(uuid.uuid4())
            envelope: dict[str, Any] = {
                "envelope_id": envelope_id,
                "payload": delivery.payload,
                "type": delivery.type,
                "accepts_response_payload": delivery.accepts_response_payload,
            }
            if delivery.type == "events_api":
                envelope["retry_attempt"] = delivery.attempts
                envelope["retry_reason"] = retry_reason
            attempt = delivery.attempts
            await self._send(envelope, delivery, attempt)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(delivery.future), self.ack_timeout)
                return
            if delivery.type not in self.redeliver or delivery.attempts > MAX_RETRIES:
                delivery.timed_out = True
                if self.on_timeout is not None:
                    await self.on_timeout(delivery)
                self.on_change()
                return
            retry_reason = "timeout"

    async def _send(self, envelope: dict[str, Any], delivery: Delivery, attempt: int) -> None:
        text = json.dumps(envelope)
        while True:
            await self._live.wait()
            live = self.live_connections()
            if not live:
                continue
            conn = live[next(self._rr) % len(live)]
            self._pending[envelope["envelope_id"]] = (delivery, time.perf_counter(), attempt)
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                self._pending.pop(envelope["envelope_id"], None)
                conn.closed = True
                self._refresh_live()
                continue
            conn.sent += 1
            delivery.attempts += 1
            delivery.envelope_ids.append(envelope["envelope_id"])
            return

    # ------------------------------------------------------------------ test levers
    def _targets(self, connection: int | None) -> list[Connection]:
        return [c for c in self.connections if not c.closed and connection in (None, c.id)]

    async def disconnect(
        self, reason: str = "refresh_requested", connection: int | None = None
    ) -> int:
        """Send `disconnect` frames; the links close after `disconnect_grace` seconds."""
        frame = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-sandbox"}}
        )
        targets = [c for c in self._targets(connection) if not c.frozen]
        for conn in targets:
            conn.draining = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.ws.send_str(frame)
            task = asyncio.create_task(self._close_later(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._refresh_live()
        return len(targets)

    async def _close_later(self, conn: Connection) -> None:
        await asyncio.sleep(self.disconnect_grace)
        with contextlib.suppress(Exception):
            await conn.ws.close()

    def freeze(self, connection: int | None = None) -> int:
        """Make connections silently dead: open sockets that never answer again."""
        targets = self._targets(connection)
        for conn in targets:
            conn.frozen = True
        self._refresh_live()
        return len(targets)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for conn in self.connections:
            if not conn.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(), 1.0)
        self._live.clear()
