"""The manager's weekly team digest, pure: the two calls most worth listening to and why, each
rep's focus area, from the team's coaching analyses (never drafts or emails). No I/O, no clock.

Ranking (`pick_calls`): every analysed call of the week gets its best reason, if any, of three:

- **objection left unanswered on a late-stage deal** (`unanswered`): the call's deal is at a late
  stage (`LATE_STAGES`) and a prospect objection got no reply or a deflection. Ranked first among
  the reasons, bigger deals first; the reason names the objection's type and minute (mm:ss).
- **far off the team norm** (`off_norm`): the rep's talk ratio is at least `TALK_GAP` (15 points)
  from the team's norm for that call type, or the rep asked under half the team's questions per
  call of that type (both named when both hold). Bigger gaps first (the larger of the talk-ratio
  gap and the share of the question norm missing); the minute is the first "change" moment.
- **a strong call to share** (`strong`): talk ratio within `TALK_GAP` of the norm, at least the
  team's questions per call, at least half of them open, and no objection left unanswered.
  More questions first; the minute is the first "strength" moment.

A call without a reason is never picked; the two picks are distinct calls (fewer when fewer
calls have a reason). Ties break on the earlier call, then the lower meeting id, so the pick
does not depend on input order.

Focus area (`focus_area`): the rep's largest gap this week, in this order of weight: objections
left unanswered, talking well over the norm, few questions, few open questions, long monologues;
None when the rep is on the norm on everything measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LATE_STAGES = frozenset({"proposal", "negotiation", "contract", "decision", "closing"})
UNANSWERED = frozenset({"no_reply", "deflected"})
TALK_GAP = 0.15
OPEN_SHARE_MIN = 0.5
MONOLOGUE_LONG_S = 150.0
PICKS = 2
_KIND_RANK = {"unanswered": 3, "off_norm": 2, "strong": 1}


@dataclass(frozen=True)
class ObjectionSeen:
    type: str  # price | timing | competitor | authority | need | trust
    start_s: float  # seconds from the call's start
    response: str  # acknowledged | deflected | no_reply


@dataclass(frozen=True)
class DealInfo:
    name: str
    stage: str
    amount: float | None


@dataclass(frozen=True)
class TeamCall:
    """One analysed call of a rep this week, as the ranking reads it."""

    meeting_id: int
    rep_id: int
    rep_name: str
    title: str
    call_type: str
    started_at: str  # ISO 8601, for ordering ties
    talk_ratio: float | None  # None when skipped (unsure speakers)
    questions: int | None  # None when skipped
    open_questions: int | None
    longest_monologue_s: float | None
    objections: tuple[ObjectionSeen, ...] = ()
    moments: tuple[tuple[str, str], ...] = ()  # (kind, "mm:ss") of the analysis' feedback
    deal: DealInfo | None = None


@dataclass(frozen=True)
class Norm:
    """The team's norm for one call type: median of reps' means (`storage.coaching.team_baseline`)."""

    talk_ratio: float | None
    questions: float | None  # per call


@dataclass(frozen=True)
class Pick:
    meeting_id: int
    rep_id: int
    rep_name: str
    title: str
    kind: str  # unanswered | off_norm | strong
    at: str | None  # mm:ss of the moment to listen from
    reason: str


def mmss(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _pct(v: float) -> str:
    return f"{round(100 * v)}%"


def _moment(call: TeamCall, kind: str) -> str | None:
    return next((at for k, at in call.moments if k == kind), None)


def _money(amount: float | None) -> str:
    return "" if amount is None else f", ${amount:,.0f}"


def _unanswered(call: TeamCall) -> tuple[float, Pick] | None:
    deal = call.deal
    if deal is None or deal.stage not in LATE_STAGES:
        return None
    left = [o for o in call.objections if o.response in UNANSWERED]
    if not left:
        return None
    first = min(left, key=lambda o: o.start_s)
    what = "got no reply" if first.response == "no_reply" else "was deflected"
    reason = (f"{deal.name} is at {deal.stage}{_money(deal.amount)}, and the {first.type} "
              f"objection at {mmss(first.start_s)} {what}.")  # fmt: skip
    pick = Pick(call.meeting_id, call.rep_id, call.rep_name, call.title, "unanswered",
                mmss(first.start_s), reason)  # fmt: skip
    return float(deal.amount or 0.0), pick


def _off_norm(call: TeamCall, norm: Norm | None) -> tuple[float, Pick] | None:
    if norm is None:
        return None
    gaps: list[tuple[float, str]] = []
    if call.talk_ratio is not None and norm.talk_ratio is not None:
        gap = call.talk_ratio - norm.talk_ratio
        if abs(gap) >= TALK_GAP:
            gaps.append((abs(gap), f"talked {_pct(call.talk_ratio)} of the time (team norm "
                                   f"{_pct(norm.talk_ratio)})"))  # fmt: skip
    if call.questions is not None and norm.questions and call.questions < norm.questions / 2:
        gaps.append((1 - call.questions / norm.questions,
                     f"asked {call.questions} questions (team norm {norm.questions:.0f})"))  # fmt: skip
    if not gaps:
        return None
    gaps.sort(key=lambda g: -g[0])
    size = gaps[0][0]
    at = _moment(call, "change")
    reason = (f"{call.rep_name} {' and '.join(g[1] for g in gaps)} on this {call.call_type} call"
              + (f"; listen from {at}." if at else "."))  # fmt: skip
    return size, Pick(call.meeting_id, call.rep_id, call.rep_name, call.title, "off_norm", at,
                      reason)  # fmt: skip


def _strong(call: TeamCall, norm: Norm | None) -> tuple[float, Pick] | None:
    if norm is None or norm.talk_ratio is None or not norm.questions:
        return None
    if call.talk_ratio is None or call.questions is None or call.open_questions is None:
        return None
    if abs(call.talk_ratio - norm.talk_ratio) >= TALK_GAP or call.questions < norm.questions:
        return None
    if call.questions == 0 or call.open_questions / call.questions < OPEN_SHARE_MIN:
        return None
    if any(o.response in UNANSWERED for o in call.objections):
        return None
    at = _moment(call, "strength")
    reason = (f"A call to share: {call.rep_name} talked {_pct(call.talk_ratio)} of the time and "
              f"asked {call.questions} questions, {call.open_questions} of them open"
              + (f"; listen from {at}." if at else "."))  # fmt: skip
    return float(call.questions), Pick(call.meeting_id, call.rep_id, call.rep_name, call.title,
                                       "strong", at, reason)  # fmt: skip


def best_reason(call: TeamCall, norm: Norm | None) -> tuple[float, Pick] | None:
    """The call's strongest reason to be listened to, with its size within its kind."""
    for found in (_unanswered(call), _off_norm(call, norm), _strong(call, norm)):
        if found is not None:
            return found
    return None


def pick_calls(
    calls: Sequence[TeamCall], norms: Mapping[str, Norm], *, limit: int = PICKS
) -> list[Pick]:
    """The calls most worth listening to (module docstring), at most `limit`, best first."""
    ranked: list[tuple[tuple[int, float, str, int], Pick]] = []
    for call in calls:
        found = best_reason(call, norms.get(call.call_type))
        if found is None:
            continue
        size, pick = found
        ranked.append(((-_KIND_RANK[pick.kind], -size, call.started_at, call.meeting_id), pick))
    ranked.sort(key=lambda r: r[0])
    seen: set[int] = set()
    out: list[Pick] = []
    for _, pick in ranked:
        if pick.meeting_id not in seen:
            seen.add(pick.meeting_id)
            out.append(pick)
        if len(out) == limit:
            break
    return out


def focus_area(calls: Sequence[TeamCall], norms: Mapping[str, Norm]) -> str | None:
    """One rep's focus for next week from their calls (module docstring), or None."""
    objections = [o for c in calls for o in c.objections]
    left = [o for o in objections if o.response in UNANSWERED]
    if left:
        return f"Answer objections: {len(left)} of {len(objections)} left unanswered"
    talk_gaps = [
        (c.talk_ratio, n.talk_ratio)
        for c in calls
        if c.talk_ratio is not None
        and (n := norms.get(c.call_type)) is not None
        and n.talk_ratio is not None
    ]
    if talk_gaps:
        mine = sum(t for t, _ in talk_gaps) / len(talk_gaps)
        norm = sum(n for _, n in talk_gaps) / len(talk_gaps)
        if mine - norm >= TALK_GAP:
            return f"Talk less: {_pct(mine)} talk ratio against a team norm of {_pct(norm)}"
    asked = [
        (c.questions, n.questions)
        for c in calls
        if c.questions is not None and (n := norms.get(c.call_type)) is not None and n.questions
    ]
    if asked:
        mine_q = sum(q for q, _ in asked) / len(asked)
        norm_q = sum(n for _, n in asked) / len(asked)
        if mine_q < norm_q / 2:
            return f"Ask more questions: {mine_q:.0f} a call against a team norm of {norm_q:.0f}"
    total_q = sum(c.questions or 0 for c in calls)
    open_q = sum(c.open_questions or 0 for c in calls if c.questions is not None)
    if total_q >= 4 and open_q / total_q < 0.3:
        return f"More open questions: {open_q} of {total_q} were open"
    monologues = [c.longest_monologue_s for c in calls if c.longest_monologue_s is not None]
    if monologues and max(monologues) > MONOLOGUE_LONG_S:
        return f"Shorter monologues: the longest ran {mmss(max(monologues))}"
    return None
