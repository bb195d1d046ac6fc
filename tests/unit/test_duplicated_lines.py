"""Issue 11 item 2.8: no line said twice. The recap quotes each sentence once and each signal by
the words that carry it; the follow-up's takeaways and the pre-meeting brief are deduped by
content; a deal with history is not a first meeting. Built from the demo's Acme pilot call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from skills import briefs as sk
from skills.follow_up import FollowUpInput, draft_follow_up
from skills.signal_quotes import content_key, distinct, quote_signals

ROOT = Path(__file__).resolve().parents[2]
ACME = next(t for t in json.loads((ROOT / "storage/demo_data/transcripts.json").read_text())
            if t["key"] == "acme-pilot")  # fmt: skip
SAID = [text for _, text in ACME["utterances"]]
AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
BUDGET = "Budget is approved for this quarter, so that part isn't a blocker"


@dataclass(frozen=True)
class Signal:
    label: str
    utterance: int
    phrase: str


# what the intent rules find in the demo call today: two signals read from the budget sentence
FOUND = [
    Signal("signal:competitive", 11, "We also had a look at Gong last month, to be transparent"),
    Signal("signal:timeline", 13, BUDGET),
    Signal("signal:buying_positive", 13, BUDGET),
    Signal(
        "signal:multi_stakeholder",
        16,
        "Our CFO, Linda, will need to sign off on anything over fifty thousand",
    ),
]


def test_the_demo_call_says_the_budget_sentence_once() -> None:
    assert SAID[13].startswith(BUDGET)


def test_each_sentence_is_quoted_once_and_the_timeline_by_its_time_words() -> None:
    lines = quote_signals(FOUND, AT)
    quotes = [content_key(ln.quote) for ln in lines]
    assert len(quotes) == len(set(quotes)) == 4
    budget = next(ln for ln in lines if ln.quote == BUDGET)
    assert budget.labels == ["signal:buying_positive"]  # not passed off as the timeline
    timeline = next(ln for ln in lines if "signal:timeline" in ln.labels)
    assert timeline.quote == "this quarter"


def test_a_timeline_quotes_the_clause_that_carries_it() -> None:
    said = Signal("signal:timeline", 14, "But we need to be live before the end of Q1, because that's when the "
                                         "new territories start")  # fmt: skip
    [line] = quote_signals([said], AT)
    assert line.quote == "But we need to be live before the end of Q1"


def test_the_same_words_for_two_signals_are_one_line_with_both_labels() -> None:
    same = [
        Signal("signal:competitive", 3, "We're on HubSpot"),
        Signal("signal:buying_negative", 3, "We're on HubSpot"),
    ]
    [line] = quote_signals(same, AT)
    assert line.labels == ["signal:competitive", "signal:buying_negative"]


def test_distinct_drops_repeats_and_lines_inside_longer_ones() -> None:
    assert distinct(["A b c.", "a B c", "Budget is approved", BUDGET, "Other"]) == [
        "A b c.",
        BUDGET,
        "Other",
    ]


def test_what_i_took_away_repeats_no_line() -> None:
    draft = draft_follow_up(FollowUpInput(
        rep_name="Alex Rivera", prospect_names=["Sarah Chen"], company="Acme Corp", meeting_title="Acme pilot",
        meeting_date=date(2026, 12, 7), highlights=[BUDGET, BUDGET, "Budget is approved for this quarter"]))  # fmt: skip
    took = draft.body.split("What I took away:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert took == ["- Budget is approved for this quarter, so that part isn't a blocker"]


def brief(**kw: object) -> sk.PreMeetingBrief:
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    base: dict[str, object] = {
        "title": "Acme",
        "start": now + timedelta(hours=1),
        "timezone": "UTC",
        "now": now,
    }
    return sk.build_pre_meeting_brief(sk.PreMeetingInput(**{**base, **kw}))  # type: ignore[arg-type]


def test_the_brief_lists_each_commitment_once() -> None:
    last = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    kept = sk.CommitmentNote(
        "rep", "Send the security whitepaper", None, "done", last + timedelta(days=1)
    )
    owed = sk.CommitmentNote("prospect", "Loop in the security lead", None, "open")
    b = brief(last_meeting_at=last, commitments=[kept, kept, kept, owed, owed,
                                                 sk.CommitmentNote("prospect", "loop in the security lead.", None,
                                                                   "open")])  # fmt: skip
    assert b.changes == ["Kept: you — Send the security whitepaper"]
    assert b.open_items == ["They: Loop in the security lead"]


def test_a_deal_with_history_is_not_a_first_meeting() -> None:
    b = brief(deal_name="Globex — Expansion", stage="negotiation")
    assert b.since == "No earlier meeting with them on record (the deal is in Negotiation)"
    assert brief().since == "First meeting with these people"
