"""Property tests of the slot finder against a brute-force oracle (hypothesis).

The oracle walks the rep's local wall clock in 15-minute steps per local date and checks every
hard rule directly on aware datetimes; the finder must return only oracle-valid slots, sorted
by score, and all of them when asked for enough. Weeks around DST changes in Europe/London,
America/New_York and Australia/Sydney are drawn on purpose.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.slot_json import MAX_OPTIONS_LIMIT
from skills.slot_types import (
    FLAG_EARLY,
    FLAG_LATE,
    FLAG_OUTSIDE,
    MAX_DAYS,
    PROBLEM_FLAGS,
    Interval,
    ProspectCalendar,
    QuietHours,
    RepCalendar,
    Slot,
    SlotRequest,
    WorkingHours,
)
from skills.slots import find_slots

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Days around 2026's DST changes: US 8 Mar / 1 Nov, EU 29 Mar / 25 Oct, AU 5 Apr / 4 Oct.
DST_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]
STEP = 15


@st.composite
def intervals(draw: st.DrawFn, now: datetime, tz: ZoneInfo, max_size: int) -> list[Interval]:
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        start = now + timedelta(minutes=draw(st.integers(-24 * 60, 16 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(0, 240)))
        out.append(Interval(start.astimezone(tz), (start + length).astimezone(tz)))
    return out


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    start = draw(st.integers(6 * 4, 11 * 4)) * 15  # minutes, on the 15-minute grid
    length = draw(st.integers(2 * 4, 11 * 4)) * 15
    end = start + length
    days = draw(
        st.one_of(
            st.just(frozenset(range(5))),
            st.frozensets(st.integers(0, 6), min_size=1, max_size=7),
        )
    )
    return WorkingHours(time(start // 60, start % 60), time(end // 60, end % 60), days)


@st.composite
def requests(draw: st.DrawFn) -> SlotRequest:
    rep_tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    base = draw(st.sampled_from(DST_DAYS)) + timedelta(days=draw(st.integers(-6, 3)))
    now = datetime.combine(base, time(0, 0), tzinfo=ZoneInfo("UTC")) + timedelta(
        minutes=draw(st.integers(0, 24 * 60 - 1))
    )
    hours = working_hours_ = draw(working_hours())
    del working_hours_
    days_off = draw(
        st.frozensets(
            st.integers(0, 14).map(lambda k: now.astimezone(rep_tz).date() + timedelta(days=k)),
            max_size=3,
        )
    )
    rep = RepCalendar(
        timezone=rep_tz,
        working_hours=hours,
        buffer_minutes=draw(st.sampled_from([0, 5, 15, 30])),
        busy=tuple(draw(intervals(now, rep_tz, 25))),
        tentative=tuple(draw(intervals(now, rep_tz, 5))),
        days_off=days_off,
        min_notice_minutes=draw(st.sampled_from([0, 60, 240])),
        preference=draw(st.sampled_from([None, "morning", "afternoon"])),
        quiet_hours=draw(
            st.sampled_from(
                [(), (QuietHours(time(12), time(13)),), (QuietHours(time(16), time(10, 30)),)]
            )
        ),
    )
    prospect = None
    if draw(st.booleans()):
        p_tz = ZoneInfo(draw(st.sampled_from(ZONES)))
        busy = draw(st.one_of(st.none(), intervals(now, p_tz, 20)))
        prospect = ProspectCalendar(
            timezone=p_tz,
            busy=tuple(busy) if busy is not None else None,
            working_hours=draw(st.one_of(st.just(WorkingHours()), working_hours())),
            buffer_minutes=draw(st.sampled_from([None, 0, 10])),
            stretch_minutes=draw(st.sampled_from([0, 60])),
        )
    return SlotRequest(
        now=now,
        rep=rep,
        prospect=prospect,
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
        days=draw(st.integers(1, 12)),
        max_options=draw(st.integers(1, 6)),
        step_minutes=STEP,
        allow_outside_prospect_hours=draw(st.booleans()),
    )


def _wall(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def _business_dates(req: SlotRequest) -> list[date]:
    tz = req.rep.timezone
    hours = req.rep.working_hours
    today = req.now.astimezone(tz).date()
    out: list[date] = []
    d = today
    while len(out) < min(req.days, MAX_DAYS) and d < today + timedelta(days=100):
        fits = req.now + timedelta(minutes=req.duration_minutes) <= _wall(d, hours.end, tz)
        if d.weekday() in hours.days and (d != today or fits):
            out.append(d)
        d += timedelta(days=1)
    return out


def _overlaps(s: datetime, e: datetime, busy: tuple[Interval, ...], pad: timedelta) -> bool:
    return any(iv.start - pad < e and s < iv.end + pad and iv.end > iv.start for iv in busy)


def _prospect_kind(req: SlotRequest, s: datetime, e: datetime) -> str:
    """ "inside", "stretch" or "outside" of the prospect's hours, judged on the start's date."""
    p = req.prospect
    assert p is not None
    tz = p.timezone
    d = s.astimezone(tz).date()
    if d.weekday() not in p.working_hours.days:
        return "outside"
    ps, pe = _wall(d, p.working_hours.start, tz), _wall(d, p.working_hours.end, tz)
    if ps <= s and e <= pe:
        return "inside"
    stretch = timedelta(minutes=p.stretch_minutes)
    return "stretch" if ps - stretch <= s and e <= pe + stretch else "outside"


def _valid(req: SlotRequest, s: datetime, business: list[date]) -> bool:
    """Every hard rule, checked from first principles."""
    rep = req.rep
    tz = rep.timezone
    e = s + timedelta(minutes=req.duration_minutes)
    local = s.astimezone(tz)
    d = local.date()
    hours = rep.working_hours
    if d not in business or d in rep.days_off:
        return False
    if not (_wall(d, hours.start, tz) <= s and e <= _wall(d, hours.end, tz)):
        return False
    if s < req.now + timedelta(minutes=rep.min_notice_minutes):
        return False
    for q in rep.quiet_hours:
        if q.start < q.end:
            spans = [(_wall(d, q.start, tz), _wall(d, q.end, tz))]
        else:  # wraps midnight
            midnight = _wall(d + timedelta(days=1), time(0), tz)
            spans = [
                (_wall(d, time(0), tz), _wall(d, q.end, tz)),
                (_wall(d, q.start, tz), midnight),
            ]
        if any(qs < e and s < qe for qs, qe in spans):
            return False
    if _overlaps(s, e, rep.busy, timedelta(minutes=rep.buffer_minutes)):
        return False
    p = req.prospect
    if p is not None:
        pad = rep.buffer_minutes if p.buffer_minutes is None else p.buffer_minutes
        if p.busy is not None and _overlaps(s, e, p.busy, timedelta(minutes=pad)):
            return False
        if _prospect_kind(req, s, e) == "outside" and not req.allow_outside_prospect_hours:
            return False
    return True


def _oracle(req: SlotRequest) -> list[datetime]:
    tz = req.rep.timezone
    hours = req.rep.working_hours
    out = []
    business = _business_dates(req)
    for d in business:
        start = _wall(d, hours.start, tz)
        end = _wall(d, hours.end, tz)
        s = start
        while s < end:
            if _valid(req, s, business):
                out.append(s)
            s = (s.astimezone(ZoneInfo("UTC")) + timedelta(minutes=STEP)).astimezone(tz)
    return out


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests())
def test_every_slot_obeys_the_hard_rules_and_the_list_is_sorted(req: SlotRequest) -> None:
    result = find_slots(req)
    assert find_slots(req) == result  # deterministic
    business = _business_dates(req)
    assert len(result.slots) <= req.max_options
    scores = [s.score for s in result.slots]
    assert scores == sorted(scores, reverse=True)
    assert len({s.start for s in result.slots}) == len(result.slots)
    for slot in result.slots:
        assert slot.end - slot.start == timedelta(minutes=req.duration_minutes)
        assert _valid(req, slot.start, business), slot
        local = slot.start.astimezone(req.rep.timezone)
        assert local.weekday() in req.rep.working_hours.days
        assert local.minute % STEP == 0
        if req.prospect is None:
            assert slot.prospect_local is None
            continue
        kind = _prospect_kind(req, slot.start, slot.end)
        has_edge_flag = FLAG_EARLY in slot.flags or FLAG_LATE in slot.flags
        assert (kind == "inside") == (not has_edge_flag and FLAG_OUTSIDE not in slot.flags)
        assert (FLAG_OUTSIDE in slot.flags) == (kind == "outside")
    if len(result.slots) < req.max_options:
        assert result.explanation is not None
        assert result.explanation.reasons


@SETTINGS
@given(requests())
def test_finds_every_valid_slot_when_asked_for_all(req: SlotRequest) -> None:
    wide = SlotRequest(**{**_fields(req), "max_options": MAX_OPTIONS_LIMIT})
    expected = _oracle(wide)
    got = [s.start for s in find_slots(wide).slots]
    assert len(got) == min(len(expected), MAX_OPTIONS_LIMIT)
    assert set(got) <= set(expected)


@SETTINGS
@given(requests(), st.integers(1, 4))
def test_pages_continue_the_same_ranking(req: SlotRequest, offset: int) -> None:
    whole = find_slots(SlotRequest(**{**_fields(req), "max_options": offset + req.max_options}))
    page = find_slots(SlotRequest(**{**_fields(req), "offset": offset}))
    assert page.slots == whole.slots[offset:]
    assert page.has_more == (
        len(find_slots(SlotRequest(**{**_fields(req), "max_options": 50})).slots)
        > offset + req.max_options
    )


def _fields(req: SlotRequest) -> dict[str, object]:
    return {name: getattr(req, name) for name in SlotRequest.__slots__}


@SETTINGS
@given(requests())
def test_suggested_ways_out_really_offer_more(req: SlotRequest) -> None:
    result = find_slots(req)
    if result.explanation is None:
        return
    every = {**_fields(req), "max_options": MAX_OPTIONS_LIMIT, "offset": 0}
    before = find_slots(SlotRequest(**every)).slots
    for way in result.explanation.suggestions:
        after = find_slots(SlotRequest(**{**every, **way.params})).slots
        saturated = len(before) == MAX_OPTIONS_LIMIT
        assert saturated or len(after) > len(before) or _good(after) > _good(before), way.code


def _good(slots: tuple[Slot, ...]) -> int:
    return sum(1 for s in slots if not PROBLEM_FLAGS.intersection(s.flags))
