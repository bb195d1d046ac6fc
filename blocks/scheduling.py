"""The time picker (pattern 2): options as radio buttons with both local times and flags, the
actions (send times by email, send invite, more options, I'll handle this), the no-options
explanation with its ways out, and the picker's closed forms (booked, handled, sent).

Pure functions from `PickerModel` to `slack_sdk.models.blocks`, inside Slack's limits: at most
10 radio options, option text and description at most 75 characters, button values at most
2000. Every value carries the picker's job id; what the options are lives in that job's
outputs, never in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)

from blocks.ids import ScheduleAction, keyed
from blocks.text import (
    ACTIONS_ELEMENTS_MAX,
    BUTTON_TEXT_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    OPTION_TEXT_MAX,
    RADIO_OPTIONS_MAX,
    SECTION_TEXT_MAX,
    clip,
)

MAX_OPTIONS = RADIO_OPTIONS_MAX  # the picker offers as many times as one radio group holds

FLAG_WORDS = {
    "early_for_prospect": "early for them",
    "late_for_prospect": "late for them",
    "outside_prospect_hours": "outside their hours",
    "prospect_non_working_day": "their day off",
    "tentative_conflict": "over a tentative event",
    "fragments_block": "splits a free block",
}

# Time zones offered when the prospect's is unknown (asked in the message).
ASK_ZONES = (
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Singapore",
    "Australia/Sydney",
)  # fmt: skip


@dataclass(frozen=True)
class SlotChoice:
    rep_local: str  # "Thu 12 Mar 14:00 GMT"
    prospect_local: str | None  # "Thu 12 Mar 09:00 EST"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WayOut:
    code: str  # widen_range | shorter_meeting | allow_outside_hours
    text: str


@dataclass(frozen=True)
class PickerModel:
    job_id: int
    who: str  # "Sarah Chen (Acme Corp)"
    duration_minutes: int
    options: tuple[SlotChoice, ...] = ()
    has_more: bool = False
    headline: str | None = None  # e.g. "That time was just taken."
    notes: tuple[str, ...] = ()  # timezone assumed, calendar not visible
    reasons: tuple[str, ...] = ()  # the finder's explanation sentences
    ways_out: tuple[WayOut, ...] = ()
    ask_timezone: bool = False
    first_index: int = 0  # index of options[0] in the job's option list


_DAY_AND_TIME = re.compile(r"^(?P<day>.*?)\s*(?P<time>\d{1,2}:\d\d.*)$")


def _day_and_time(label: str) -> tuple[str, str]:
    m = _DAY_AND_TIME.match(label)
    return (m["day"], m["time"]) if m else ("", label)


def option_text(choice: SlotChoice) -> str:
    """ "Thu 12 Mar 14:00 GMT / 09:00 EST": the prospect's day only when it differs."""
    text = choice.rep_local
    if choice.prospect_local and choice.prospect_local != choice.rep_local:
        theirs = choice.prospect_local
        rep_day, _ = _day_and_time(choice.rep_local)
        their_day, rest = _day_and_time(theirs)
        text = f"{text} / {rest if their_day == rep_day and rest else theirs}"
    return clip(text, OPTION_TEXT_MAX)


def flags_text(flags: tuple[str, ...]) -> str:
    words = [FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags if f != "outside_rep_hours"]
    return clip(", ".join(dict.fromkeys(words)), OPTION_TEXT_MAX)


def _value(job_id: int, extra: str = "") -> str:
    return f"{job_id}:{extra}" if extra else str(job_id)


def _radio(model: PickerModel) -> RadioButtonsElement:
    options = []
    for i, choice in enumerate(model.options[:MAX_OPTIONS]):
        desc = flags_text(choice.flags)
        options.append(
            Option(
                value=str(model.first_index + i),
                text=PlainTextObject(text=option_text(choice)),
                description=PlainTextObject(text=desc) if desc else None,
            )
        )
    return RadioButtonsElement(action_id=ScheduleAction.CHOOSE.value, options=options)


def _button(
    text: str, action: ScheduleAction | str, value: str, style: str | None = None
) -> ButtonElement:
    return ButtonElement(text=clip(text, BUTTON_TEXT_MAX), action_id=str(action),
                         value=value, style=style)  # fmt: skip


def _zone_select(job_id: int) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=ScheduleAction.TIMEZONE.value,
        placeholder=PlainTextObject(text="Their time zone"),
        options=[Option(value=f"{job_id}:{z}", text=PlainTextObject(text=z)) for z in ASK_ZONES],
    )


def slots_block_id(job_id: int) -> str:
    return f"sched-slots:{job_id}"


def picker_blocks(model: PickerModel) -> list[Block]:
    """The picker; with no options, the explanation and its ways out instead of the radios."""
    title = f"*Times for a {model.duration_minutes}-minute meeting with {model.who}*"
    if model.headline:
        title = f"{model.headline}\n{title}"
    out: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(title, SECTION_TEXT_MAX)))]
    notes = [n for n in model.notes if n][:CONTEXT_ELEMENTS_MAX]
    if notes:
        out.append(ContextBlock(elements=[MarkdownTextObject(text=clip(n, CONTEXT_TEXT_MAX))
                                          for n in notes]))  # fmt: skip
    value = _value(model.job_id)
    if model.options:
        out.append(ActionsBlock(block_id=slots_block_id(model.job_id), elements=[_radio(model)]))
    if model.reasons:
        why = "\n".join(f"• {r}" for r in model.reasons)
        lead = "No good options." if not model.options else "Why so few:"
        out.append(
            SectionBlock(text=MarkdownTextObject(text=clip(f"{lead}\n{why}", SECTION_TEXT_MAX)))
        )
    buttons: list[ButtonElement] = []
    if model.options:
        buttons.append(
            _button("Send calendar invite", ScheduleAction.SEND_INVITE, value, "primary")
        )
        buttons.append(_button("Send these times via email", ScheduleAction.SEND_EMAIL, value))
        if model.has_more:
            buttons.append(_button("Show more options", ScheduleAction.MORE, value))
    codes: set[str] = set()
    for way in model.ways_out[:3]:
        if way.code in codes:
            continue
        codes.add(way.code)
        way_id = keyed(ScheduleAction.WAY_OUT, way.code)  # unique within the actions block
        buttons.append(_button(way.text, way_id, _value(model.job_id, way.code)))
    buttons.append(_button("I'll handle this", ScheduleAction.HANDLE, value))
    actions = buttons[:ACTIONS_ELEMENTS_MAX]
    out.append(ActionsBlock(block_id=f"sched-actions:{model.job_id}", elements=actions))
    if model.ask_timezone:
        out.append(
            SectionBlock(
                text=MarkdownTextObject(text="What time zone are they in? I'll redo the search."),
                accessory=_zone_select(model.job_id),
            )
        )
    return out


WAY_OUT_LABELS = {
    "widen_range": "Look further ahead",
    "shorter_meeting": "Shorter meeting",
    "allow_outside_hours": "Include outside their hours",
}


def way_out_label(code: str, params: dict[str, object]) -> str:
    if code == "shorter_meeting" and params.get("duration_minutes"):
        return f"Try {params['duration_minutes']} minutes"
    if code == "widen_range" and params.get("days"):
        return f"Look {params['days']} business days ahead"
    return WAY_OUT_LABELS.get(code, code.replace("_", " ").capitalize())


def closed_blocks(text: str) -> list[Block]:
    """The picker after it is done with (booked, handled by the rep, times sent)."""
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)))]


def booked_text(who: str, when: str, video_link: str | None, link: str | None) -> str:
    parts = [f":white_check_mark: Invite sent to {who} for {when}."]
    if video_link:
        parts.append(f"Video: {video_link}")
    if link:
        parts.append(f"<{link}|Open in calendar>")
    return " ".join(parts)


@dataclass(frozen=True)
class InviteReview:
    """The approval payload for "Send calendar invite" (generic approval gate)."""

    who: str
    when: str
    duration_minutes: int
    attendee: str
    video: bool
    fields: dict[str, str] = field(default_factory=dict)

    def payload(self) -> dict[str, object]:
        text = f"Invite {self.who} to a {self.duration_minutes}-minute meeting on {self.when}."
        if self.video:
            text += " A video link is added."
        return {"title": "Send calendar invite?", "text": text,
                "fields": {"When": self.when, "Attendee": self.who, **self.fields}}  # fmt: skip
