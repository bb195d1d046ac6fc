"""What the email flows need from a classified email: out-of-office return date, the referred
person, proposed meeting times and duration, the items of a proposal request.

`extract(category, email, original)` returns the details for the chosen category;
`resolve_date_phrase` turns "Monday 3rd" or "12/01" into a date after the email's date;
`TIME_PHRASE` (a day, a time or a date proposed) is also read by the hit finder.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Final

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from skills.email_parse import InboundEmail
from skills.nlu.email_patterns import FRAGMENTS
from skills.vocabulary import EmailCategory

Category = EmailCategory
_WD: Final = FRAGMENTS["WD"]
_MON: Final = FRAGMENTS["MON"]


_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


_NAME_STOP = frozenset(
    """i hi hello hey dear thanks thank the this that our my your we he she they it its please
    vp head director manager sales marketing revops ops operations ceo cfo cto coo cro ciso cio it
    procurement finance team lead officer chief senior president engineering product legal hr
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december best regards kind cheers sent from
    here there who which whom also and or but for with regarding re fw fwd cc bcc email sixty
    account executive partner partners department group company inc ltd llc corp colleague
    could would can will should shall may might must do does did is are was were have has had
    let just sorry maybe perhaps unfortunately apologies going looking happy""".split()
)


def _referred_name(email: InboundEmail, text: str) -> str | None:
    """The first person-like name in `text`: capitalised words that are not titles, days or
    the people on the email; a lone word at the start of a sentence does not count."""
    skip = {w.lower() for a in (email.sender, *email.to) if a is not None for w in a.name.split()}
    names: list[str] = []
    for m in re.finditer(r"\b([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\b", text):
        words = [w for w in m.group(1).split() if w.lower() not in _NAME_STOP | skip]
        if not words:
            continue
        gap = text[: m.start()]
        before = gap.rstrip()
        # a line break starts a sentence too ("Hi Alex,\nWould you ..."): the word after it is
        # capitalised because of where it stands, not because it is a name
        starts = not before or before[-1] in ".!?-–—:" or "\n" in gap[len(before) :]
        if len(words) == 1 and starts:
            continue
        names.append(" ".join(words))
    full = [n for n in names if len(n.split()) >= 2]
    picked = full or names
    return picked[0] if picked else None


def _referral_details(email: InboundEmail, original: str, cue_start: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    own = {a.address.lower() for a in (email.sender, *email.to) if a is not None}
    emails = [e for e in _EMAIL_RE.findall(original) if e.lower() not in own]
    ref_email = emails[0] if emails else None
    ref_name = None
    if ref_email is None and email.sender is not None:
        for addr in email.cc:
            if addr.domain == email.sender.domain and addr.address.lower() not in own:
                ref_email, ref_name = addr.address, addr.name or None
                break
    if ref_name is None:
        ref_name = _referred_name(email, original[cue_start:]) or _referred_name(email, original)
    if ref_email and ref_name is None:
        for addr in (*email.cc, *email.to):
            if addr.address.lower() == ref_email.lower() and addr.name:
                ref_name = addr.name
    if ref_name:
        out["referred_name"] = ref_name
    if ref_email:
        out["referred_email"] = ref_email
    return out


TIME_PHRASE = re.compile(
    r"\b((?:this|next)\s+)?(?:(?:" + _WD + r")(?:\s+(?:or|and|/)\s+(?:" + _WD + r"))?|"
    r"tomorrow|today|next week|this week|later this week|early next week|end of (?:the )?week)"
    r"(?:\s+(?:morning|afternoon|evening|am|pm))?"
    r"(?:\s*,?\s*(?:at|from|between|after|before|around)?\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?"
    r"(?:\s*(?:-|–|to|and)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)?"
    r"(?:\s+(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST))?\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)(?:\s*(?:-|–|to)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?"
    r"(?:\s+(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST))?"
    r"|\b(?:(?:early|mid|late|end of|beginning of|the week of|week of)[\s-]+)?" + _MON + r"\.?"
    r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?(?:\s*(?:-|–|to)\s*"
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)?\b(?<!\bmay)(?<!\bmarch)"
    r"|\bthe \d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)


_DURATION = re.compile(
    r"\b(\d{1,3}|half an|an|one|two|fifteen|twenty|thirty|forty[- ]five|sixty|ninety)\s*-?\s*"
    r"(minutes?|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)


_NUMBER_WORDS = {
    "half an": 0.5, "an": 1, "one": 1, "two": 2, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty-five": 45, "forty five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip


_TZ = re.compile(r"\b(ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST)\b")


def _meeting_details(original: str) -> dict[str, Any]:
    times = list(dict.fromkeys(m.group(0).strip() for m in TIME_PHRASE.finditer(original)))
    out: dict[str, Any] = {"proposed_times": [t for t in times if t]}
    m = _DURATION.search(original)
    if m:
        qty_raw = m.group(1).lower()
        qty = float(qty_raw) if qty_raw.isdigit() else float(_NUMBER_WORDS.get(qty_raw, 0))
        unit = m.group(2).lower()
        minutes = qty * 60 if unit.startswith("h") else qty
        if 0 < minutes <= 8 * 60:
            out["duration_minutes"] = int(minutes)
    tz = _TZ.search(original)
    if tz:
        out["timezone"] = tz.group(1)
    return out


_DATE_EXPR = (
    r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?(?![\d:])"
    r"|(?:(?:" + _WD + r")\.?,?\s+)?(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?(?:\s+(?:of\s+)?" + _MON
    + r"\.?)?(?:,?\s+\d{4})?(?![/\d]|\s*(?:am|pm|:|h\b|hours|minutes|days|weeks))"
    r"|(?:(?:" + _WD + r")\.?,?\s+)?" + _MON + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|(?:next\s+)?(?:" + _WD + r")(?!\s+(?:or|and)\b)"
    r"|" + _MON + r"(?:\s+\d{4})?"
    r"|tomorrow|next week|the new year|new year"
)  # fmt: skip


_RETURN_ANCHOR = re.compile(
    r"\b(?:until|till|til|through|thru|back|return|returning|returns|resume|resuming|"
    r"in the office|out)\b(?:\s+(?:on|in|by|from|at|the|to the office|to work|office|after|"
    r"of the office|of office))*\s+(?P<date>" + _DATE_EXPR + r")\b",
    re.IGNORECASE,
)


_DATE_ANYWHERE = re.compile(r"(?P<date>" + _DATE_EXPR + r")", re.IGNORECASE)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def resolve_date_phrase(phrase: str, reference: datetime) -> tuple[date, str] | None:
    """A date phrase ("Monday 3rd", "12/01", "November 30", "the 24th", "January") as the
    first matching date after `reference` (the email's date), with its precision."""
    text = phrase.lower().strip().rstrip(".,")
    ref = reference.date()
    if text == "tomorrow":
        return ref + timedelta(days=1), "day"
    if text == "next week":
        return ref + relativedelta(days=1, weekday=0), "week"
    if text in ("new year", "the new year"):
        return date(ref.year + 1, 1, 1), "month"
    weekday = next((i for i, w in enumerate(_WEEKDAYS) if w in text), None)
    rest = re.sub(_WD, " ", text)
    rest = re.sub(r"\b(next|the|of|on)\b|,", " ", rest)
    rest = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", rest).strip()
    if not rest:
        if weekday is None:
            return None
        return ref + relativedelta(days=1, weekday=weekday), "day"
    try:
        a = date_parser.parse(rest, default=datetime(2000, 1, 1))
        b = date_parser.parse(rest, default=datetime(2004, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    has_day, has_month, has_year = a.day == b.day, a.month == b.month, a.year == b.year
    if has_day and has_month and has_year:
        return a.date(), "day"
    if has_day and has_month:
        cand = date(ref.year, a.month, 1)
        for add in range(0, 9):
            year = ref.year + add
            try:
                cand = date(year, a.month, a.day)
            except ValueError:
                continue
            if cand > ref and (weekday is None or cand.weekday() == weekday or add >= 1):
                break
        if weekday is not None and cand.weekday() != weekday:
            # a weekday that contradicts the written date: trust the date
            try:
                cand = date(ref.year, a.month, a.day)
            except ValueError:
                return None
            if cand <= ref:
                cand = date(ref.year + 1, a.month, a.day)
        return cand, "day"
    if has_day:
        # the next such day; a weekday that agrees within about two months picks that one
        first: date | None = None
        for add in range(0, 13):
            month_start = date(ref.year, ref.month, 1) + relativedelta(months=add)
            try:
                cand = month_start.replace(day=a.day)
            except ValueError:
                continue
            if cand <= ref:
                continue
            first = first or cand
            if weekday is None or cand.weekday() == weekday:
                return cand, "day"
            if (cand - ref).days > 70:
                break
        return (first, "day") if first else None
    if has_month:
        year = ref.year if a.month > ref.month else ref.year + 1
        if has_year:
            year = a.year
        return date(year, a.month, 1), "month"
    return None


def _ooo_details(email: InboundEmail, original: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    match = _RETURN_ANCHOR.search(original) or _DATE_ANYWHERE.search(original)
    if match is None:
        return out
    phrase = match.group("date").strip()
    out["return_date_text"] = phrase
    if email.date is None:
        return out
    resolved = resolve_date_phrase(phrase, email.date)
    if resolved is None:
        return out
    when, precision = resolved
    anchor = match.group(0).lower()
    if re.match(r"(through|thru)\b", anchor) and precision == "day":
        when = when + timedelta(days=1)  # out through the 30th: back on the 1st
    out["return_date"] = when.isoformat()
    out["return_date_precision"] = precision
    return out


def _proposal_details(original: str) -> dict[str, Any]:
    items = re.findall(
        r"\b(proposal|quote|quotation|pricing|price list|estimate|order form|contract|sow|"
        r"statement of work|msa)\b",
        original.lower(),
    )
    out: dict[str, Any] = {"items": list(dict.fromkeys(items))}
    seats = re.search(r"\b(\d{1,6})[- ](seats?|users?|licen[cs]es|reps)\b", original, re.I)
    if seats:
        out["quantity"] = int(seats.group(1))
    return out


def extract(
    category: Category, email: InboundEmail, original: str, cue_start: int = 0
) -> dict[str, Any]:
    if category == "out_of_office":
        details = _ooo_details(email, original)
        alternates = [e for e in _EMAIL_RE.findall(original)]
        if alternates:
            details["alternate_contacts"] = alternates[:3]
        return details
    if category == "referral":
        return _referral_details(email, original, cue_start)
    if category == "meeting_request":
        return _meeting_details(original)
    if category == "proposal_request":
        return _proposal_details(original)
    return {}
