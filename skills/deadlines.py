"""Deadlines spoken in a meeting, resolved against the meeting's start time.

`find_deadline(text, anchor)` finds the first time expression a commitment carries
("by Friday", "next Tuesday", "tomorrow", "in two weeks", "end of the month", "end of Q1",
"the fifteenth", "March 3rd", "before Christmas") and resolves it to a calendar day in the
anchor's timezone. Explicit calendar dates are read with python-dateutil; relative ones by
the rules here. Conventions: a bare weekday is the next one strictly after the meeting day;
"next <weekday>" is that weekday in the following week; "next week" is its Friday; "end of
Qn" is the last day of the next such quarter not already over.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "three": 3,
    "a few": 3,
    "few": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "twenty-first": 21,
    "twenty first": 21,
    "twenty-second": 22,
    "twenty second": 22,
    "twenty-third": 23,
    "twenty third": 23,
    "twenty-fourth": 24,
    "twenty fourth": 24,
    "twenty-fifth": 25,
    "twenty fifth": 25,
    "twenty-sixth": 26,
    "twenty sixth": 26,
    "twenty-seventh": 27,
    "twenty seventh": 27,
    "twenty-eighth": 28,
    "twenty eighth": 28,
    "twenty-ninth": 29,
    "twenty ninth": 29,
    "thirtieth": 30,
    "thirty-first": 31,
    "thirty first": 31,
}
_HOLIDAYS = {"christmas": (12, 24), "new year": (12, 31), "thanksgiving": None}

_WD = "|".join(WEEKDAYS)
_MON = "|".join(MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_NUM = "|".join(sorted((re.escape(k) for k in _NUMBER_WORDS), key=len, reverse=True))
_ORD = "|".join(sorted((re.escape(k) for k in _ORDINALS), key=len, reverse=True))

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")),
    (
        "month_day",
        re.compile(
            rf"\b(?:(?P<m1>{_MON})\.?\s+(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"|(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MON}))\b",
            re.I,
        ),
    ),
    (
        "month_ordinal",
        re.compile(
            rf"\b(?:(?P<m1>{_MON})\s+(?:the\s+)?(?P<o1>{_ORD})|(?:the\s+)?(?P<o2>{_ORD})\s+of\s+(?P<m2>{_MON}))\b",
            re.I,
        ),
    ),
    ("day_ordinal", re.compile(rf"\bthe\s+(?P<o>{_ORD}|\d{{1,2}}(?:st|nd|rd|th))\b", re.I)),
    ("slash", re.compile(r"\b(\d{1,2}/\d{1,2}(?:/\d{2,4})?)\b")),
    (
        "today",
        re.compile(
            r"\b(today|tonight|this (?:afternoon|evening)|end of (?:the )?day|eod|after (?:the|this) call|later today)\b",
            re.I,
        ),
    ),
    ("tomorrow", re.compile(r"\b(tomorrow|tmrw)\b", re.I)),
    ("end_week", re.compile(r"\b(end of (?:the |this )?week|eow|this week)\b", re.I)),
    (
        "early_next_week",
        re.compile(r"\b(early next week|start of next week|beginning of next week)\b", re.I),
    ),
    ("next_week", re.compile(r"\b((?:end of |by |later )?next week)\b", re.I)),
    (
        "weekday",
        re.compile(rf"\b(?:(?P<mod>next|this|coming|on|by|until|before)\s+)?(?P<wd>{_WD})\b", re.I),
    ),
    ("end_month", re.compile(r"\b(end of (?:the |this )?month|month[- ]end)\b", re.I)),
    ("next_month", re.compile(r"\b((?:end of )?next month)\b", re.I)),
    (
        "quarter",
        re.compile(
            r"\b(?:(?P<pos>end|start|beginning) of\s+)?(?:the\s+)?(?P<q>q[1-4]|first quarter|second quarter|third quarter|fourth quarter|(?:this|next|the) quarter)\b",
            re.I,
        ),
    ),
    ("end_year", re.compile(r"\b(end of (?:the |this )?year|year[- ]end|eoy)\b", re.I)),
    (
        "within",
        re.compile(
            rf"\b(?:in|within)\s+(?:the\s+next\s+)?(?P<n>\d+|{_NUM})\s+(?P<unit>day|week|month|business day)s?\b",
            re.I,
        ),
    ),
    ("holiday", re.compile(r"\b(?:before|by)\s+(?P<h>christmas|new year)\b", re.I)),
    ("month", re.compile(rf"\b(?:by|in|before|until|end of)\s+(?P<m>{_MON})\b", re.I)),
]


@dataclass(frozen=True)
class Deadline:
    """A resolved deadline: a calendar day, and the exact words that gave it."""

    day: date
    phrase: str
    start: int
    end: int

    def at_end_of_day(self, anchor: datetime) -> datetime:
        """The deadline as an aware datetime: 17:00 on that day in the anchor's timezone."""
        return datetime.combine(self.day, time(17, 0), tzinfo=anchor.tzinfo)


def _month_number(token: str) -> int:
    t = token.lower().rstrip(".")
    if t in MONTHS:
        return MONTHS.index(t) + 1
    return _MONTH_ABBR[t[:4] if t.startswith("sept") else t[:3]]


def _next_date_for(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _friday_of_week(d: date) -> date:
    return d + timedelta(days=4 - d.weekday())


def _quarter(match: re.Match[str], today: date) -> date | None:
    q_text = match.group("q").lower()
    pos = (match.group("pos") or "end").lower()
    current_q = (today.month - 1) // 3 + 1
    if q_text in ("this quarter", "the quarter"):
        q, year = current_q, today.year
    elif q_text == "next quarter":
        q = current_q % 4 + 1
        year = today.year + (1 if q == 1 else 0)
    else:
        words = {"first": 1, "second": 2, "third": 3, "fourth": 4}
        q = int(q_text[1]) if q_text.startswith("q") else words[q_text.split()[0]]
        year = today.year if _last_day(today.year, q * 3) >= today else today.year + 1
    if pos == "end":
        return _last_day(year, q * 3)
    return date(year, q * 3 - 2, 1)


def _resolve(kind: str, match: re.Match[str], today: date) -> date | None:
    text = match.group(0).lower()
    if kind == "iso":
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    if kind in ("month_day", "month_ordinal"):
        m = match.group("m1") or match.group("m2")
        if kind == "month_day":
            d = int(match.group("d1") or match.group("d2"))
        else:
            d = _ORDINALS[(match.group("o1") or match.group("o2")).lower()]
        try:
            parsed = date_parser.parse(f"{_month_number(m)}/{d}/{today.year}").date()
        except (ValueError, OverflowError):
            return None
        return parsed if parsed >= today else _next_date_for(parsed.month, parsed.day, today)
    if kind == "day_ordinal":
        token = match.group("o").lower()
        d = _ORDINALS.get(token) or int(re.sub(r"\D", "", token))
        if not 1 <= d <= 31:
            return None
        probe = date(today.year, today.month, 1)
        for _ in range(3):
            try:
                candidate = probe.replace(day=d)
            except ValueError:
                candidate = None
            if candidate is not None and candidate >= today:
                return candidate
            probe = probe + relativedelta(months=1)
        return None
    if kind == "slash":
        try:
            parsed = date_parser.parse(match.group(1), default=datetime(today.year, 1, 1)).date()
        except (ValueError, OverflowError):
            return None
        if match.group(1).count("/") == 1 and parsed < today:
            return _next_date_for(parsed.month, parsed.day, today)
        return parsed
    if kind == "today":
        return today
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "end_week":
        friday = _friday_of_week(today)
        return friday if friday >= today else today
    if kind == "early_next_week":
        return today + timedelta(days=7 - today.weekday() + 1)
    if kind == "next_week":
        return _friday_of_week(today + timedelta(days=7))
    if kind == "weekday":
        target = WEEKDAYS.index(match.group("wd").lower())
        mod = (match.group("mod") or "").lower()
        if mod == "next":
            monday_next = today + timedelta(days=7 - today.weekday())
            return monday_next + timedelta(days=target)
        ahead = (target - today.weekday()) % 7
        if ahead == 0 and mod != "this":
            ahead = 7
        return today + timedelta(days=ahead)
    if kind == "end_month":
        return _last_day(today.year, today.month)
    if kind == "next_month":
        nxt = today + relativedelta(months=1)
        return _last_day(nxt.year, nxt.month) if text.startswith("end") else nxt
    if kind == "quarter":
        return _quarter(match, today)
    if kind == "end_year":
        return date(today.year, 12, 31)
    if kind == "within":
        raw = match.group("n").lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = match.group("unit").lower()
        if unit == "day":
            return today + timedelta(days=n)
        if unit == "business day":
            day = today
            while n > 0:
                day += timedelta(days=1)
                n -= day.weekday() < 5
            return day
        if unit == "week":
            return today + timedelta(weeks=n)
        return today + relativedelta(months=n)
    if kind == "holiday":
        month_day = _HOLIDAYS.get(match.group("h").lower())
        return _next_date_for(*month_day, today) if month_day else None
    if kind == "month":
        month = _month_number(match.group("m"))
        year = today.year if month >= today.month else today.year + 1
        if text.startswith(("by", "in", "end")):
            return _last_day(year, month)
        return date(year, month, 1) - timedelta(days=1)
    return None


def find_deadline(text: str, anchor: datetime) -> Deadline | None:
    """The first time expression in `text` resolved against `anchor`, or None."""
    today = anchor.date()
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for order, (kind, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(text):
            found.append((match.start(), order, kind, match))
    # Earliest in the text wins; at the same position, the more specific pattern.
    for _, _, kind, match in sorted(found, key=lambda f: (f[0], f[1])):
        if kind == "month" and match.group("m").lower() == "may":
            continue  # "in may" is usually the verb
        day = _resolve(kind, match, today)
        if day is not None:
            return Deadline(day=day, phrase=match.group(0), start=match.start(), end=match.end())
    return None
