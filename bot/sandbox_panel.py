"""Sample events for the sandbox page's side panel (sandbox mode only).

"Meeting ended" posts a real MeetingBaaS v1 webhook to this app's own endpoint, with one of the
demo calls as its transcript, spoken by the selected rep. The handlers go through the same
inbound code as production; they only make up the input.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.deps import Deps
from skills.transcript import meetingbaas_v1_body
from storage.models import User
from storage.users import user_by_slack_id

DEMO_CALLS = Path(__file__).resolve().parents[1] / "storage" / "demo_data" / "transcripts.json"
PanelHandler = Callable[[str], Awaitable[str]]


def demo_call_for(user: User, calls: list[dict[str, Any]]) -> dict[str, Any]:
    """A DESIGN-7 transcript of a demo call, with `user` as the rep."""
    spec = next((c for c in calls if c["rep_email"] == user.email), calls[0])
    original_rep = next(s for s, _ in spec["utterances"] if s not in {a["name"] for a in spec["attendees"]})
    t, utterances = 0.0, []
    for speaker, text in spec["utterances"]:
        length = max(2.0, len(text.split()) / 2.6)
        utterances.append({"speaker": user.name if speaker == original_rep else speaker,
                           "start": round(t, 1), "end": round(t + length, 1),
                           "text": text.replace(original_rep.split()[0], user.name.split()[0])})
        t += length + 0.6
    return {
        "meeting_id": f"sandbox-{uuid.uuid4().hex[:8]}",
        "title": spec["title"],
        "started_at": (datetime.now(UTC) - timedelta(seconds=t + 60)).isoformat(),
        "rep": {"name": user.name, "email": user.email},
        "attendees": spec["attendees"],
        "utterances": utterances,
    }


def meeting_ended_handler(deps: Deps, web_url: str, api_key: str) -> PanelHandler:
    async def handler(slack_user_id: str) -> str:
        async with deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=slack_user_id)
        if user is None:
            return "Pick one of the demo reps first."
        doc = demo_call_for(user, json.loads(DEMO_CALLS.read_text()))
        body = meetingbaas_v1_body(doc, bot_id=f"sandbox-{uuid.uuid4()}")
        async with aiohttp.ClientSession() as http, http.post(
            f"{web_url}/webhooks/meetingbaas", json=body, headers={"x-meeting-baas-api-key": api_key}
        ) as resp:
            status = resp.status
        if status != 200:
            return f"The webhook was refused (HTTP {status})."
        return f"Posted a meeting-ended webhook for “{doc['title']}”. Watch {user.name.split()[0]}'s DM."

    return handler
