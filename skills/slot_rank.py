"""The slot finder's ranking: a greedy re-rank that spreads options over days and hours.

Owns the diversity penalties: a second pick on the same day, near-duplicates, and the same
time of day on another day; ties go to the earlier start.
"""

from __future__ import annotations

from bisect import bisect_right, insort

from skills.slot_scan import Candidate

PENALTY_SAME_DAY = 12.0  # diversity: per option already picked on that day
PENALTY_NEAR = 25.0  # diversity: within the meeting length (plus buffer) of a picked option
PENALTY_SAME_TIME = 3.0  # diversity: the same time of day as an option picked on another day


def _within(sorted_values: list[int], x: int, distance: int) -> bool:
    """Whether some value lies strictly within `distance` of x."""
    i = bisect_right(sorted_values, x - distance)
    return i < len(sorted_values) and sorted_values[i] < x + distance


def rank(cands: list[Candidate], take: int, near: int) -> list[tuple[Candidate, float]]:
    """Greedy diversity re-rank: returns up to `take` (candidate, effective score), best first.

    Each pick adds penalties to what is left: per option already on that day, for starting
    within `near` seconds of a picked option, and for the same time of day as one picked on
    another day. Penalties only grow, so the effective scores come out non-increasing.
    """
    by_day: dict[int, list[Candidate]] = {}
    for c in cands:
        by_day.setdefault(c.day, []).append(c)
    for lst in by_day.values():
        lst.sort(key=lambda c: (-round(c.score, 6), c.s))
    picked_on: dict[int, list[int]] = {day: [] for day in by_day}
    picked_tods: list[int] = []

    def day_best(day: int) -> tuple[float, int, Candidate] | None:
        picks = picked_on[day]
        day_pen = PENALTY_SAME_DAY * len(picks)
        best: tuple[float, int, Candidate] | None = None
        for c in by_day[day]:
            if best is not None and round(c.score - day_pen, 6) < best[0]:
                break  # sorted by score: neither this one nor any later one can win
            extra = 0.0
            if _within(picks, c.s, near):
                extra += PENALTY_NEAR
            if _within(picked_tods, c.tod, near):
                extra += PENALTY_SAME_TIME
            eff = round(c.score - day_pen - extra, 6)
            if best is None or (-eff, c.s) < (-best[0], best[1]):
                best = (eff, c.s, c)
            if not extra:
                break  # sorted by score: the rest cannot beat one without extra penalties
        return best

    # Penalties only grow, so a day's best stays its best unless the pick was on that day
    # or lands on the best's own time of day: only those days are looked at again.
    bests = {day: day_best(day) for day in by_day}
    out: list[tuple[Candidate, float]] = []
    while len(out) < take:
        top: tuple[float, int, Candidate] | None = None
        for entry in bests.values():
            if entry is not None and (top is None or (-entry[0], entry[1]) < (-top[0], top[1])):
                top = entry
        if top is None:
            break
        eff, s, c = top
        by_day[c.day].remove(c)
        insort(picked_on[c.day], s)
        insort(picked_tods, c.tod)
        out.append((c, eff))
        for day, entry in bests.items():
            if day == c.day or (entry is not None and abs(entry[2].tod - c.tod) < near):
                bests[day] = day_best(day)
    return out
