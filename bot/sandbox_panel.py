"""Sample events for the sandbox page's side panel (sandbox mode only): meeting ended, morning
brief now, campaign digest now, campaign reply arrives, email received.

"Meeting ended" posts a real MeetingBaaS v1 webhook to this app's own endpoint, with one of the
demo calls as its transcript, spoken by the selected rep. The handlers go through the same
inbound code as production; they only make up the input.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.deps import Deps
from flows.morning_brief.steps import local_date
from orchestrator.events import Event, EventSource, EventType, JobRef
from skills.transcript import meetingbaas_v1_body
from storage.contacts import latest_deal_with_email
from storage.models import User
from storage.users import user_by_email, user_by_slack_id

DEMO_CALLS = Path(__file__).resolve().parents[1] / "storage" / "demo_data" / "transcripts.json"
PanelHandler = Callable[[str], Awaitable[str]]


def demo_call_for(user: User, calls: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """A DESIGN-7 transcript of a demo call, with `user` as the rep."""
    spec = next((c for c in calls if c["rep_email"] == user.email), calls[0])
    original_rep = next(
        s for s, _ in spec["utterances"] if s not in {a["name"] for a in spec["attendees"]}
    )
    t, utterances = 0.0, []
    for speaker, text in spec["utterances"]:
        length = max(2.0, len(text.split()) / 2.6)
        utterances.append(
            {
                "speaker": user.name if speaker == original_rep else speaker,
                "start": round(t, 1),
                "end": round(t + length, 1),
                "text": text.replace(original_rep.split()[0], user.name.split()[0]),
            }
        )
        t += length + 0.6
    return {
        "meeting_id": f"sandbox-{uuid.uuid4().hex[:8]}",
        "title": spec["title"],
        "started_at": (now - timedelta(seconds=t + 60)).astimezone(UTC).isoformat(),
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
        calls = json.loads(await asyncio.to_thread(DEMO_CALLS.read_text))  # no file I/O on the loop
        doc = demo_call_for(user, calls, deps.clock())
        body = meetingbaas_v1_body(doc, bot_id=f"sandbox-{uuid.uuid4()}")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{web_url}/webhooks/meetingbaas",
                json=body,
                headers={"x-meeting-baas-api-key": api_key},
            ) as resp,
        ):
            status = resp.status
        if status != 200:
            return f"The webhook was refused (HTTP {status})."
        return f"Posted a meeting-ended webhook for “{doc['title']}”. Watch {user.name.split()[0]}'s DM."

    return handler


def demo_inbound_email(
    rep: User, contact_name: str, contact_email: str, deal_name: str, now: datetime
) -> str:
    """An RFC 822 reply from one of the rep's prospects asking a question (needs a response)."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    msg = EmailMessage()
    msg["From"] = f"{contact_name} <{contact_email}>"
    msg["To"] = f"{rep.name} <{rep.email}>"
    msg["Subject"] = f"Re: {deal_name}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=contact_email.rpartition("@")[2] or "sandbox.test")
    first = contact_name.split()[0] if contact_name else ""
    msg.set_content(
        f"Hi {rep.name.split()[0]},\n\nThanks for the overview. Before we go further, could you tell "
        "me whether you integrate with Salesforce, and how single sign-on works?\n\n"
        f"Best,\n{first}\n"
    )
    return msg.as_string()


def email_received_handler(deps: Deps) -> PanelHandler:
    """Inbound email for the demo mailbox (no Google account in the sandbox): a prospect on one
    of the rep's deals writes back; the `email_received` flow runs with provider `demo`."""

    async def handler(slack_user_id: str) -> str:
        async with deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=slack_user_id)
            if user is None:
                return "Pick one of the demo reps first."
            found = await latest_deal_with_email(s, owner_id=user.id or 0)
        if found is None:
            return "This rep has no deal with a contact to hear from."
        deal, contact = found
        raw = demo_inbound_email(user, contact.name, contact.email or "", deal.name, deps.clock())
        result = await deps.submit(Event(
            type=EventType.EMAIL_RECEIVED, source=EventSource.WEBHOOK_EMAIL, org_id=user.org_id,
            user_id=user.id, payload={"provider": "demo", "raw": raw},
            idempotency_key=f"email_received:demo:{uuid.uuid4()}",
        ))  # fmt: skip
        if not isinstance(result, JobRef):
            return f"The email was not processed ({result.reason})."
        return f"{contact.name} replied about “{deal.name}”. Watch {user.name.split()[0]}'s DM for the reply draft."

    return handler


def requested_now_handler(deps: Deps, event_type: EventType, what: str) -> PanelHandler:
    """The selected rep's `event_type` job now (morning brief, campaign digest), through the
    real sequence, as if the rep asked for it; `what` names it in the answer."""

    async def handler(slack_user_id: str) -> str:
        async with deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=slack_user_id)
        if user is None:
            return "Pick one of the demo reps first."
        day = local_date(user, deps.clock()).isoformat()
        res = await deps.submit(Event(
            type=event_type, source=EventSource.SLACK_COMMAND, org_id=user.org_id,
            user_id=user.id, payload={"requested": True, "panel": True},
            idempotency_key=f"{event_type}:{user.id}:{day}:panel:{uuid.uuid4().hex[:12]}",
        ))  # fmt: skip
        if not isinstance(res, JobRef):
            return f"The {what.lower()} was not started ({res.reason})."
        return f"{what} started for {user.name.split()[0]}. Watch the DM."

    return handler


def morning_brief_now_handler(deps: Deps) -> PanelHandler:
    return requested_now_handler(deps, EventType.MORNING_BRIEF, "Morning brief")


# what the demo campaign's leads answer, in turn (the sandbox's Instantly fake holds the emails)
DEMO_CAMPAIGN_REPLIES = (
    ("dana@northwind.example", "Yes, this is timely. Can you send pricing for 40 seats?"),
    ("li@contoso.example", "Happy to talk. Could we do a call Thursday afternoon?"),
    ("sam@fabrikam.example", "Not interested, thanks."),
)


def campaign_reply_handler(
    deps: Deps, web_url: str, instantly: Any, campaign_name: str
) -> PanelHandler:
    """A lead answers the demo campaign: the reply is put in the Instantly fake's Unibox (the
    app reads it back from there) and delivered as Instantly's `reply_received` webhook to this
    app's own endpoint, with the subscription's secret header. Interested, a meeting ask and
    not interested come in turn; each press is a new reply, so it can be pressed again."""
    turn = itertools.count()

    async def handler(slack_user_id: str) -> str:
        async with deps.db.session() as s:
            user = await user_by_slack_id(s, slack_user_id=slack_user_id)
        if user is None:
            return "Pick one of the demo reps first."
        campaign = next((c for c in instantly.campaigns.values() if c["name"] == campaign_name),
                        None)  # fmt: skip
        if campaign is None or not campaign.get("email_list"):
            return "The demo campaign is not in the sandbox's Instantly."
        mailbox = campaign["email_list"][0]
        lead, text = DEMO_CAMPAIGN_REPLIES[next(turn) % len(DEMO_CAMPAIGN_REPLIES)]
        email = instantly.add_email(campaign_id=campaign["id"], lead=lead, eaccount=mailbox,
                                    text=text, step=0, at=deps.clock())  # fmt: skip
        payload = instantly.webhook_payload("reply_received", campaign["id"], email=email,
                                            step=1, variant=1, timestamp=deps.clock())  # fmt: skip
        secret = deps.settings.instantly_webhook_secret or ""
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{web_url}/webhooks/instantly",
                json=payload,
                headers={"X-Sixty-Webhook-Secret": secret},
            ) as resp,  # fmt: skip
        ):
            status = resp.status
        if status != 200:
            return f"The webhook was refused (HTTP {status})."
        async with deps.db.session() as s:
            owner = await user_by_email(s, org_id=user.org_id, email=mailbox)
        who = owner.name.split()[0] if owner is not None else "the campaign owner"
        return f"A reply from {lead} arrived on “{campaign_name}”. Watch {who}'s DM."

    return handler


def campaign_digest_now_handler(deps: Deps) -> PanelHandler:
    """The selected rep's campaign digest (the sandbox's Instantly fake holds a demo campaign)."""
    return requested_now_handler(deps, EventType.CAMPAIGN_CHECK, "Campaign digest")
