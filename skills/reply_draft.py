"""Reply drafts for inbound email the rep should answer (`needs_response`, `interested`).

Pure: `draft_reply(ReplyInput) -> ReplyDraft`. Offline templates in plain words: the draft
thanks the sender, answers each topic they asked about (pricing, security, integrations,
timeline, trial, references, contract, onboarding, support) with a short holding answer and
a next step, and proposes a call. Every ask in the email (`questions_in`) is either covered
by one of those answers or returned in `ReplyDraft.to_confirm` for the rep (the draft says
it will come back on them). The email's own text is read only to spot topics and asks; it
is never copied into the draft, so instructions inside an email cannot reach the reply or
change who it goes to (the caller addresses it to the sender only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# topic -> (cue pattern, the sentence that answers it)
TOPICS: dict[str, tuple[re.Pattern[str], str]] = {
    "pricing": (
        re.compile(r"\b(pric\w*|cost\w*|budget|quote|per seat|licen[cs]\w*|discount)\b", re.I),
        "On pricing: it depends on the number of seats and the plan, and I'll send you the "
        "exact figures for your team.",
    ),
    "security": (
        re.compile(r"\b(secur\w*|soc ?2|gdpr|iso ?27001|complian\w*|privacy|dpa)\b", re.I),
        "On security and compliance: I'll share our security documentation and can set up a "
        "call with our security team if that helps your review.",
    ),
    "sso": (
        re.compile(
            r"\b(sso|saml|single sign[- ]?on|sign[- ]?on|okta|azure ad|entra|identity provider|"
            r"idp|scim)\b",
            re.I,
        ),
        "On single sign-on: I'll confirm how it works with your identity provider and send "
        "you the setup steps.",
    ),
    "integration": (
        re.compile(r"\b(integrat\w*|api|salesforce|hubspot|connect\w* (to|with)|sync\w*)\b", re.I),
        "On integrations: I'll confirm exactly how it works with your current tools and send "
        "you the details.",
    ),
    "timeline": (
        re.compile(
            r"\b(timeline|how long|implementation|go[- ]live|roll ?out|set ?up time)\b", re.I
        ),
        "On timing: most teams are up and running within a few weeks, and I'll outline what "
        "that would look like for you.",
    ),
    "trial": (
        re.compile(r"\b(trial|pilot|proof of concept|poc|sandbox|demo account)\b", re.I),
        "On a trial: we can set one up for your team, and I'll send the options.",
    ),
    "references": (
        re.compile(r"\b(reference\w*|case stud\w*|customers? like|other customers)\b", re.I),
        "On references: I'll put you in touch with a customer in a similar situation.",
    ),
    "contract": (
        re.compile(r"\b(contract|terms|msa|legal|redline\w*|order form|renewal)\b", re.I),
        "On the contract: I'll send the terms over so your team can review them.",
    ),
    "onboarding": (
        re.compile(r"\b(onboard\w*|training|getting started|migrat\w*)\b", re.I),
        "On onboarding: we guide your team through setup and training, and I'll share the plan.",
    ),
    "support": (
        re.compile(
            r"\b(support (plans?|team|hours|tiers?|levels?|options|contracts?)|customer support|"
            r"technical support|24/7 support|sla|uptime|help ?desk|response times?)\b",
            re.I,
        ),  # "do you support X" is a question about X, not about support
        "On support: I'll send you the details of our support plans and response times.",
    ),
}
MAX_TOPICS = 5


@dataclass(frozen=True)
class ReplyInput:
    category: str  # needs_response | interested (anything else is treated as needs_response)
    sender_name: str  # display name as parsed ("" when unknown)
    rep_name: str
    subject: str
    topics: tuple[str, ...] = ()
    signature: str | None = None
    questions: tuple[str, ...] = ()  # each ask in the email (`email_parse.questions_in`)


@dataclass(frozen=True)
class ReplyDraft:
    subject: str
    body: str
    to_confirm: tuple[str, ...] = ()  # asks no sentence of the draft answers: for the rep


def unanswered(questions: tuple[str, ...], answered: tuple[str, ...]) -> tuple[str, ...]:
    """The asks that none of the `answered` topics covers (they are listed "to confirm")."""
    return tuple(
        q for q in questions if not any(TOPICS[t][0].search(q) for t in answered if t in TOPICS)
    )


def topics_in(text: str) -> tuple[str, ...]:
    """Which known topics the sender raised, in a fixed order (at most MAX_TOPICS)."""
    found = [name for name, (cue, _) in TOPICS.items() if cue.search(text or "")]
    return tuple(found[:MAX_TOPICS])


def reply_subject(subject: str) -> str:
    """`Re: <subject>` without stacking prefixes (Re:, RE:, Fwd:, AW:, SV:)."""
    clean = re.sub(
        r"^\s*((re|fwd?|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+", "", subject or "", flags=re.I
    )
    clean = re.sub(r"\s+", " ", clean).strip()
    return f"Re: {clean}" if clean else "Re: your message"


def first_name(name: str) -> str:
    """A greeting name: the first word of a plausible person name, else empty."""
    words = [w for w in re.split(r"[\s,]+", (name or "").strip()) if w]
    if not words or "@" in words[0] or not re.match(r"^[^\W\d_][\w'’.-]*$", words[0]):
        return ""
    return words[0][:40]


def draft_reply(data: ReplyInput) -> ReplyDraft:
    greeting = f"Hi {first_name(data.sender_name)}," if first_name(data.sender_name) else "Hi,"
    lines = [greeting, ""]
    if data.category == "interested":
        lines.append("Thanks for getting back to me, great to hear you're interested.")
    else:
        lines.append("Thanks for your email.")
    answered = tuple(t for t in data.topics if t in TOPICS)[:MAX_TOPICS]
    answers = [TOPICS[t][1] for t in answered]
    to_confirm = unanswered(data.questions, answered)
    if answers:
        lines.append("")
        lines.extend(answers)
        if to_confirm:
            n = len(to_confirm)
            what = "the other point" if n == 1 else f"the other {n} points"
            lines.append(f"I'm confirming {what} you raised and will come back to you shortly.")
    elif data.category != "interested" or to_confirm:
        lines.append(
            "I'll look into your question"
            + ("s" if len(to_confirm) > 1 else "")
            + " and come back to you with a full answer shortly."
        )
    lines.append("")
    if data.category == "interested":
        lines.append("Would a 30-minute call next week work to go through next steps? "
                     "Let me know a couple of times that suit you.")  # fmt: skip
    else:
        lines.append("If it's easier to talk it through, I'm happy to set up a short call.")
    lines.append("")
    rep_first = first_name(data.rep_name) or data.rep_name
    lines.append(data.signature.strip() if data.signature and data.signature.strip()
                 else f"Best,\n{rep_first}")  # fmt: skip
    return ReplyDraft(
        subject=reply_subject(data.subject), body="\n".join(lines), to_confirm=to_confirm
    )
