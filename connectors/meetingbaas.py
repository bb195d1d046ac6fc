"""MeetingBaaS client: fetch a finished meeting's transcript, and store it.

Two ways the transcript reaches us after a webhook (Meeting-BaaS/docs, mirror fd14185):
- v2 `bot.completed` carries `data.transcription`, a presigned S3 URL to the transcription
  artifact, valid for 4 hours, fetched without our API key
  (`content/docs/api-v2/reference/webhooks/botwebhookcompleted.mdx`, `api-v2/artifacts.mdx`).
- v1 `transcription_complete` carries only `data.bot_id`; the transcript is read with
  `GET https://api.meetingbaas.com/bots/meeting_data?bot_id=…` and header
  `x-meeting-baas-api-key`, under `bot_data.transcripts` (`content/docs/api/reference/
  get_meeting_data.mdx`; word shape `{text, start_time, end_time}` per Meeting-Baas/meeting-mcp
  `src/types/index.ts`).

`fetch_and_store_transcript(db, meeting_id, url)` and `fetch_and_store_v1_transcript(db,
meeting_id)` are what a `meeting_ended` flow step calls when the event payload carries
`transcript_url` or `fetch: "meetingbaas_v1"`. Errors are `MeetingBaasError` with a `reason`
(`timeout`, `expired`, `not_found`, `unauthorized`, `unavailable`, `too_large`, `invalid`);
`retryable` says whether trying again later can help.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from yarl import URL

from skills.json_input import JSONInputError, read_json
from skills.transcript import TranscriptError, from_meetingbaas_v1, from_meetingbaas_v2
from storage.engine import Database
from storage.meetings import get_meeting, store_transcript

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.meetingbaas.com"
MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024


class RecorderError(Exception):
    """A recorder API or download failed; `reason` is one word, `retryable` says if later helps."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason if status is None else f"{reason} (HTTP {status})")
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after  # seconds, from a Retry-After header

    @property
    def transient(self) -> bool:
        return self.retryable


class MeetingBaasError(RecorderError):
    pass


def _status_reason(status: int) -> tuple[str, bool]:
    if status == 401:
        return "unauthorized", False
    if status == 403:  # presigned S3 URLs answer 403 once expired
        return "expired", False
    if status == 404:
        return "not_found", False
    if status == 429 or status >= 500:
        return "unavailable", True
    return "invalid", False


async def get_json(
    session: aiohttp.ClientSession,
    url: str,
    *,
    headers: dict[str, str] | None,
    timeout_s: float,
    error: type[RecorderError] = MeetingBaasError,
    max_bytes: int = MAX_TRANSCRIPT_BYTES,
) -> Any:
    """GET a JSON document with a total timeout and a size cap; typed errors only."""
    try:
        async with session.get(
            url, headers=headers or {}, timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as resp:
            if resp.status != 200:
                reason, retryable = _status_reason(resp.status)
                after = resp.headers.get("Retry-After", "")
                raise error(
                    reason,
                    status=resp.status,
                    retryable=retryable,
                    retry_after=float(after) if after.isdigit() else None,
                )
            if resp.content_length is not None and resp.content_length > max_bytes:
                raise error("too_large", status=resp.status)
            body = await resp.content.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise error("too_large", status=resp.status)
    except TimeoutError:
        raise error("timeout", retryable=True) from None
    except aiohttp.ClientError as exc:
        raise error(f"unavailable: {type(exc).__name__}", retryable=True) from None
    try:
        return read_json(body)
    except JSONInputError:
        raise error("invalid", status=200) from None


class MeetingBaasClient:
    """aiohttp client; pass `session` to share one, else one is opened per call."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 30.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = session

    async def _get(self, url: str, headers: dict[str, str] | None) -> Any:
        if self._session is not None:
            return await get_json(self._session, url, headers=headers, timeout_s=self.timeout_s)
        async with aiohttp.ClientSession() as session:
            return await get_json(session, url, headers=headers, timeout_s=self.timeout_s)

    async def fetch_transcription_file(self, url: str) -> Any:
        """The v2 transcription artifact behind a presigned URL (no API key is sent)."""
        if not url.startswith(("https://", "http://")):
            raise MeetingBaasError("invalid")
        return await self._get(url, None)

    async def fresh_transcription_url(self, bot_id: str) -> str:
        """A new presigned URL from `GET /v2/bots/{bot_id}` (`data.transcription`), for when the
        one from the webhook has expired (4 hours; `api-v2/artifacts.mdx`)."""
        if not self.api_key:
            raise MeetingBaasError("unauthorized")
        doc = await self._get(
            f"{self.base_url}/v2/bots/{bot_id}", {"x-meeting-baas-api-key": self.api_key}
        )
        data = doc.get("data") if isinstance(doc, dict) else None
        url = data.get("transcription") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MeetingBaasError("not_found")
        return url

    async def fetch_v1_meeting_data(self, bot_id: str) -> Any:
        """`GET /bots/meeting_data?bot_id=…` (v1), authenticated with our API key."""
        if not self.api_key:
            raise MeetingBaasError("unauthorized")
        url = str(URL(f"{self.base_url}/bots/meeting_data").with_query(bot_id=bot_id))
        return await self._get(url, {"x-meeting-baas-api-key": self.api_key})


async def _store(db: Database, meeting_id: int, transcript: Any) -> int:
    async with db.transaction() as session:
        meeting = await get_meeting(session, meeting_id=meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        row = await store_transcript(session, meeting=meeting, transcript=transcript)
        assert row.id is not None
        return row.id


async def fetch_and_store_transcript(
    db: Database, meeting_id: int, url: str, *, client: MeetingBaasClient | None = None
) -> int:
    """Download a v2 transcription file, normalise it, store it once; returns the transcript id.

    Raises MeetingBaasError (download) or TranscriptError (unusable file)."""
    async with db.session() as session:
        meeting = await get_meeting(session, meeting_id=meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        bot_id = meeting.external_id
    client = client or MeetingBaasClient()
    started = asyncio.get_running_loop().time()
    try:
        document = await client.fetch_transcription_file(url)
    except MeetingBaasError as exc:
        if exc.reason != "expired" or not client.api_key:
            raise
        document = await client.fetch_transcription_file(
            await client.fresh_transcription_url(bot_id)
        )
    transcript = from_meetingbaas_v2(document)
    transcript_id = await _store(db, meeting_id, transcript)
    log.info(
        "meetingbaas transcript fetched",
        extra={
            "meeting_id": meeting_id,
            "transcript_id": transcript_id,
            "ms": round((asyncio.get_running_loop().time() - started) * 1000, 1),
        },
    )
    return transcript_id


async def fetch_and_store_v1_transcript(
    db: Database, meeting_id: int, *, client: MeetingBaasClient
) -> int:
    """After a v1 `transcription_complete`: read `bot_data.transcripts`, store once."""
    async with db.session() as session:
        meeting = await get_meeting(session, meeting_id=meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        bot_id = meeting.external_id
    data = await client.fetch_v1_meeting_data(bot_id)
    bot_data = data.get("bot_data") if isinstance(data, dict) else None
    if not isinstance(bot_data, dict):
        raise TranscriptError("meeting data has no bot_data")
    transcript = from_meetingbaas_v1(bot_data.get("transcripts"), where="bot_data.transcripts")
    return await _store(db, meeting_id, transcript)


def _setting(name: str) -> str | None:
    """An optional credential from the app settings (None when unset or settings are invalid)."""
    from config import ConfigError, load_settings

    try:
        value = getattr(load_settings(), name, None)
    except ConfigError:
        return None
    return value if isinstance(value, str) and value else None


async def ensure_transcript(
    db: Database,
    payload: dict[str, Any],
    *,
    meetingbaas: MeetingBaasClient | None = None,
    recall: Any = None,
) -> int | None:
    """The stored transcript id for a `meeting_ended` event payload, fetching it if needed.

    None when the meeting was not recorded (`recorded: false`). Dispatches on what the webhook
    put in the payload: `transcript_id` (stored inline), `transcript_url` (v2), `fetch:
    "meetingbaas_v1"` (v1 `transcription_complete`), `recall_transcript_id` (Recall.ai). Clients
    not given are built from the settings (MEETINGBAAS_API_KEY; RECALL_API_KEY and
    RECALL_API_BASE once config has them). Safe to call again: a stored transcript is returned."""
    from storage.meetings import get_transcript

    if payload.get("recorded") is False:
        return None
    meeting_id = payload.get("meeting_id")
    if not isinstance(meeting_id, int):
        raise LookupError("payload has no meeting_id")
    async with db.session() as session:
        row = await get_transcript(session, meeting_id=meeting_id)
        if row is not None:
            assert row.id is not None
            return row.id
    if meetingbaas is None:
        meetingbaas = MeetingBaasClient(_setting("meetingbaas_api_key"))
    if isinstance(payload.get("transcript_url"), str):
        return await fetch_and_store_transcript(
            db, meeting_id, payload["transcript_url"], client=meetingbaas
        )
    if payload.get("fetch") == "meetingbaas_v1":
        return await fetch_and_store_v1_transcript(db, meeting_id, client=meetingbaas)
    if isinstance(payload.get("recall_transcript_id"), str):
        from connectors.recall import (
            DEFAULT_BASE_URL,
            RecallClient,
            fetch_and_store_recall_transcript,
        )

        if recall is None:
            base = _setting("recall_api_base") or DEFAULT_BASE_URL
            recall = RecallClient(_setting("recall_api_key"), base_url=base)
        return await fetch_and_store_recall_transcript(
            db, meeting_id, payload["recall_transcript_id"], client=recall
        )
    raise LookupError(f"meeting {meeting_id} has no transcript and no way to fetch one")
