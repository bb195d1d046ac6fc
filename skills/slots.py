"""The availability slot finder: mutual free time, ranked and explained (pure, no I/O).

`find_slots(request) -> SlotResult` offers meeting times over the rep's next N business days
(N = `days`, 1..10, larger values clamped with a `days_clamped` note). Business days are the
rep's working days in the rep's zone; today counts while the meeting could still fit before
its working hours end; out-of-office and all-day days count but offer nothing.

- hard rules: inside the rep's working hours in the rep's zone, on the rep's working days,
  not on all-day / out-of-office days, not in quiet hours, after now + minimum notice, never
  overlapping rep busy time or visible prospect busy time widened by the buffer on both sides,
  and (unless `allow_outside_prospect_hours`) within the prospect's business hours give or
  take `stretch_minutes`;
- scoring (higher is better, about 0..100): inside the prospect's hours, the rep's morning /
  afternoon preference, no tentative clash, not fragmenting a free block (a slot against a
  block edge beats one leaving a useless 15-minute sliver), sooner is better;
- ranking: greedy re-rank that penalises a second pick on the same day, near-duplicates and
  the same time of day on another day, so the top options spread over days and hours; ties
  go to the earlier start. `offset` pages on ("show more"); reported scores are the re-ranked
  ones, so the list is sorted by score.
- flags per slot: `early_for_prospect`, `late_for_prospect` (within the stretch, or beyond it
  together with `outside_prospect_hours`), `prospect_non_working_day` (with
  `outside_prospect_hours`), `tentative_conflict`, `fragments_block`.
- explanation when fewer than `max_options` are offered or fewer than 3 are free of problem
  flags: reasons (`rep_fully_booked`, `rep_out_of_office`, `no_business_hours_overlap`,
  `rep_busy_in_prospect_hours`, `prospect_busy`, `min_notice_excludes_today`,
  `prospect_calendar_unknown`, `no_more_options`, else `few_good_options` / `few_options`)
  and ways out that were checked to help (`widen_range`, `shorter_meeting`,
  `allow_outside_hours`, with `params` to apply), each with a sentence for people.

Local windows are computed per local date with zoneinfo, never by adding 24 hours, so DST
weeks are right in both zones. Internally all instants are integer epoch seconds; busy time is
merged once into sorted disjoint intervals and searched with bisect (no per-minute loops).

`slot_is_free(request, start, end)` re-checks one chosen slot against fresh calendars ("taken
in the meantime").

This module owns those two entry points; the parts live in `skills.slot_days` (time model,
busy intervals, free blocks), `skills.slot_scan` (hard rules and scoring), `skills.slot_rank`
(diversity re-rank) and `skills.slot_explain` (notes, reasons and ways out); the types and
flag codes are `skills.slot_types`', the JSON contract `skills.slot_json`'s.
"""

from __future__ import annotations

from datetime import datetime

from skills.slot_days import epoch, prepare, quiet_windows, window
from skills.slot_explain import explain, notes_for
from skills.slot_rank import rank
from skills.slot_scan import default_step, scan
from skills.slot_types import MAX_DAYS, PROBLEM_FLAGS, Slot, SlotRequest, SlotResult
from skills.timezones import local_label


def find_slots(request: SlotRequest) -> SlotResult:
    """Ranked meeting options for `request`; see the module docstring for the rules."""
    days = max(1, min(request.days, MAX_DAYS))
    step = request.step_minutes or default_step(request.duration_minutes)
    prep = prepare(request)
    cands, stats = scan(
        prep, days, request.duration_minutes, step, request.allow_outside_prospect_hours
    )
    want = request.offset + request.max_options
    near = (request.duration_minutes + request.rep.buffer_minutes) * 60
    ranked = rank(cands, want + 1, near)
    page = ranked[request.offset : want]
    rep_tz = request.rep.timezone
    p_tz = request.prospect.timezone if request.prospect else None
    slots = []
    for c, eff in page:
        start = datetime.fromtimestamp(c.s, rep_tz)
        end = datetime.fromtimestamp(c.s + request.duration_minutes * 60, rep_tz)
        slots.append(
            Slot(
                start=start,
                end=end,
                score=round(eff, 2),
                rep_local=local_label(start, rep_tz),
                prospect_local=local_label(start, p_tz) if p_tz is not None else None,
                flags=c.flags,
            )
        )
    notes = notes_for(request, days)
    good = sum(1 for s in slots if not PROBLEM_FLAGS.intersection(s.flags))
    explanation = None
    if len(slots) < request.max_options or good < min(3, request.max_options):
        explanation = explain(prep, days, step, stats, slots, good)
        explained = {n.code for n in explanation.reasons}
        notes = [n for n in notes if n.code not in explained]  # say each thing once
    return SlotResult(
        slots=tuple(slots),
        explanation=explanation,
        notes=tuple(notes),
        has_more=len(ranked) > want,
    )


# -- Re-checking one slot ------------------------------------------------------------------


def slot_is_free(request: SlotRequest, start: datetime, end: datetime) -> bool:
    """Whether [start, end) still satisfies the hard rules against the request's calendars.

    For "the chosen slot was taken in the meantime": rebuild the request from fresh busy
    data and check the chosen slot; if False, call `find_slots` for the next best. Minimum
    notice is not re-applied (the prospect may have accepted minutes ago); `now` is.
    """
    prep = prepare(request)
    s, e = epoch(start), epoch(end)
    rep = request.rep
    tz = rep.timezone
    if e <= s or s < prep.now:
        return False
    day = datetime.fromtimestamp(s, tz).date()
    if day.weekday() not in rep.working_hours.days or day in rep.days_off:
        return False
    ws, we = window(day, rep.working_hours, tz)
    if s < ws or e > we:
        return False
    if prep.rep_busy.overlaps(s, e):
        return False
    if any(qs < e and s < qe for qs, qe in quiet_windows(rep, day)):
        return False
    return not (prep.prospect_busy is not None and prep.prospect_busy.overlaps(s, e))


__all__ = ["find_slots", "slot_is_free"]
