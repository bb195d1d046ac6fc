"""`sixty simulate meeting-ended FILE.json`: post a recorder webhook to the running app.

FILE.json is either a MeetingBaaS webhook body (v1 `complete`/`failed`/…, sent with the
`x-meeting-baas-api-key` header; v2 `bot.*`, Svix-signed with MEETINGBAAS_WEBHOOK_SECRET) or a
DESIGN.md section 7 transcript (`{rep, attendees, utterances, …}`), which is wrapped into a v1
`complete` body (word times spread over each utterance, `extra.user_email` = the rep's email).
Samples: `cli/samples/meeting_ended_v1.json`, `cli/samples/meeting_ended_v2_completed.json`.

Prints the HTTP status and the app's answer; exit 0 on 2xx, 1 otherwise, 2 on bad input or
when the app cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from typing import Any

from cli.common import read_json_file, settings_or_exit
from config import Settings
from skills.json_input import JSONInputError, read_json
from skills.transcript import TranscriptError, meetingbaas_v1_body

V2_EVENTS = ("bot.completed", "bot.failed", "bot.status_change")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="post a sample webhook to the running app")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    ended = kinds.add_parser("meeting-ended", help="a recorder's meeting-ended webhook")
    ended.add_argument("file", metavar="FILE.json", help="webhook body or DESIGN-7 transcript")
    ended.add_argument("--url", help="webhook URL (default: http://HOST:PORT/webhooks/meetingbaas)")
    ended.add_argument(
        "--fresh", action="store_true", help="use a new bot id, so the app treats it as new"
    )
    ended.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    ended.set_defaults(handler=run)


def wrap_transcript(doc: dict[str, Any], bot_id: str | None = None) -> dict[str, Any]:
    """A DESIGN-7 transcript as a MeetingBaaS v1 `complete` webhook body."""
    from cli.main import UsageError

    meeting_id = doc.get("meeting_id")
    try:
        return meetingbaas_v1_body(
            doc, bot_id or (f"sim-{meeting_id}" if meeting_id else f"sim-{uuid.uuid4()}")
        )
    except TranscriptError as exc:
        raise UsageError(f"not a usable transcript: {exc.reason}") from None


def _headers(body: dict[str, Any], raw: bytes, settings: Settings, now: datetime) -> dict[str, str]:
    from cli.main import UsageError

    headers = {"content-type": "application/json"}
    if body.get("event") in V2_EVENTS:
        secret = settings.meetingbaas_webhook_secret
        if not secret:
            raise UsageError("MEETINGBAAS_WEBHOOK_SECRET is not set; v2 bodies must be signed")
        from svix.webhooks import Webhook

        msg_id = f"msg_sim_{uuid.uuid4().hex[:16]}"
        headers |= {
            "svix-id": msg_id,
            "svix-timestamp": str(int(now.timestamp())),
            "svix-signature": Webhook(secret).sign(msg_id, now, raw.decode()),
        }
        return headers
    if not settings.meetingbaas_api_key:
        raise UsageError("MEETINGBAAS_API_KEY is not set; the app needs it to accept the webhook")
    headers["x-meeting-baas-api-key"] = settings.meetingbaas_api_key
    return headers


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError

    doc = read_json_file(args.file)
    if not isinstance(doc, dict):
        raise UsageError(f"{args.file} must hold a JSON object")
    fresh_id = f"sim-{uuid.uuid4()}" if args.fresh else None
    if "utterances" in doc and "event" not in doc:
        body = wrap_transcript(doc, fresh_id)
    elif isinstance(doc.get("event"), str) and isinstance(doc.get("data"), dict):
        body = doc
        if fresh_id:
            body["data"]["bot_id"] = fresh_id
    else:
        raise UsageError(f"{args.file} is neither a webhook body (event, data) nor a transcript")
    settings = settings_or_exit()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = args.url or f"http://{host}:{settings.port}/webhooks/meetingbaas"
    raw = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=raw, method="POST", headers=_headers(body, raw, settings, args.clock())
    )
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as resp:
            status, answer = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(
            f"cannot reach the app at {url} ({reason}); is it running? (make run)"
        ) from None
    text = answer.decode("utf-8", "replace")
    try:
        text = json.dumps(read_json(answer, what="the answer"), indent=2)
    except JSONInputError:
        pass
    print(f"HTTP {status}")
    print(text)
    return 0 if 200 <= status < 300 else 1
