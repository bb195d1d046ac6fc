"""The sections of a proposal, written offline from the template, the call and the lines.

Locked sections print their text verbatim. Slots are written here without a model, every
sentence about the call cited with a verbatim quote (the sentence of the utterance):
`summary` (the prospect's goals and pains), `requirements` (as heard), `pricing` (the line
items and the total), `roi` (only from numbers said in the call: hours a week, people, what
they pay today; without them it says none were given), `case_study` (by the company's
industry), `next_steps`. `open_questions` lists what the call left undecided. Every amount of
money written is a price-book price, a line item, the total, an amount said in the call, or the
difference of two of these, so the money rule (`proposal_money`) holds by construction. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skills.proposal_lines import Lines, lines_total
from skills.proposal_money import find_amounts, format_money
from skills.proposal_quantities import speaker_is_rep
from skills.proposal_types import (
    CaseStudy,
    Citation,
    CompanyInfo,
    Section,
    Template,
    TemplateSection,
)
from skills.spoken_numbers import find_numbers, sentence_spans
from skills.transcript_types import Transcript

DEFAULT_SECTIONS: tuple[TemplateSection, ...] = (
    TemplateSection("summary", "Executive summary", slot=True),
    TemplateSection("requirements", "What we heard", slot=True),
    TemplateSection("pricing", "Pricing", slot=True),
    TemplateSection("roi", "Return on investment", slot=True),
    TemplateSection("case_study", "Customer story", slot=True),
    TemplateSection("next_steps", "Next steps", slot=True),
)
_GOAL = re.compile(
    r"\b(?:goal|aim|want to|wants to|looking (?:for|to)|hoping to|trying to|struggl\w*|pain|"
    r"problem|issue|frustrat\w*|takes (?:us )?(?:too )?(?:long|forever)|manual(?:ly)?|waste|"
    r"spend(?:ing)? \w+ hours|losing|lose|miss(?:ing)?|slow|priority|need to)\b",
    re.I,
)
_REQUIREMENT = re.compile(
    r"\b(?:need|needs|must|require\w*|has to|have to|important|integrat\w*|support\w*|"
    r"compliance|should (?:be able|have|work)|can it|does it)\b",
    re.I,
)
_NEXT = re.compile(
    r"\b(?:i'?ll send|i will send|next step|follow up|follow-up|schedule|set up a|book a|"
    r"loop in|circle back|send (?:over|you)|get you)\b",
    re.I,
)
_OPEN = re.compile(
    r"\b(?:check with|run (?:it|this|that) by|(?:legal|procurement|security|finance|it) "
    r"(?:review|sign-off|approval)|get back to you|not sure yet|haven'?t decided|"
    r"need to think|to be decided|tbd|still deciding|need approval)\b",
    re.I,
)
_HOURS = re.compile(r"^\s*(?:hours?|hrs?)\s+(?:a|per|each|every)\s+week\b", re.I)
_PEOPLE = re.compile(r"^\s+(?:people|reps|folks|agents|analysts|staff|members|users)\b", re.I)
_YEARLY = re.compile(r"\b(?:a|per|each|every) year\b|\bannual(?:ly)?\b|\byearly\b", re.I)
_PAY = re.compile(r"\b(?:pay|paying|spend|spending|costs?|costing)\b", re.I)
MAX_QUOTES = 4


@dataclass(frozen=True)
class Heard:
    """One sentence of the call: its utterance, text, and whether the rep said it."""

    utterance: int
    text: str
    rep: bool

    @property
    def citation(self) -> Citation:
        return Citation(self.utterance, self.text)


def heard_sentences(transcript: Transcript) -> list[Heard]:
    out: list[Heard] = []
    for i, u in enumerate(transcript.utterances):
        rep = speaker_is_rep(u, transcript)
        out.extend(Heard(i, u.text[s:e], rep) for s, e in sentence_spans(u.text))
    return out


def _cited(lines: list[Heard], intro: str) -> tuple[str, tuple[Citation, ...]]:
    text = intro + "\n" + "\n".join(f"- “{h.text}”" for h in lines)
    return text, tuple(h.citation for h in lines)


def summary(company: CompanyInfo, heard: list[Heard], lines: Lines) -> Section:
    goals = [h for h in heard if not h.rep and _GOAL.search(h.text) and not _OPEN.search(h.text)][
        :MAX_QUOTES
    ]
    names = ", ".join(li.name for li in lines.items) or "no items yet"
    scope = f"This proposal covers {names}, {format_money(lines_total(lines.items), lines.currency)} in all."
    if not goals:
        return Section(
            "summary", "", f"{company.name} did not state goals or pains in the call. {scope}"
        )
    text, cites = _cited(goals, f"{company.name} told us what they want to change:")
    return Section("summary", "", f"{text}\n{scope}", cites)


def requirements(heard: list[Heard]) -> Section:
    reqs = [
        h for h in heard if not h.rep and _REQUIREMENT.search(h.text) and not _OPEN.search(h.text)
    ][: MAX_QUOTES + 2]
    if not reqs:
        return Section("requirements", "", "No requirements were stated in the call.")
    text, cites = _cited(reqs, "Requirements as we heard them:")
    return Section("requirements", "", text, cites)


def pricing(lines: Lines) -> Section:
    cur = lines.currency
    rows = [
        f"- {li.name}: {li.quantity} × {format_money(li.unit_price, cur)} per {li.unit} = "
        f"{format_money(li.total, cur)}"
        + (f" (after a {li.discount:.0%} discount)" if li.discount else "")
        for li in lines.items
    ]
    total = format_money(lines_total(lines.items), cur)
    text = "\n".join([*rows, f"The total comes to {total} ({cur})."])
    return Section("pricing", "", text, lines.citations)


def roi(heard: list[Heard], lines: Lines) -> Section:
    """Only from numbers said in the call, each labelled with its quote."""
    parts: list[str] = []
    cites: list[Citation] = []
    for h in heard:
        if h.rep:
            continue
        nums = find_numbers(h.text)
        hours = next((n for n in nums if _HOURS.match(h.text[n.end :])), None)
        if hours is not None and not parts:
            people = next((n for n in nums if _PEOPLE.match(h.text[n.end :])), None)
            weekly = hours.value * (
                people.value if people and re.search(r"\beach\b", h.text, re.I) else 1
            )
            label = f"{hours.value} hours a week" + (
                f" for each of {people.value} people" if weekly != hours.value and people else ""
            )
            parts.append(
                f"Time: they said {label} (“{h.text}”), about {weekly * 52:,} hours a year "
                "that the work could give back."
            )
            cites.append(h.citation)
    total = lines_total(lines.items)
    for h in heard:
        if h.rep or not _PAY.search(h.text) or not _YEARLY.search(h.text):
            continue
        amounts = find_amounts(h.text)
        if len(amounts) != 1:
            continue
        today = amounts[0]
        diff = today - total
        word = "less" if diff >= 0 else "more"
        parts.append(
            f"Cost: they pay {format_money(today, lines.currency)} a year today (“{h.text}”); "
            f"this proposal is {format_money(total, lines.currency)}, "
            f"{format_money(abs(diff), lines.currency)} {word} a year."
        )
        cites.append(h.citation)
        break
    if not parts:
        return Section(
            "roi", "", "No ROI inputs (hours, people or current costs) were given in the call."
        )
    return Section("roi", "", "\n".join(parts), tuple(cites))


def pick_case_study(company: CompanyInfo, studies: tuple[CaseStudy, ...]) -> CaseStudy | None:
    if not company.industry:
        return None
    want = company.industry.strip().lower()
    return next((c for c in studies if c.industry.strip().lower() == want), None)


def case_study(study: CaseStudy | None) -> Section:
    if study is None:
        return Section("case_study", "", "No customer story in this industry yet.")
    keep = [
        study.summary[s:e]
        for s, e in sentence_spans(study.summary)
        if not find_amounts(study.summary[s:e])
    ]  # a story's figures are not the prospect's money: left out
    metrics = [m for m in study.metrics if not find_amounts(m)]
    text = " ".join([study.title + ".", *keep, *(f"{m}." for m in metrics)]).strip()
    return Section("case_study", "", text)


def next_steps(heard: list[Heard], open_questions: tuple[str, ...]) -> Section:
    steps = [h for h in heard if h.rep and _NEXT.search(h.text)][-3:]
    tail = "Confirm the plan, the seats and the add-ons above."
    if open_questions:
        tail += " Settle the open questions listed with this proposal."
    if not steps:
        return Section("next_steps", "", tail)
    text, cites = _cited(steps, "As agreed on the call:")
    return Section("next_steps", "", f"{text}\n{tail}", cites)


def call_open_questions(heard: list[Heard]) -> list[str]:
    """What the call left open: deferrals ("check with legal") and prospect questions the rep
    never answered (no rep turn followed them)."""
    last_rep = max((h.utterance for h in heard if h.rep), default=-1)
    unanswered = [
        f"Unanswered in the call (utterance {h.utterance}): “{h.text}”"
        for h in heard
        if not h.rep and h.text.endswith("?") and h.utterance > last_rep
    ][-3:]
    deferred = [
        f"Left open in the call (utterance {h.utterance}): “{h.text}”"
        for h in heard
        if _OPEN.search(h.text)
    ][:6]
    return deferred + unanswered


def write_sections(
    template: Template,
    transcript: Transcript,
    company: CompanyInfo,
    lines: Lines,
    study: CaseStudy | None,
    open_questions: tuple[str, ...],
    heard: list[Heard] | None = None,
) -> tuple[Section, ...]:
    heard = heard_sentences(transcript) if heard is None else heard
    writers = {
        "summary": lambda: summary(company, heard, lines),
        "requirements": lambda: requirements(heard),
        "pricing": lambda: pricing(lines),
        "roi": lambda: roi(heard, lines),
        "case_study": lambda: case_study(study),
        "next_steps": lambda: next_steps(heard, open_questions),
    }
    out = []
    for ts in template.sections or DEFAULT_SECTIONS:
        if ts.slot and ts.key in writers:
            s = writers[ts.key]()
            out.append(Section(ts.key, ts.title, s.text, s.citations))
        else:
            out.append(Section(ts.key, ts.title, ts.locked))
    return tuple(out)


def money_texts(transcript: Transcript) -> list[str]:
    """The texts whose amounts count as said in the call."""
    return [u.text for u in transcript.utterances]
