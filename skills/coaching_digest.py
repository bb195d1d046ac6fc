"""The rep's weekly coaching digest as data: `build_digest(...)` -> `Digest`.

Inputs are plain figures the flow reads from storage: this week's calls of the rep's main call
type (`WeekNumbers`), the same for the rep's previous weeks (their trend), the team's baseline
for that call type, the norms of the type, the week's feedback moments, follow-up speed and
briefs opened, and the win/loss line. Out come the metric lines (this week, your trend, the
team), what improved against the rep's own trend, one focus area tied to a call, minute and
quote, and the winning pattern only when `skills.win_loss` could claim one. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# How much better than the rep's own trend a week must be to count as improving.
TALK_RATIO_STEP = 0.03  # 3 points closer to the call type's range
MONOLOGUE_STEP = 0.10  # 10% shorter
QUESTIONS_STEP = 1.0  # one more question a call
OPEN_SHARE_STEP = 0.05  # 5 points more open questions

# What a "change" moment is about, from the words the feedback skill writes (first match wins).
FOCUS_TOPICS: tuple[tuple[str, str], ...] = (
    ("You spoke for", "long monologues"),
    ("did not get an answer", "answering the prospect's questions"),
    ("it was not answered", "answering objections"),
    ("without acknowledging", "acknowledging objections"),
    ("sped up", "slowing down after an objection"),
)


@dataclass(frozen=True)
class WeekNumbers:
    """Calls of one call type over a week (or the mean of some weeks)."""

    calls: int
    talk_ratio: float | None
    longest_monologue_s: float | None
    questions_per_call: float | None
    open_share: float | None


@dataclass(frozen=True)
class Moment:
    """A feedback moment of one of the week's calls."""

    analysis_id: int
    call: str  # the call's title
    day: str  # "Tue 3 Dec"
    kind: str  # strength | change | try
    at: str  # mm:ss
    quote: str
    text: str


@dataclass(frozen=True)
class MetricLine:
    label: str
    week: str
    trend: str | None  # the rep's previous weeks, None without any
    team: str | None  # the team's baseline for the call type, None without one
    improving: bool


@dataclass(frozen=True)
class Focus:
    topic: str
    calls: int  # calls of the week with a moment on it
    moment: Moment


@dataclass(frozen=True)
class CallLink:
    analysis_id: int
    call: str
    day: str


@dataclass(frozen=True)
class Digest:
    week_label: str  # "week of 30 Nov"
    calls: int
    call_mix: str  # "4 calls: 3 discovery, 1 demo"
    call_type: str  # the main type the lines compare
    lines: tuple[MetricLine, ...]
    improving: tuple[str, ...]
    focus: Focus | None
    follow_ups: str | None  # "3 of 4 follow-ups sent within 10 minutes (last week 1 of 3)"
    briefs: str | None
    winning: str | None  # only a claimable pattern, or the honest short line
    calls_shown: tuple[CallLink, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Digest:
        focus = d.get("focus")
        return cls(
            week_label=d["week_label"], calls=d["calls"], call_mix=d["call_mix"],
            call_type=d["call_type"], lines=tuple(MetricLine(**x) for x in d["lines"]),
            improving=tuple(d["improving"]),
            focus=Focus(focus["topic"], focus["calls"], Moment(**focus["moment"])) if focus else None,
            follow_ups=d.get("follow_ups"), briefs=d.get("briefs"), winning=d.get("winning"),
            calls_shown=tuple(CallLink(**x) for x in d.get("calls_shown") or ()),
        )  # fmt: skip


def _pct(v: float | None) -> str | None:
    return None if v is None else f"{round(100 * v)}%"


def _secs(v: float | None) -> str | None:
    if v is None:
        return None
    s = round(v)
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s} s"


def _num(v: float | None) -> str | None:
    return None if v is None else f"{v:.1f}".rstrip("0").rstrip(".")


def _gap(v: float, lo: float, hi: float) -> float:
    return 0.0 if lo <= v <= hi else min(abs(v - lo), abs(v - hi))


def mean_weeks(weeks: Sequence[WeekNumbers]) -> WeekNumbers | None:
    """The rep's trend: each figure's mean over the weeks that have it, weighted by calls."""
    if not weeks:
        return None

    def avg(name: str) -> float | None:
        pairs = [(getattr(w, name), w.calls) for w in weeks if getattr(w, name) is not None]
        total = sum(n for _, n in pairs)
        return math.fsum(v * n for v, n in pairs) / total if total else None

    return WeekNumbers(sum(w.calls for w in weeks), avg("talk_ratio"),
                       avg("longest_monologue_s"), avg("questions_per_call"), avg("open_share"))  # fmt: skip


def metric_lines(
    week: WeekNumbers,
    trend: WeekNumbers | None,
    team: Mapping[str, float],
    talk_norm: tuple[float, float],
) -> list[MetricLine]:
    """The four call metrics: this week, the rep's trend, the team; improving vs the trend."""
    t = trend or WeekNumbers(0, None, None, None, None)
    lo, hi = talk_norm
    out: list[MetricLine] = []

    def better(now: float | None, before: float | None, test: Any) -> bool:
        return now is not None and before is not None and bool(test(now, before))

    out.append(MetricLine(
        f"Talk ratio (aim {round(100 * lo)}–{round(100 * hi)}%)", _pct(week.talk_ratio) or "—",
        _pct(t.talk_ratio), _pct(team.get("talk_ratio_rep")),
        better(week.talk_ratio, t.talk_ratio,
               lambda a, b: _gap(a, lo, hi) < _gap(b, lo, hi) - TALK_RATIO_STEP / 2
               and abs(a - b) >= TALK_RATIO_STEP)))  # fmt: skip
    out.append(MetricLine(
        "Longest monologue", _secs(week.longest_monologue_s) or "—", _secs(t.longest_monologue_s),
        _secs(team.get("longest_monologue_s")),
        better(week.longest_monologue_s, t.longest_monologue_s,
               lambda a, b: a < b * (1 - MONOLOGUE_STEP))))  # fmt: skip
    out.append(MetricLine(
        "Questions a call", _num(week.questions_per_call) or "—", _num(t.questions_per_call),
        _num(team.get("questions")),
        better(week.questions_per_call, t.questions_per_call,
               lambda a, b: a >= b + QUESTIONS_STEP)))  # fmt: skip
    out.append(MetricLine(
        "Open questions", _pct(week.open_share) or "—", _pct(t.open_share),
        _pct(team.get("open_share")),
        better(week.open_share, t.open_share, lambda a, b: a >= b + OPEN_SHARE_STEP)))  # fmt: skip
    return out


def topic_of(text: str) -> str | None:
    for cue, topic in FOCUS_TOPICS:
        if cue in text:
            return topic
    return None


def focus_area(moments: Sequence[Moment]) -> Focus | None:
    """The change that came up on the most calls this week, with its first moment; None when
    no call had a specific moment to change (never a generic tip)."""
    by_topic: dict[str, list[Moment]] = {}
    for m in moments:
        if m.kind == "change" and (topic := topic_of(m.text)) is not None:
            by_topic.setdefault(topic, []).append(m)
    if not by_topic:
        return None
    order = [t for _, t in FOCUS_TOPICS]
    topic = max(
        by_topic, key=lambda k: (len({m.analysis_id for m in by_topic[k]}), -order.index(k))
    )
    found = by_topic[topic]
    return Focus(topic, len({m.analysis_id for m in found}), found[0])


def ratio_line(part: int, whole: int, what: str, before: tuple[int, int] | None) -> str | None:
    """ "3 of 4 follow-ups sent within 10 minutes (last week 1 of 3)"; None when there were none."""
    if whole == 0:
        return None
    line = f"{part} of {whole} {what}"
    if before is not None and before[1] > 0:
        line += f" (last week {before[0]} of {before[1]})"
    return line


def main_call_type(type_counts: Mapping[str, int]) -> str:
    """The week's most frequent call type (discovery wins a tie, then the name)."""
    return min(type_counts, key=lambda k: (-type_counts[k], k != "discovery", k))


def build_digest(
    *,
    week_label: str,
    type_counts: Mapping[str, int],
    week: WeekNumbers,
    previous: Sequence[WeekNumbers],
    team: Mapping[str, float],
    talk_norm: tuple[float, float],
    moments: Sequence[Moment],
    calls: Sequence[CallLink],
    follow_ups: tuple[int, int, tuple[int, int] | None],
    briefs: tuple[int, int, tuple[int, int] | None],
    winning: str | None,
) -> Digest | None:
    """The digest, or None when the rep had no analysed call this week (nothing is sent)."""
    total = sum(type_counts.values())
    if total == 0:
        return None
    main = main_call_type(type_counts)
    mix = ", ".join(f"{n} {k.replace('_', '-')}" for k, n in
                    sorted(type_counts.items(), key=lambda kv: (-kv[1], kv[0])))  # fmt: skip
    calls_word = "call" if total == 1 else "calls"
    lines = metric_lines(week, mean_weeks(previous), team, talk_norm)
    improving = tuple(
        f"{ln.label.split(' (')[0].lower()} ({ln.week}, from {ln.trend})"
        for ln in lines
        if ln.improving
    )
    return Digest(
        week_label=week_label,
        calls=total,
        call_mix=f"{total} analysed {calls_word}: {mix}",
        call_type=main,
        lines=tuple(lines),
        improving=improving,
        focus=focus_area(moments),
        follow_ups=ratio_line(
            follow_ups[0], follow_ups[1], "follow-ups sent within 10 minutes", follow_ups[2]
        ),
        briefs=ratio_line(
            briefs[0], briefs[1], "pre-meeting briefs opened before the meeting", briefs[2]
        ),
        winning=winning,
        calls_shown=tuple(calls),
    )
