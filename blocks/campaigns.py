"""Block Kit for the morning campaign digest, from `skills.campaign_analysis` digests.

One compact message for all of a rep's campaigns: a header, then per campaign one section (name
and status; sent / replied / positive in the last 24 h with the trend against the 7-day daily
average; reply, positive, bounce and unsubscribe rates, opens only when tracked; alerts; at most
one A/B suggestion, with "Apply suggestion" and "Keep testing" buttons when it names a winner) and a context line for
notes. Up to `MAX_CAMPAIGNS` campaigns ("…and N
more"), a line counting campaigns that could not be read, then the why-line with a one-click
mute. When given, a line after the header counts the campaign replies that arrived and were
routed ("N replies arrived, M routed", "K not routed yet" in bold), so a lost reply is visible.
Within Slack's limits whatever the data.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from blocks.briefs import section, why_blocks
from blocks.ids import CampaignAction
from blocks.text import (
    CONTEXT_TEXT_MAX,
    FALLBACK_TEXT_MAX,
    HEADER_MAX,
    clip,
    clip_line,
    escape,
    plural,
)
from skills.campaign_analysis import CampaignDigest, Trend

MAX_CAMPAIGNS = 15  # three blocks each, with the header and the why-line: under 50
NAME_MAX = 120
ALERT_ICON = {"act": ":red_circle:", "watch": ":large_yellow_circle:"}


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _trend(t: Trend) -> str:
    if t.change is None:
        return f"{t.last_24h:,}"
    arrow = "↑" if t.change > 0 else "↓" if t.change < 0 else "→"
    return f"{t.last_24h:,} ({arrow}{abs(t.change) * 100:.0f}% vs 7-day avg)"


def campaign_line(d: CampaignDigest) -> str:
    """The mrkdwn of one campaign's section."""
    rates = (
        f"Reply {_pct(d.reply_rate)} · Positive {_pct(d.positive_rate)} · "
        f"Bounce {_pct(d.bounce_rate)} · Unsub {_pct(d.unsubscribe_rate)}"
    )
    if d.open_rate is not None:
        rates += f" · Opens {_pct(d.open_rate)}"
    lines = [
        f"*{escape(clip_line(d.name, NAME_MAX) or 'Unnamed campaign')}* · {escape(d.status)}",
        f"Last 24 h: sent {_trend(d.sent)} · replied {_trend(d.replied)} · "
        f"positive {_trend(d.positive)}",
        f"{rates} (8 days, {d.new_leads_contacted:,} new "
        f"{'lead' if d.new_leads_contacted == 1 else 'leads'})",
    ]
    lines += [f"{ALERT_ICON.get(a.level, '•')} {escape(a.text)}" for a in d.alerts]
    if d.suggestion is not None:
        lines.append(f":bulb: {escape(d.suggestion.text)}")
    return "\n".join(lines)


def campaign_digest_text(digests: Sequence[CampaignDigest]) -> str:
    alerts = sum(len(d.alerts) for d in digests)
    return clip(
        f"Campaigns this morning: {plural(len(digests), 'campaign')}, {plural(alerts, 'alert')}.",
        FALLBACK_TEXT_MAX,
    )


def replies_line(arrived: int, routed: int) -> str:
    """The line "N replies arrived, M routed", with "K not routed yet" in bold when some were not."""
    arrived, routed = max(0, arrived), max(0, routed)
    line = f"{plural(arrived, 'reply', 'replies')} arrived, {routed:,} routed"
    if routed < arrived:
        line += f" · *{arrived - routed:,} not routed yet*"
    return line


def campaign_digest_blocks(
    digests: Sequence[CampaignDigest],
    why: str,
    *,
    unread: int = 0,
    replies: tuple[int, int] | None = None,
    suggestion_ids: dict[str, int] | None = None,
) -> list[Block]:
    """The digest message; `unread` campaigns whose analytics could not be read are counted;
    `replies` = (arrived, routed) campaign replies since the last digest adds their line; a
    campaign in `suggestion_ids` (its recorded "winner" suggestion) gets the buttons."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip("Your campaigns this morning", HEADER_MAX)))
    ]
    if replies is not None:
        blocks.append(section(replies_line(*replies)))
    if not digests:
        blocks.append(section("No active campaigns send from your mailboxes."))
    for d in digests[:MAX_CAMPAIGNS]:
        blocks.append(section(campaign_line(d)))
        sid = (suggestion_ids or {}).get(d.campaign_id)
        if sid is not None and d.suggestion is not None and d.suggestion.kind == "winner":
            blocks.append(ActionsBlock(elements=[
                ButtonElement(text="Apply suggestion", action_id=CampaignAction.APPLY,
                              value=str(sid), style="primary"),
                ButtonElement(text="Keep testing", action_id=CampaignAction.KEEP_TESTING,
                              value=str(sid))]))  # fmt: skip
        note = clip(escape(clip_line(" ".join(d.notes), CONTEXT_TEXT_MAX)), CONTEXT_TEXT_MAX)
        if note:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    hidden = len(digests) - MAX_CAMPAIGNS
    if hidden > 0:
        blocks.append(section(f"…and {plural(hidden, 'more campaign')}"))
    if unread > 0:
        note = f"{plural(unread, 'campaign')} could not be read from Instantly this morning."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return blocks + why_blocks("campaign_digest", why)
