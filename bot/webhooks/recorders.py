"""`POST /webhooks/meetingbaas` and `POST /webhooks/recall`: meeting-recorder webhooks.

MeetingBaaS v1 (`complete`, `failed`, `transcription_complete`, `bot.status_change`) is
authenticated by `x-meeting-baas-api-key` equal to our key; v2 (`bot.completed`, `bot.failed`,
`bot.status_change`) and Recall.ai by Svix signatures (see `bot.webhooks.verify_signature`).
Shapes: `/work/shared/reference/EXTERNAL_APIS.md` section 1 and the docs cited in
`skills.transcript` and `connectors.meetingbaas`/`connectors.recall`.

What each delivery does (one meeting per bot; idempotency key `meeting_ended:{source}:{bot}`,
suffixed `:recorded` only when a recording arrives after the rep was told it failed — statuses
such as `bot_removed` can come before a late `complete`):
- transcript inline (v1 `complete`): normalise, store meeting + transcript, submit
  `{meeting_id, transcript_id}`;
- transcript elsewhere (v2 `bot.completed`, v1 `transcription_complete`, Recall
  `transcript.done`): store the meeting as `awaiting_transcript`, submit `{meeting_id,
  transcript_url | fetch | recall_transcript_id}`; a flow step fetches it (no fetch in here);
- not recorded (v1 `failed`, v2 `bot.failed`, terminal status codes, Recall `bot.fatal`,
  `recording.failed`, `transcript.failed`): mark failed, submit `{meeting_id, recorded: false,
  reason}` in plain words;
- anything else: 200 and a log line. Transcript text never goes to logs or events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.webhooks import (
    BodyTooLarge,
    WebhookDeps,
    as_dict,
    has_signature_headers,
    json_error,
    read_limited,
    secret_equals,
    verify_signature,
)
from orchestrator.events import Event, EventSource, EventType, JobRef
from orchestrator.offload import off_loop
from skills.json_input import JSONInputError, read_json
from skills.transcript import Transcript, TranscriptError, from_meetingbaas_v1
from storage import meetings as repo

log = logging.getLogger(__name__)

# status codes that end a bot without a recording (v1 + v2 `bot.status_change`)
# A generic v2 `failed` status is left to the `bot.failed` webhook that follows it with a code.
TERMINAL_STATUS = {
    "bot_rejected", "bot_removed", "bot_removed_too_early", "waiting_room_timeout",
    "invalid_meeting_url", "meeting_error", "recording_failed",
}  # fmt: skip
_REASONS = (  # (substring of the code with _ and - removed, lowercased; plain words)
    ("removedtooearly", "the bot was removed from the meeting before it could record"),
    ("waitingroom", "nobody let the bot in from the waiting room in time"),
    ("timeoutwaitingtostart", "the meeting did not start before the bot gave up waiting"),
    ("notaccepted", "the bot was not let into the meeting"),
    ("rejected", "the bot was not let into the meeting"),
    ("accessdenied", "the bot was not let into the meeting"),
    ("permissiondenied", "the host did not allow the bot to record"),
    ("removed", "the bot was removed from the meeting"),
    ("kicked", "the bot was removed from the meeting"),
    ("invalidmeeting", "the meeting link did not work"),
    ("meetingnotfound", "the meeting link did not work"),
    ("cannotjoin", "the bot could not join the meeting"),
    ("insufficienttokens", "the recorder account has run out of credit"),
    ("dailybotcap", "the recorder account reached its daily limit"),
    ("transcri", "the recording could not be transcribed"),
)


def plain_reason(code: str | None) -> str:
    key = (code or "").lower().replace("_", "").replace("-", "")
    for needle, words in _REASONS:
        if needle in key:
            return words
    return "the recorder could not record it"


class BadPayload(ValueError):
    pass


@dataclass
class Notice:
    """What one delivery means, before anything is stored."""

    kind: str  # inline | fetch | failed | ignored
    info: repo.RecorderMeeting | None = None
    transcript: Transcript | None = None
    fetch: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    code: str | None = None


def _required_id(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise BadPayload(f"{where}.{key} is missing")
    return value.strip()


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _seconds(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e7
    return float(value) if ok else None


def _names(items: Any) -> tuple[repo.AttendeeInfo, ...]:
    out = []
    for p in items if isinstance(items, list) else []:
        name = p.get("name") if isinstance(p, dict) else p
        if isinstance(name, str) and name.strip():
            out.append(repo.AttendeeInfo(name.strip(), None))
    return tuple(out)


def interpret_meetingbaas(payload: Any) -> Notice:
    """Read a MeetingBaaS v1 or v2 webhook body; raises BadPayload for missing fields."""
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise BadPayload("body.event is missing")
    event, data = payload["event"], payload.get("data")
    if not isinstance(data, dict):
        raise BadPayload("body.data is missing")
    if event.startswith("calendar.") or event not in (
        "complete", "failed", "transcription_complete", "bot.completed", "bot.failed",
        "bot.status_change",
    ):  # fmt: skip
        return Notice("ignored", reason=f"event {event[:60]} is not handled")
    status = as_dict(data.get("status")).get("code") if event == "bot.status_change" else None
    if event == "bot.status_change" and status not in TERMINAL_STATUS:
        return Notice("ignored", reason=f"status {status} is not terminal")
    bot_id = _required_id(data, "bot_id", "data")
    extra = as_dict(payload.get("extra")) | as_dict(data.get("extra"))
    info = repo.RecorderMeeting(
        source="meetingbaas",
        bot_id=bot_id,
        extra=extra,
        calendar_ref=data.get("event_uuid") or data.get("event_id"),
        started_at=_when(data.get("joined_at")),
        ended_at=_when(data.get("exited_at")),
        duration_s=_seconds(data.get("duration_seconds")),
        attendees=_names(data.get("participants")) or _names(data.get("speakers")),
    )
    if event in ("failed", "bot.failed", "bot.status_change"):
        code = data.get("error") or data.get("error_code") or status
        code = code if isinstance(code, str) else None
        return Notice("failed", info, reason=plain_reason(code), code=code)
    if event == "transcription_complete":
        return Notice("fetch", info, fetch={"fetch": "meetingbaas_v1", "bot_id": bot_id})
    if event == "bot.completed":
        url = data.get("transcription")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return Notice("failed", info, reason="the recorder produced no transcript",
                          code="no_transcription")  # fmt: skip
        return Notice("fetch", info, fetch={"transcript_url": url})
    if data.get("transcript") is None:  # v1 `complete` without speech_to_text: nothing to read
        return Notice("failed", info, reason="the recorder produced no transcript",
                      code="no_transcript")  # fmt: skip
    try:
        transcript = from_meetingbaas_v1(data["transcript"], where="data.transcript")
    except TranscriptError as exc:
        if exc.reason == "the transcript holds no speech":
            return Notice("failed", info, reason="nobody spoke while the bot was recording",
                          code="empty_transcript")  # fmt: skip
        raise BadPayload(exc.reason) from None  # names the field: data.transcript[0].words[1].end
    if info.duration_s is None:
        info = replace(info, duration_s=transcript.duration_s)
    return Notice("inline", info, transcript=transcript)


def interpret_recall(payload: Any) -> Notice:
    """Read a Recall.ai webhook body (per-status and legacy `bot.status_change` styles)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise BadPayload("body.event is missing")
    event, data = payload["event"], payload.get("data")
    if not isinstance(data, dict):
        raise BadPayload("body.data is missing")
    status = as_dict(data.get("status"))
    if event == "bot.status_change":  # legacy: data.bot_id, data.status.{code, sub_code}
        if status.get("code") != "fatal":
            return Notice("ignored", reason=f"status {status.get('code')} is not terminal")
        bot_id, metadata = _required_id(data, "bot_id", "data"), {}
    elif event in ("transcript.done", "bot.fatal", "recording.failed", "transcript.failed"):
        bot = as_dict(data.get("bot"))
        bot_id, metadata = _required_id(bot, "id", "data.bot"), as_dict(bot.get("metadata"))
    else:
        return Notice("ignored", reason=f"event {event[:60]} is not handled")
    info = repo.RecorderMeeting(source="recall", bot_id=bot_id, extra=metadata)
    if event == "transcript.done":
        tid = _required_id(as_dict(data.get("transcript")), "id", "data.transcript")
        return Notice("fetch", info, fetch={"recall_transcript_id": tid})
    inner = as_dict(data.get("data"))
    code = inner.get("sub_code") or status.get("sub_code") or inner.get("code") or event
    code = code if isinstance(code, str) else event
    return Notice("failed", info, reason=plain_reason(code), code=code)


async def _act(deps: WebhookDeps, notice: Notice) -> web.Response:
    """Store what the notice says and submit the `meeting_ended` event."""
    info = notice.info
    assert info is not None
    initial = repo.FAILED if notice.kind == "failed" else repo.AWAITING_TRANSCRIPT
    try:
        async with deps.db.transaction() as session:
            prior = await repo.find_meeting(session, source=info.source, bot_id=info.bot_id)
            told_failed = prior is not None and prior.status == repo.FAILED
            meeting, created = await repo.upsert_recorded_meeting(
                session, info=info, status=initial
            )
            payload: dict[str, Any] = {"meeting_id": meeting.id, "recorder": info.source}
            if notice.kind == "inline" and notice.transcript is not None:
                row = await repo.store_transcript(
                    session, meeting=meeting, transcript=notice.transcript
                )
                payload |= {"recorded": True, "transcript_id": row.id}
            elif notice.kind == "fetch":
                payload |= {"recorded": True, **notice.fetch}
            else:
                await repo.mark_failed(session, meeting=meeting)
                payload |= {"recorded": False, "reason": notice.reason, "code": notice.code}
            org_id, user_id, final_status = meeting.org_id, meeting.user_id, meeting.status
    except repo.RepNotFound:
        log.warning(
            "recorder webhook ignored: no rep", extra={"source": info.source, "bot_id": info.bot_id}
        )
        return web.json_response({"ok": True, "status": "ignored", "reason": "no matching rep"})
    if notice.kind == "failed" and final_status != repo.FAILED:  # recorded after all: keep it
        log.info("recorder failure ignored: meeting already recorded",
                 extra={"source": info.source, "meeting_id": payload["meeting_id"]})  # fmt: skip
        return web.json_response({"ok": True, "status": "ignored", "reason": "already recorded"})
    key = f"meeting_ended:{info.source}:{info.bot_id}"
    if told_failed and notice.kind != "failed":  # a recording after all, after a failure notice
        key += ":recorded"
    event = Event(
        type=EventType.MEETING_ENDED,
        source=EventSource.WEBHOOK_MEETINGBAAS,
        org_id=org_id,
        user_id=user_id,
        payload=payload,
        idempotency_key=key,
    )
    result = await deps.submit(event)
    job = {"job_id": result.job_id} if isinstance(result, JobRef) else {"skipped": result.reason}
    log.info(
        "recorder webhook accepted",
        extra={"source": info.source, "bot_id": info.bot_id, "meeting_id": payload["meeting_id"],
               "kind": notice.kind, "new_meeting": created, **job},
    )  # fmt: skip
    return web.json_response(
        {"ok": True, "status": notice.kind, "meeting_id": payload["meeting_id"], **job}
    )


def _authenticate_meetingbaas(request: web.Request, deps: WebhookDeps) -> str | None:
    """'v1' / 'signed' / 'callback' when the headers can prove the sender, else None."""
    h = request.headers
    if has_signature_headers(h):
        return "signed" if deps.settings.meetingbaas_webhook_secret else None
    if "x-mb-secret" in h:  # v2 per-bot callback: `callback_config.secret` echoed back
        return (
            "callback"
            if secret_equals(h["x-mb-secret"], deps.settings.meetingbaas_webhook_secret)
            else None
        )
    if secret_equals(h.get("x-meeting-baas-api-key"), deps.settings.meetingbaas_api_key):
        return "v1"
    return None


async def _handle(request: web.Request, deps: WebhookDeps, source: str) -> web.Response:
    if source == "meetingbaas":
        mode = _authenticate_meetingbaas(request, deps)
        secret = deps.settings.meetingbaas_webhook_secret
    else:
        mode = "signed" if has_signature_headers(request.headers) else None
        secret = deps.settings.recall_webhook_secret
    if mode is None:
        log.warning("recorder webhook unauthenticated", extra={"source": source})
        return json_error(401, "unauthenticated")
    try:
        body = await read_limited(request, deps.settings.max_body_bytes)
    except BodyTooLarge:
        log.warning("recorder webhook too large", extra={"source": source})
        return json_error(413, f"body larger than {deps.settings.max_body_bytes} bytes")
    if mode == "signed" and not verify_signature(secret, body, request.headers, deps.clock()):
        log.warning("recorder webhook signature rejected", extra={"source": source})
        return json_error(401, "bad signature")
    try:
        # a large body is decoded and normalised in the worker process, off the event loop
        notice = await off_loop(_read_notice, body, source, size=len(body), inline_max=INLINE_BYTES)
    except JSONInputError as exc:
        log.warning("recorder webhook rejected", extra={"source": source, "reason": exc.reason})
        return json_error(400, exc.reason)
    except BadPayload as exc:
        log.warning("recorder webhook rejected", extra={"source": source, "reason": str(exc)})
        return json_error(400, str(exc))
    if notice.kind == "ignored":
        log.info("recorder webhook ignored", extra={"source": source, "reason": notice.reason})
        return web.json_response({"ok": True, "status": "ignored", "reason": notice.reason})
    return await _act(deps, notice)


# A body larger than this is decoded and normalised in the skill worker process, off the event
# loop (a 5 MB transcript takes the loop for most of a second).
INLINE_BYTES = 256 * 1024


def _read_notice(body: bytes, source: str) -> Notice:
    payload = read_json(body)
    return interpret_meetingbaas(payload) if source == "meetingbaas" else interpret_recall(payload)


def register_routes(app: web.Application, deps: WebhookDeps) -> None:
    async def meetingbaas(request: web.Request) -> web.Response:
        return await _handle(request, deps, "meetingbaas")

    async def recall(request: web.Request) -> web.Response:
        return await _handle(request, deps, "recall")

    app.router.add_post("/webhooks/meetingbaas", meetingbaas)
    app.router.add_post("/webhooks/recall", recall)
