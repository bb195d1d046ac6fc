"""An ack that stays sent.

Bolt's asyncio runner waits for `ack()` by polling every 10 ms. When a listener acks and then
raises before the next poll, the runner's error path writes `ack.response = None` (it had already
acknowledged), the poll never sees the ack, and Slack gets nothing for `ack_timeout` (3 s): the
envelope is retried and the user sees a timeout. `KeepAcks` gives every request an ack whose
response, once set, cannot be cleared, so an error after the ack never takes the ack back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse


class StickyAck(AsyncAck):
    """`AsyncAck` whose response is kept once set (only a new response replaces it)."""

    _response: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._response is None:
            self._response = value


class KeepAcks(AsyncMiddleware):
    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        if "ack" not in req.context:
            req.context["ack"] = StickyAck()
        return await next()
