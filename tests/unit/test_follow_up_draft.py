"""The offline follow-up draft restates what was said and who owes what by when."""

from __future__ import annotations

from datetime import date

from skills.follow_up import FollowUpInput, Step, draft_follow_up

MEETING = date(2026, 11, 18)  # a Wednesday


def test_draft_names_people_steps_and_dates() -> None:
    draft = draft_follow_up(
        FollowUpInput(
            rep_name="Alex Rivera",
            prospect_names=["Sarah Chen", "Tom Becker"],
            company="Acme Corp",
            meeting_title="Acme pilot",
            meeting_date=MEETING,
            highlights=[
                "Budget is approved for this quarter",
                "But you need to be live before the end of Q1.",
            ],
            steps=[
                Step(
                    "I'll send you a proposal with the pilot pricing by Friday.",
                    "rep",
                    date(2026, 11, 20),
                ),
                Step("I'll loop in our security lead", "prospect", None),
            ],
            next_meeting="on Tuesday morning",
            signature="Alex Rivera\nAccount Executive",
        )
    )
    assert draft.subject == "Following up: Acme Corp and Sixty"
    assert draft.body.startswith("Hi Sarah and Tom,")
    assert "Budget is approved for this quarter" in draft.body
    assert "- You need to be live before the end of Q1\n" in draft.body
    assert "- I'll send over a proposal with the pilot pricing by Friday" in draft.body
    assert "- You'll loop in your security lead" in draft.body
    assert "on Tuesday morning" in draft.body
    assert draft.body.rstrip().endswith("Account Executive")


def test_minimal_input_still_reads_well() -> None:
    draft = draft_follow_up(
        FollowUpInput(
            rep_name="Sam Patel",
            prospect_names=[],
            company=None,
            meeting_title="",
            meeting_date=MEETING,
        )
    )
    assert draft.body.startswith("Hi,")
    assert "Next steps" not in draft.body
    assert draft.body.rstrip().endswith("Sam")
    assert draft.subject == "Following up on our call"


def test_thanks_names_the_meetings_own_day() -> None:
    """Issue 11, 2.10: "Thanks for the time on Sunday" when the meeting was not on Sunday."""
    from datetime import timedelta

    def thanks(**kw: object) -> str:
        data = FollowUpInput(
            rep_name="Sam",
            prospect_names=[],
            company=None,
            meeting_title="",
            meeting_date=MEETING,
            **kw,
        )  # type: ignore[arg-type]
        return draft_follow_up(data).body.split("\n")[2]

    assert thanks(written_on=MEETING) == "Thanks for the time today, it was a useful conversation."
    assert thanks(written_on=MEETING + timedelta(days=1)).startswith(
        "Thanks for the time yesterday"
    )
    assert thanks(written_on=MEETING + timedelta(days=4)).startswith(
        "Thanks for the time on Wednesday,"
    )
    assert thanks(written_on=MEETING + timedelta(days=12)).startswith(
        "Thanks for the time on Wednesday 18 November,"
    )
    assert thanks(written_on=MEETING + timedelta(days=4), meeting_date_known=False).startswith(
        "Thanks for the time earlier,"
    )
    assert "Sunday" not in thanks(written_on=MEETING + timedelta(days=4))  # drafted on a Sunday
