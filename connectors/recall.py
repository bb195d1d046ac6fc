"""Recall.ai client: find and download a finished transcript, and store it.

After a `transcript.done` webhook (`data.transcript.id`, `data.bot.id`, `data.bot.metadata`;
https://docs.recall.ai/docs/recording-webhooks) the transcript artifact is read with
`GET https://<region>.recall.ai/api/v1/transcript/<id>/` (Retrieve Transcript), whose
`data.download_url` gives the JSON transcript (https://docs.recall.ai/docs/download-urls:
`[{participant: {id, name, …}, words: [{text, start_timestamp: {relative, absolute}, …}]}]`).
The API is authenticated with `Authorization: Token <key>` (https://docs.recall.ai/v1.10/docs/
quickstart; newer pages show the bare key in the same header — Recall accepts the Token form).
The download URL is itself tokenised; the key is only sent to it when it is on the API's host.

`fetch_and_store_recall_transcript(db, meeting_id, transcript_id, client=…)` is what a
`meeting_ended` flow step calls when the event payload carries `recall_transcript_id`.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from yarl import URL

from connectors.meetingbaas import RecorderError, get_json
from skills.transcript import TranscriptError, from_recall
from storage.engine import Database
from storage.meetings import get_meeting, store_transcript

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://us-west-2.recall.ai"


class RecallError(RecorderError):
    pass


class RecallClient:
    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 30.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = session

    def _auth(self) -> dict[str, str]:
        if not self.api_key:
            raise RecallError("unauthorized")
        return {"Authorization": f"Token {self.api_key}"}

    async def _get(self, url: str, headers: dict[str, str] | None) -> Any:
        if self._session is not None:
            return await get_json(
                self._session, url, headers=headers, timeout_s=self.timeout_s, error=RecallError
            )
        async with aiohttp.ClientSession() as session:
            return await get_json(
                session, url, headers=headers, timeout_s=self.timeout_s, error=RecallError
            )

    async def transcript_download_url(self, transcript_id: str) -> str:
        doc = await self._get(f"{self.base_url}/api/v1/transcript/{transcript_id}/", self._auth())
        data = doc.get("data") if isinstance(doc, dict) else None
        url = data.get("download_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise RecallError("not_ready")
        return url

    async def download_transcript(self, url: str) -> Any:
        same_host = URL(url).host == URL(self.base_url).host
        return await self._get(url, self._auth() if same_host and self.api_key else None)

    async def fetch_transcript(self, transcript_id: str) -> Any:
        return await self.download_transcript(await self.transcript_download_url(transcript_id))


async def fetch_and_store_recall_transcript(
    db: Database, meeting_id: int, transcript_id: str, *, client: RecallClient
) -> int:
    """Download, normalise and store a Recall transcript once; returns the transcript id.

    Raises RecallError (API/download) or TranscriptError (unusable transcript)."""
    async with db.session() as session:
        if await get_meeting(session, meeting_id=meeting_id) is None:
            raise LookupError(f"meeting {meeting_id} not found")
    entries = await client.fetch_transcript(transcript_id)
    transcript = from_recall(entries)
    async with db.transaction() as session:
        meeting = await get_meeting(session, meeting_id=meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        row = await store_transcript(session, meeting=meeting, transcript=transcript)
    assert row.id is not None
    log.info("recall transcript fetched", extra={"meeting_id": meeting_id, "transcript_id": row.id})
    return row.id


__all__ = ["RecallClient", "RecallError", "TranscriptError", "fetch_and_store_recall_transcript"]
