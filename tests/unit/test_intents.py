"""The offline intent detector on utterances written for these tests (not the dev set)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.intents import MIN_CONFIDENCE, Intent, detect_candidates, detect_intents, speaker_roles
from skills.transcript_types import parse_transcript

REP = {"name": "Alex Rivera", "email": "alex@sixty.example"}
PROSPECT = {"name": "Pat Doe", "email": "pat.doe@customer.example"}


def transcript(turns: list[tuple[str, str]], **extra: Any) -> Any:
    speakers = {"R": "Alex Rivera", "P": "Pat Doe"}
    return parse_transcript(
        {
            "meeting_id": "m-test",
            "title": "test call",
            "started_at": "2026-11-18T15:00:00Z",  # a Wednesday
            "rep": REP,
            "attendees": [PROSPECT],
            "utterances": [
                {"speaker": speakers.get(who, who), "start": i, "end": i + 1, "text": text}
                for i, (who, text) in enumerate(turns)
            ],
            **extra,
        }
    )


def labels_at(turns: list[tuple[str, str]], index: int = 0) -> set[str]:
    return {it.label for it in detect_intents(transcript(turns)) if it.utterance == index}


POSITIVE = [
    ("signal:timeline", [("P", "Our procurement process usually takes about three weeks.")]),
    ("commitment:schedule_meeting", [("R", "Let's pencil in Thursday for the walkthrough.")]),
    ("commitment:send_proposal", [("R", "I can put together a ramp plan and a quote for you.")]),
    ("request:send_content", [("P", "And send me a customer story from a team our size, please.")]),
    ("request:send_content", [("P", "Our CISO still wants a pen test report.")]),
    ("signal:buying_negative", [("P", "It came in higher than we expected.")]),
    (
        "signal:buying_negative",
        [("P", "It's competing with three other projects for the same budget.")],
    ),
    ("signal:buying_positive", [("P", "We're fine with the pricing you proposed.")]),
    ("signal:competitive", [("P", "Also, Gong came back with a counter-offer.")]),
    ("commitment:send_proposal", [("R", "I'll shoot over a proposal tonight.")]),
    ("commitment:schedule_meeting", [("R", "I'll send over my Calendly link.")]),
    ("request:send_content", [("P", "Any chance you could send the deck?")]),
    ("signal:multi_stakeholder", [("P", "Our COO is the economic buyer.")]),
    ("signal:competitive", [("P", "We already have a tool for that, Chorus.")]),
    ("signal:buying_positive", [("P", "We're keen to get this over the line.")]),
    ("signal:buying_negative", [("P", "We're pausing all new purchases.")]),
    ("signal:timeline", [("P", "Q1 is when we want to start.")]),
    ("commitment:prospect_followup", [("P", "I'll get those numbers to you tomorrow.")]),
    ("commitment:send_proposal", [("R", "I'll have the contract over to you tomorrow.")]),
    ("signal:multi_stakeholder", [("P", "IT will have to sign off on the integration.")]),
    ("commitment:schedule_meeting", [("R", "Can we schedule a follow-up for next Thursday?")]),
    (
        "commitment:send_proposal",
        [("R", "I'll get a formal proposal over to you by end of the week.")],
    ),
    ("commitment:send_proposal", [("R", "Let me put together some numbers and a quote for you.")]),
    (
        "commitment:send_proposal",
        [("R", "We'll send over the contract and the order form on Monday.")],
    ),
    ("commitment:send_proposal", [("R", "I'm going to draft a statement of work for the pilot.")]),
    ("commitment:send_proposal", [("R", "Expect a revised proposal from me tomorrow.")]),
    (
        "commitment:send_proposal",
        [("R", "Okay, so next step on my side is to get you a proposal.")],
    ),
    (
        "commitment:send_proposal",
        [("R", "Want me to send you a quote for fifty seats?"), ("P", "Yes please.")],
    ),
    (
        "commitment:send_proposal",
        [("R", "I can have a proposal to you by Thursday."), ("P", "That works.")],
    ),
    (
        "commitment:schedule_meeting",
        [("R", "I'll send you a calendar invite for Thursday at two.")],
    ),
    (
        "commitment:schedule_meeting",
        [("R", "Let's set up a follow-up call with your CFO next week.")],
    ),
    ("commitment:schedule_meeting", [("R", "I'll get a session booked with your data team.")]),
    (
        "commitment:schedule_meeting",
        [("R", "Let me get something on the calendar for the two of us.")],
    ),
    (
        "commitment:schedule_meeting",
        [("R", "How about we schedule a deep dive on the API for Monday?"), ("P", "Sounds good.")],
    ),
    (
        "commitment:schedule_meeting",
        [("P", "Can we set up a call with our security team next week?"), ("R", "Absolutely.")],
    ),
    ("request:send_content", [("P", "Could you share the case study you mentioned?")]),
    ("request:send_content", [("P", "Would you send over your security documentation?")]),
    ("request:send_content", [("P", "I'd love to see a sample report.")]),
    ("request:send_content", [("P", "If you could send over the slides that would be great.")]),
    (
        "signal:multi_stakeholder",
        [("P", "Our CFO will have to approve anything over fifty thousand.")],
    ),
    ("signal:multi_stakeholder", [("P", "I need to run this by my manager before we sign.")]),
    (
        "signal:multi_stakeholder",
        [("P", "Honestly it's not my decision, it goes to the leadership team.")],
    ),
    ("signal:multi_stakeholder", [("P", "Anything we buy has to be signed off by our CFO.")]),
    ("signal:multi_stakeholder", [("P", "My boss will want to see the numbers before we commit.")]),
    ("signal:competitive", [("P", "We're evaluating Gong and Chorus as well.")]),
    ("signal:competitive", [("P", "We're talking to a couple of other vendors too.")]),
    ("signal:competitive", [("P", "We're currently on Chorus and the contract is up in May.")]),
    ("signal:competitive", [("P", "Salesloft quoted us about half your price.")]),
    ("signal:buying_positive", [("P", "The budget has already been allocated for this.")]),
    ("signal:buying_positive", [("P", "Good news, the CFO gave us the green light.")]),
    ("signal:buying_positive", [("P", "We're ready to move forward with the annual plan.")]),
    ("signal:buying_negative", [("P", "Our budget got cut by thirty percent.")]),
    ("signal:buying_negative", [("P", "We just don't have budget for a new tool this year.")]),
    ("signal:buying_negative", [("P", "Your pricing is a bit steep for a team our size.")]),
    ("signal:buying_negative", [("P", "There's a spending freeze until the new year.")]),
    ("signal:timeline", [("P", "We need a decision by the end of the quarter.")]),
    ("signal:timeline", [("P", "Our renewal with the current vendor comes up in February.")]),
    ("signal:timeline", [("P", "Ideally we'd have everyone onboarded within six weeks.")]),
    ("signal:timeline", [("P", "We want to roll this out in Q2.")]),
    (
        "commitment:prospect_followup",
        [("P", "I'll check with the team and get back to you on Monday.")],
    ),
    ("commitment:prospect_followup", [("P", "We'll get you the signed order form by Friday.")]),
    (
        "commitment:prospect_followup",
        [("P", "Let me check internally and I'll confirm by tomorrow.")],
    ),
]

NEGATIVE = [
    [("R", "I'll line up a reference by Friday.")],
    [("P", "If you can show that, the money is there.")],
    [("P", "We need a roadmap for our own rollout.")],
    [("R", "I need the SOC 2 report from our security team.")],
    [("R", "We'll get the contract signed next week.")],
    [("R", "I'll update the pricing page on our website.")],
    [("R", "Let me have a look at the contract.")],
    [("R", "Let me share my screen and walk you through pricing.")],
    [("R", "Let me get that pricing question answered.")],
    [("R", "I'll join the call a few minutes late.")],
    [("P", "It will have to be approved eventually, I guess it's fine.")],
    [("R", "Would it help if I joined your team meeting?"), ("P", "She's pretty busy these days.")],
    # past tense, reported speech, generic statements
    [("R", "I sent the proposal over last week, did it arrive?")],
    [("R", "The quote we sent you in March is still valid.")],
    [("R", "He said he'd send a proposal but never did.")],
    [("R", "We had a great call last week with your team.")],
    [("P", "We launched our new website last year.")],
    # offers and questions that were declined
    [
        ("R", "Should I send over a proposal?"),
        ("P", "No, not yet, we're still figuring out scope."),
    ],
    [
        ("R", "I could send you a proposal, but it might be premature."),
        ("P", "Yeah, let's hold off."),
    ],
    [("R", "Should we schedule a follow-up?"), ("P", "I don't think that's needed yet.")],
    [("R", "How about we schedule a deep dive on Monday?"), ("P", "Let's not, we're swamped.")],
    # hypotheticals and negation
    [("R", "If the pilot goes well, I'll send a proposal for the full rollout.")],
    [("R", "I won't send the contract until legal has looked at it.")],
    [("P", "Once the budget is approved we can talk.")],
    [("P", "If things go well maybe we'd look again next year.")],
    [("P", "Budget is not the problem here.")],
    [("P", "Price isn't really a concern for us.")],
    [("P", "The budget hasn't been approved yet.")],
    [("P", "I'm the one who makes the call here, nobody else needs to approve it.")],
    [("P", "We're not looking at anyone else right now.")],
    # the wrong side saying it
    [("R", "How do we compare to Gong in your view?")],
    [("R", "Is budget tight this year?")],
    [("R", "Can you send me the org chart?")],
    [("R", "I'll get back to you on the pricing question.")],
    # past vendors, common words, small talk
    [("P", "We tried Gong a couple of years ago and it didn't stick.")],
    [("P", "That got a lot of attention internally.")],
    [("P", "My manager is on vacation this week.")],
    [("P", "I was on holiday in March.")],
    [("P", "I'll think about it.")],
    [("P", "I read the case study you sent, it was great.")],
    [("R", "I'll find time to read through your notes tonight.")],
    [("P", "We have a board meeting next Thursday.")],
    [("P", "Last year our budget was approved in February.")],
    [("P", "We need to get budget approved first.")],
    [("P", "Sure, I can send you a photo of the whiteboard.")],
    [("R", "We could do a call sometime."), ("P", "Hmm, let me think about it.")],
    [("R", "Does Thursday work?"), ("P", "Not really, I'm out all week.")],
    [("P", "I have the final say here.")],
    [("R", "Let me know if you have any questions about the proposal.")],
    [("P", "We're in no particular hurry.")],
    [("R", "What's your timeline for making a decision?")],
    [("P", "We'll sign up for the newsletter.")],
]


@pytest.mark.parametrize(("label", "turns"), POSITIVE)
def test_detects_label(label: str, turns: list[tuple[str, str]]) -> None:
    assert label in labels_at(turns)


@pytest.mark.parametrize("turns", NEGATIVE)
def test_nothing_detected(turns: list[tuple[str, str]]) -> None:
    assert labels_at(turns) == set()


def test_prospect_promise_is_not_a_rep_commitment() -> None:
    got = detect_intents(transcript([("P", "I'll need to loop in our CFO and get back to you.")]))
    labels = {it.label for it in got}
    assert "signal:multi_stakeholder" in labels
    assert "commitment:prospect_followup" in labels
    assert not labels & {"commitment:send_proposal", "commitment:schedule_meeting"}
    assert {it.speaker for it in got} == {"prospect"}


def test_accepted_content_offer_is_a_request_on_the_reply() -> None:
    turns = [
        ("R", "I can send you a case study from a similar company."),
        ("P", "Yes please, that would be helpful."),
    ]
    assert "request:send_content" in labels_at(turns, 1)
    declined = [turns[0], ("P", "No need, I've seen enough.")]
    assert labels_at(declined, 1) == set()


def test_phrase_is_an_exact_span_and_fields_follow_the_contract() -> None:
    text = "Great to hear. I\u2019ll send you a proposal with the pilot pricing by Friday."
    (intent,) = detect_intents(transcript([("R", text)]))
    assert intent.phrase in text
    assert intent.phrase.startswith("I\u2019ll send")
    assert intent.speaker == "rep"
    assert intent.event == "proposal_generation"
    assert intent.deadline is not None and intent.deadline.isoformat() == "2026-11-20"
    out = intent.to_json()
    assert set(out) == {
        "label",
        "utterance",
        "speaker",
        "phrase",
        "confidence",
        "event",
        "deadline",
    }


def test_confidence_reflects_the_evidence() -> None:
    firm = detect_candidates(transcript([("R", "I'll send you the proposal tomorrow.")]))
    hedged = detect_candidates(
        transcript([("R", "Maybe I could send you a proposal at some point.")])
    )
    unanswered = detect_candidates(transcript([("R", "Should I send you a proposal?")]))
    assert firm and firm[0].confidence >= 0.9
    assert all(c.confidence < firm[0].confidence for c in hedged + unanswered)
    assert all(c.confidence < MIN_CONFIDENCE for c in unanswered)


def test_unknown_speaker_weakens_but_role_field_decides() -> None:
    turns = [("Speaker 3", "I'll send you a proposal tomorrow.")]
    unsure = detect_candidates(transcript(turns))
    sure = detect_candidates(
        parse_transcript(
            {
                "meeting_id": "m",
                "started_at": "2026-11-18T15:00:00+01:00",
                "rep": REP,
                "attendees": [PROSPECT],
                "utterances": [
                    {
                        "speaker": "Speaker 3",
                        "start": 0,
                        "end": 1,
                        "role": "rep",
                        "text": "I'll send you a proposal tomorrow.",
                    }
                ],
            }
        )
    )
    assert unsure[0].confidence < sure[0].confidence
    assert sure[0].speaker == "rep"


def test_output_is_sorted_and_deterministic() -> None:
    turns = [
        ("P", "We're also evaluating Clari."),
        ("P", "Budget is tight this year."),
        ("R", "I'll send a quote by Friday and set up a call with your CFO next week."),
        ("P", "Our CFO will need to sign off."),
    ]
    first: list[Intent] = detect_intents(transcript(turns))
    second = detect_intents(transcript(turns))
    assert first == second
    assert [i.utterance for i in first] == sorted(i.utterance for i in first)
    assert {i.label for i in first if i.utterance == 2} == {
        "commitment:send_proposal",
        "commitment:schedule_meeting",
    }


def test_same_signal_in_consecutive_turns_is_reported_once() -> None:
    turns = [
        ("P", "I'm not the decision maker here."),
        ("P", "I'll need to loop in my boss before anything moves."),
    ]
    got = [i for i in detect_intents(transcript(turns)) if i.label == "signal:multi_stakeholder"]
    assert len(got) == 1


def test_disfluent_phrase_is_still_an_exact_raw_span() -> None:
    text = "Okay. um I'll I'll uh send you the, the proposal by Friday."
    (intent,) = detect_intents(transcript([("R", text)]))
    assert intent.phrase == "I'll uh send you the, the proposal by Friday"
    assert intent.phrase in text


def test_colleagues_speak_for_the_rep_side_but_one_shared_domain_means_nothing() -> None:
    def roles(attendees: list[dict[str, str]]) -> list[str | None]:
        t = parse_transcript(
            {
                "meeting_id": "m",
                "started_at": "2026-11-18T15:00:00Z",
                "rep": {"name": "Project Lead", "email": "lead@corp.example"},
                "attendees": attendees,
                "utterances": [
                    {"speaker": a["name"], "start": 0, "end": 1, "text": "hi"} for a in attendees
                ],
            }
        )
        return [r.role for r in speaker_roles(t)]

    mixed = [
        {"name": "Jordan Blake", "email": "jordan@corp.example"},
        {"name": "Sarah Chen", "email": "sarah@acme.example"},
    ]
    assert roles(mixed) == ["internal", "prospect"]
    same = [{"name": "Designer", "email": "designer@corp.example"}]
    assert roles(same) == ["prospect"]


def test_content_named_in_answer_to_what_do_you_need() -> None:
    turns = [
        ("R", "Great. Anything else you need from me?"),
        ("P", "A copy of your insurance certificate, for our vendor onboarding."),
    ]
    assert labels_at(turns, 1) == {"request:send_content"}
    assert labels_at([turns[0], ("P", "No, nothing else for now.")], 1) == set()


def test_will_do_to_a_rep_request_is_the_prospects_promise() -> None:
    turns = [("R", "Could you send me the list of users?"), ("P", "Sure, will do by Friday.")]
    (intent,) = detect_intents(transcript(turns))
    assert (intent.utterance, intent.label, intent.speaker) == (
        1,
        "commitment:prospect_followup",
        "prospect",
    )
    assert intent.deadline is not None and intent.deadline.isoformat() == "2026-11-20"
    unsure = [turns[0], ("P", "Not sure, the numbers keep changing.")]
    assert detect_intents(transcript(unsure)) == []


WORDS = [
    "I'll",
    "send",
    "you",
    "a",
    "proposal",
    "by",
    "Friday",
    "um",
    "uh",
    "the",
    "the,",
    "budget",
    "is",
    "tight",
    "our",
    "CFO",
    "will",
    "sign",
    "off",
    "?",
    ".",
    "Gong",
    "let's",
    "book",
    "call",
    "not",
    "if",
    "IT",
    "\u2019",
    "",
    "\n",
    "é",
    "Q1",
    "get",
    "back",
    "to",
    "deck",
    "can",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["R", "P", "Speaker 3", "Speaker 1 & 2"]),
            st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join) | st.text(max_size=40),
        ),
        max_size=6,
    )
)
def test_any_transcript_gives_well_formed_intents(turns: list[tuple[str, str]]) -> None:
    t = transcript(turns)
    intents = detect_intents(t)
    assert [i.utterance for i in intents] == sorted(i.utterance for i in intents)
    for it in intents:
        assert it.phrase and it.phrase in t.utterances[it.utterance].text
        assert MIN_CONFIDENCE <= it.confidence <= 1.0
        assert it.speaker in ("rep", "prospect")


@pytest.mark.parametrize(
    ("question", "reply", "label"),
    [
        ("Would your CFO need to sign off on this?", "Yes, she would.", "signal:multi_stakeholder"),
        ("Are you looking at other vendors as well?", "Yeah, a couple.", "signal:competitive"),
        ("When do you need to be live?", "End of March at the latest.", "signal:timeline"),
        ("Is budget approved for this?", "Yes, it is.", "signal:buying_positive"),
    ],
)
def test_rep_question_confirmed_by_the_prospect(question: str, reply: str, label: str) -> None:
    assert labels_at([("R", question), ("P", reply)], 1) == {label}
    assert labels_at([("R", question), ("P", "No, not really.")], 1) == set()


def test_naming_the_decider_when_asked() -> None:
    question = ("R", "Who makes the call on which project wins?")
    assert labels_at([question, ("P", "Our VP of Operations.")], 1) == {"signal:multi_stakeholder"}
    assert labels_at([question, ("P", "Just me, honestly.")], 1) == set()


def test_label_gates_only_save_time() -> None:
    every_turn = [turn for _, turns in POSITIVE for turn in turns] + [
        turn for turns in NEGATIVE for turn in turns
    ]
    t = transcript(every_turn)
    assert detect_candidates(t) == detect_candidates(t, use_gates=False)


def test_promise_about_it_after_an_accepted_offer_is_the_commitment() -> None:
    turns = [
        ("R", "Would it help if I put together a short proposal for the three of you?"),
        ("P", "Definitely, that would make my life easier."),
        ("R", "Great, you'll have it by Monday."),
    ]
    got = [i for i in detect_intents(transcript(turns)) if i.label == "commitment:send_proposal"]
    # one commitment, on the rep's promise (the material is promised there), with its date
    assert [(i.utterance, str(i.deadline)) for i in got] == [(2, "2026-11-23")]
    declined = [
        turns[0],
        ("P", "Not yet, thanks."),
        ("R", "Okay, you'll have it when you need it."),
    ]
    assert detect_intents(transcript(declined)) == []


def test_current_tools_named_when_asked_are_competition() -> None:
    question = ("R", "What tools are you using today?")
    assert labels_at([question, ("P", "HubSpot for CRM and Apollo for prospecting.")], 1) == {
        "signal:competitive"
    }
    assert (
        labels_at([question, ("P", "Spreadsheets. We trialled Gong but dropped it.")], 1) == set()
    )


def test_planned_timeline_with_a_condition_but_not_a_hypothetical() -> None:
    assert labels_at([("P", "If everything checks out, we'd start the pilot in January.")]) == {
        "signal:timeline"
    }
    assert labels_at([("P", "If budget gets approved next year we might revisit it.")]) == set()


def test_promise_about_pricing_the_prospect_is_still_waiting_for() -> None:
    turns = [
        ("P", "Dana told me you'd send pricing last week, but I never got it."),
        ("R", "Apologies, that's on me. I'll send it right after this call."),
    ]
    assert labels_at(turns, 1) == {"commitment:send_proposal"}
    assert labels_at(turns, 0) == set()


@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        (
            [("P", "I'll be honest, we've decided to hold off for now.")],
            0,
            {"signal:buying_negative"},
        ),
        (
            [
                ("R", "Would it help if I checked in next quarter?"),
                ("P", "Yes, let's reconnect in March."),
            ],
            1,
            {"commitment:schedule_meeting"},
        ),
        (
            [("R", "I'll coordinate with our engineer and send a few slots.")],
            0,
            {"commitment:schedule_meeting"},
        ),
        ([("P", "Anything left before we can get the paperwork going?")], 0, set()),
        ([("P", "I'll circle back to you early next week.")], 0, {"commitment:prospect_followup"}),
        ([("R", "I'll check back in a few weeks then.")], 0, set()),
    ],
)
def test_more_phrasings(turns: list[tuple[str, str]], index: int, labels: set[str]) -> None:
    assert labels_at(turns, index) == labels


@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        (
            [("P", "The question is cost, we only have about ten thousand left this year.")],
            0,
            {"signal:buying_negative"},
        ),
        (
            [("P", "That could work. Can you send me what that would look like?")],
            0,
            {"request:send_content"},
        ),
        (
            [
                ("R", "What's the goal?"),
                ("P", "One platform by the start of our fiscal year in July."),
            ],
            1,
            {"signal:timeline"},
        ),
    ],
)
def test_elliptical_and_indirect_phrasings(
    turns: list[tuple[str, str]], index: int, labels: set[str]
) -> None:
    assert labels_at(turns, index) == labels


@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        (
            [("P", "Procurement needs three quotes before anything gets approved.")],
            0,
            {"signal:multi_stakeholder", "signal:competitive"},
        ),
        (
            [("P", "We're aiming to have a vendor picked by the fifteenth of January.")],
            0,
            {"signal:timeline"},
        ),
        (
            [
                ("R", "Anything I can send to help you make the case internally?"),
                ("P", "An ROI summary would be really useful."),
            ],
            1,
            {"request:send_content"},
        ),
        (
            [("P", "They think three engineers for a quarter is cheaper than your annual fee.")],
            0,
            {"signal:buying_negative"},
        ),
    ],
)
def test_fresh_phrasings(turns: list[tuple[str, str]], index: int, labels: set[str]) -> None:
    assert labels_at(turns, index) == labels


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Send it to Raj as well, he signs the contracts.", "signal:multi_stakeholder"),
        ("We got less than we asked for, so we'll have to prioritise.", "signal:buying_negative"),
        ("Top three, but Clari is also pitching us a bundle deal.", "signal:competitive"),
    ],
)
def test_last_round_phrasings(text: str, label: str) -> None:
    assert labels_at([("P", text)]) == {label}


@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        (
            [
                ("R", "Are you evaluating anyone else?"),
                ("P", "We had a call with Aviso, but it's early."),
            ],
            1,
            {"signal:competitive"},
        ),
        (
            [("P", "Please copy my manager, Omar, he'll have the final call.")],
            0,
            {"signal:multi_stakeholder"},
        ),
        (
            [("P", "We're freezing new software purchases until we rehire.")],
            0,
            {"signal:buying_negative"},
        ),
        (
            [("R", "When do you expect to revisit?"), ("P", "Probably March, once we've rehired.")],
            1,
            {"signal:timeline"},
        ),
        ([("P", "I'll ping you if anything changes before then.")], 0, set()),
        ([("R", "I'll send you a proposal if that helps.")], 0, {"commitment:send_proposal"}),
    ],
)
def test_final_round_phrasings(turns: list[tuple[str, str]], index: int, labels: set[str]) -> None:
    assert labels_at(turns, index) == labels


# Behaviours added for fresh calls: ASR text, price/appetite complaints, unknown vendors,
# gatekeepers said by negation, money set aside, decision dates.
@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        # ASR: no apostrophes, filler commas, no punctuation
        (
            [("R", "ok ill get the revised quote over to you tomorrow")],
            0,
            {"commitment:send_proposal"},
        ),
        (
            [("R", "so lets put an hour on the calendar for next week")],
            0,
            {"commitment:schedule_meeting"},
        ),
        ([("R", "The app lets you book a demo from the website.")], 0, set()),
        ([("P", "I'm ill today, so I'll be slow.")], 0, set()),
        (
            [("P", "Right, I'll, um, email you on Monday with an answer.")],
            0,
            {"commitment:prospect_followup"},
        ),
        ([("P", "we dont have the budget approved yet")], 0, set()),
        # requests: pronoun after the rep names a document, informal verbs, plurals
        (
            [
                ("R", "We've got a short explainer video on the mobile app."),
                ("P", "Could you, uh, send it across?"),
            ],
            1,
            {"request:send_content"},
        ),
        ([("P", "Could you send it across?")], 0, set()),
        ([("P", "Can you flick me the training recordings?")], 0, {"request:send_content"}),
        # buying_negative by meaning
        (
            [("P", "Honestly the monthly fee feels a touch steep for a team our size.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "I don't think the monthly fee is too steep.")], 0, set()),
        (
            [("P", "The money we'd set aside for tooling has been clawed back.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "If the money we'd set aside gets clawed back, we'll tell you.")], 0, set()),
        (
            [("P", "No one has the headspace for a new platform this quarter.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "Frankly this contract is on thin ice.")], 0, {"signal:buying_negative"}),
        ([("P", "This contract is not at risk at all.")], 0, set()),
        # competitive: a product we don't know by name
        (
            [("P", "We're also speaking with Tallyho about the same thing.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "We're also speaking with Priya about the budget.")], 0, set()),
        ([("P", "We piloted Tallyho years ago, it didn't stick.")], 0, set()),
        ([("P", "i think were looking at outreach as well")], 0, {"signal:competitive"}),
        # multi_stakeholder
        ([("P", "Nothing gets past our COO without a business case.")], 0, set()),
        (
            [("P", "We can't get anything through procurement without three quotes.")],
            0,
            {"signal:multi_stakeholder"},
        ),
        (
            [("P", "I'll check with our finance team and let you know the PO number.")],
            0,
            {"commitment:prospect_followup"},
        ),
        ([("P", "The dean will have to sign it.")], 0, {"signal:multi_stakeholder"}),
        # buying_positive
        (
            [("P", "We've earmarked money for this in the new budget.")],
            0,
            {"signal:buying_positive"},
        ),
        ([("P", "We haven't earmarked money for this.")], 0, set()),
        ([("P", "It's comfortably under my spending limit.")], 0, {"signal:buying_positive"}),
        # timeline
        (
            [("P", "The decision will be made at our planning meeting in November.")],
            0,
            {"signal:timeline"},
        ),
        ([("P", "The decision was made in November.")], 0, set()),
        # schedule_meeting: "fix" books a call, never mends something
        ([("R", "Let's fix the integration first.")], 0, set()),
        (
            [("R", "I'd like to get our implementation lead on with you next Tuesday.")],
            0,
            {"commitment:schedule_meeting"},
        ),
    ],
)
def test_fresh_call_behaviours(turns: list[tuple[str, str]], index: int, labels: set[str]) -> None:
    assert labels_at(turns, index) == labels


@pytest.mark.parametrize(
    ("turns", "index", "labels"),
    [
        # competitive: alternatives said many ways, and their counter-cases
        (
            [("R", "Who else are you talking to?"), ("P", "Chorus. They demoed on Friday.")],
            1,
            {"signal:competitive"},
        ),
        (
            [("R", "Who else are you talking to?"), ("P", "Nobody, honestly.")],
            1,
            set(),
        ),
        (
            [("P", "We still have an incumbent, Brightline, until the summer.")],
            0,
            {"signal:competitive"},
        ),
        (
            [("P", "The vendor we're also weighing up is Lumina's thing, Copilot.")],
            0,
            {"signal:competitive"},
        ),
        (
            [("P", "Honestly the main one you're up against is the spreadsheet.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "Procurement wants a bake-off with two vendors.")], 0, {"signal:competitive"}),
        (
            [("P", "Our devs reckon they could build something in-house.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "We're not running an RFP for this.")], 0, set()),
        (
            [("P", "Finance keeps nudging us to switch to Zentro's starter plan instead.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "We're moving to a new office instead.")], 0, set()),
        ([("P", "were also getting a demo from quorra too")], 0, {"signal:competitive"}),
        ([("P", "were also getting a demo from them next week")], 0, set()),
        # buying_negative: cost and priority objections, with counter-cases
        (
            [("P", "Head office has slashed our marketing budget for next year.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "Your tool would help us cut our travel spend.")], 0, set()),
        ([("R", "Budget?"), ("P", "Nothing set aside so far.")], 1, {"signal:buying_negative"}),
        (
            [("P", "Honestly that's more than we had in mind for year one.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "Our CFO winced when she saw the total.")], 0, {"signal:buying_negative"}),
        ([("P", "The rollout got de-prioritised after the reorg.")], 0, {"signal:buying_negative"}),
        (
            [("P", "It's not exactly top of the list for leadership right now.")],
            0,
            {"signal:buying_negative"},
        ),
        (
            [("P", "I can't see this getting through finance before summer.")],
            0,
            {"signal:buying_negative"},
        ),
        ([("P", "This is top of the list for us this quarter.")], 0, set()),
        ([("P", "It'll save us real money on contractors.")], 0, set()),
        # send_content: imperatives, "that" pointing at content named just before
        (
            [("P", "You mentioned a security whitepaper? Could you send that over?")],
            0,
            {"request:send_content"},
        ),
        ([("P", "Send the onboarding guide before Friday, please.")], 0, {"request:send_content"}),
        ([("P", "I'll send the deck to my team myself.")], 0, set()),
        ([("P", "Could you send that over?")], 0, set()),
        (
            [
                ("R", "Anything I should prep for the exec meeting?"),
                ("P", "Your ROI summary, ideally."),
            ],
            1,
            {"request:send_content"},
        ),
        # timeline: bare timing questions, passive deadlines, decision stages, unpunctuated ifs
        (
            [("R", "Timeline?"), ("P", "Ideally before our partner kickoff.")],
            1,
            {"signal:timeline"},
        ),
        (
            [("P", "The signed order has to be back with us before the fifteenth of March.")],
            0,
            {"signal:timeline"},
        ),
        ([("P", "Headcount gets finalised in February, then we'll know.")], 0, {"signal:timeline"}),
        ([("P", "I have to pick my kids up before five.")], 0, set()),
        ([("P", "and if we go ahead its gotta be live before june")], 0, {"signal:timeline"}),
        ([("P", "If the pilot goes well we might roll it out in March.")], 0, set()),
        # buying_positive: already budgeted, ahead of the field, the speaker will sign
        (
            [("P", "The licence cost is already accounted for in this year's budget.")],
            0,
            {"signal:buying_positive"},
        ),
        ([("P", "The licence cost isn't budgeted yet.")], 0, set()),
        ([("P", "Between us, you're well ahead of the others.")], 0, {"signal:buying_positive"}),
        # a sequence is no hypothetical: the promise stands
        (
            [
                (
                    "P",
                    "ok once the contract lands ill get it countersigned and back to you by friday",
                )
            ],
            0,
            {"signal:buying_positive", "commitment:prospect_followup"},
        ),
        ([("P", "If legal clears it, I'll get it signed.")], 0, set()),
        (
            [("P", "I'm boarding now, I'll call you tomorrow about the seats.")],
            0,
            {"commitment:prospect_followup"},
        ),
        # schedule_meeting: noun-phrase proposals and durations, decided by the reply
        (
            [
                ("R", "So next step, a technical deep dive with your architects?"),
                ("P", "Yes, set it up."),
            ],
            0,
            {"commitment:schedule_meeting"},
        ),
        (
            [
                ("R", "So next step, a technical deep dive with your architects?"),
                ("P", "No, not yet."),
            ],
            0,
            set(),
        ),
        (
            [
                ("R", "Shall I hold thirty minutes for the third of March?"),
                ("P", "Sure, go ahead."),
            ],
            0,
            {"commitment:schedule_meeting"},
        ),
        # more ways to say it, and the everyday sentences that look alike
        (
            [("P", "Procurement has us doing a side-by-side with Salesloft.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "There's a shortlist of three and you're on it.")], 0, {"signal:competitive"}),
        ([("P", "We shortlisted restaurants for the team dinner.")], 0, set()),
        (
            [("P", "Our phone vendor is offering something similar for free.")],
            0,
            {"signal:competitive"},
        ),
        ([("P", "You're up against a tough crowd at this conference.")], 0, set()),
        ([("P", "We're comparing you against a couple of others.")], 0, {"signal:competitive"}),
        ([("P", "There's no budget for this until next year.")], 0, {"signal:buying_negative"}),
        ([("P", "It's double what we pay today.")], 0, {"signal:buying_negative"}),
        ([("P", "It's just not high on the list this year.")], 0, {"signal:buying_negative"}),
        ([("P", "It's a big ask for a team our size.")], 0, {"signal:buying_negative"}),
        ([("P", "My daughter has to hand in her thesis before March.")], 0, set()),
        # multi_stakeholder: disclaimers, partners, and reviews that are not approvals
        (
            [("P", "Anything over ten grand needs the CFO's signature.")],
            0,
            {"signal:multi_stakeholder"},
        ),
        ([("P", "We're not comparing you against anyone.")], 0, set()),
        (
            [("P", "To be clear, the call isn't mine, it sits with our COO.")],
            0,
            {"signal:multi_stakeholder"},
        ),
        ([("P", "I can't sign this off on my own.")], 0, {"signal:multi_stakeholder"}),
        ([("P", "My co-founder has to be on board as well.")], 0, {"signal:multi_stakeholder"}),
        ([("P", "Can we go through the security questionnaire first?")], 0, set()),
        (
            [("P", "Anything like this has to go through our procurement team.")],
            0,
            {"signal:multi_stakeholder"},
        ),
        ([("P", "My partner wants to see the new Bond film tonight.")], 0, set()),
        (
            [
                ("P", "Anything over fifty grand goes to the board for approval."),
                ("R", "What will they look for?"),
                ("P", "They'll want to see a payback model."),
            ],
            2,
            set(),
        ),
    ],
)
def test_round_b_behaviours(turns: list[tuple[str, str]], index: int, labels: set[str]) -> None:
    assert labels_at(turns, index) == labels


def test_two_different_promises_are_two_followups() -> None:
    different = [
        ("P", "I'll check with the ops director and get back to you by the end of the month."),
        ("R", "Great."),
        ("P", "Oh, and I'll email you the user list tomorrow."),
    ]
    got = [i.utterance for i in detect_intents(transcript(different))]
    assert got.count(0) == 1 and got.count(2) == 1
    restated = [
        ("P", "I'll get back to you on Friday."),
        ("R", "Perfect."),
        ("P", "Yeah, I'll get back to you Friday."),
    ]
    followups = [
        i for i in detect_intents(transcript(restated)) if i.label == "commitment:prospect_followup"
    ]
    assert len(followups) == 1


SC = "request:send_content"
ROUND_C = [
    # any document the prospect asks for, with lists of quantities and adverbs after "please"
    ([("P", "Please send me two or three customer references I can ring.")], 0, SC, True),
    ([("P", "Please also share the architecture diagram, our CTO wants it.")], 0, SC, True),
    ([("P", "Could you forward the deployment plan you used at your last retailer?")], 0, SC, True),
    ([("P", "can you send me the vpat whatever version is current")], 0, SC, True),
    ([("P", "Can you share whatever you normally give IT security teams?")], 0, SC, True),
    ([("P", "Send me whatever you've got on payback from other banks.")], 0, SC, True),
    (
        [
            ("R", "Want me to send the comparison we did for a similar shop?"),
            ("P", "Oh yes, please, send that."),
        ],
        1,
        SC,
        True,
    ),
    # look-alikes: past, hypothetical, negation, the rep, small talk
    ([("P", "They sent me a rollout plan last year and nobody read it.")], 0, SC, False),
    ([("R", "Could you send me the questionnaire back by Friday?")], 0, SC, False),
    ([("P", "We don't need any references, honestly.")], 0, SC, False),
    ([("P", "My sister sent me two or three photos of the dog.")], 0, SC, False),
    # an offer turned down with a yes-word
    (
        [
            ("R", "Would it help if I put together a usage report for him?"),
            ("P", "Yeah, nah, he won't read a report."),
        ],
        1,
        SC,
        False,
    ),
    (
        [
            ("R", "Shall I send you our security overview?"),
            ("P", "Sure, but we don't need it yet."),
        ],
        1,
        SC,
        False,
    ),
    (
        [("R", "Shall I send you our security overview?"), ("P", "Sure, that'd be great.")],
        1,
        SC,
        True,
    ),
]


@pytest.mark.parametrize(("turns", "index", "label", "present"), ROUND_C)
def test_round_c_behaviours(
    turns: list[tuple[str, str]], index: int, label: str, present: bool
) -> None:
    assert (label in labels_at(turns, index)) == present


CP = "signal:competitive"
ROUND_C_COMPETITIVE = [
    # another product running against us now, in parallel / on a pilot / on a trial
    "We're running Seismic Live in parallel, same brief.",
    "heads up we've got avoma on a pilot till the end of the quarter",
    "Our Sydney team has been messing about with HubSpot on a free trial.",
    "We're also piloting the Dynamics add-on that came with our licence.",
    "we're not starting from scratch, we've got gong on a trial right now",
    "the ops lead has been playing around with pipedrives thing on the side and likes it",
    # a home-grown alternative in use
    "We have built an in-house tracker for this and the team still uses it.",
    "Honestly we've already built one in-house.",
]
ROUND_C_NOT_COMPETITIVE = [
    "We ran Gong in parallel last year and dropped it.",
    "We're not running Clari on a pilot any more.",
    "we are running the new system in parallel with the old one",
    "My son has been playing around with Minecraft on the side.",
    "We have built an in-house culture of feedback.",
    "If we put HubSpot on a trial it would be chaos.",
]


@pytest.mark.parametrize("text", ROUND_C_COMPETITIVE)
def test_round_c_competition_running_now(text: str) -> None:
    assert CP in labels_at([("R", "Fine."), ("P", text)], 1)


@pytest.mark.parametrize("text", ROUND_C_NOT_COMPETITIVE)
def test_round_c_not_competition(text: str) -> None:
    assert CP not in labels_at([("R", "Fine."), ("P", text)], 1)


SM = "commitment:schedule_meeting"
ROUND_C_SCHEDULE = [
    # a rep's proposal decided by the reply
    ("Shall we get your CFO on a call once she's seen the numbers?", "Let's do that.", True),
    ("do you want to get priya on a call with our architect next week", "yeah lets do that", True),
    ("Should we pop something in for early March to review it?", "Yeah, go on.", True),
    ("Shall we set up a quick check in after your offsite?", "Sure, that works.", True),
    ("Wednesday at 2 pm will suit?", "Wednesday is fine.", True),
    ("Kickoff call, Monday the fourth, nine a.m.?", "Works.", True),
    ("Can we lock in the 14th at 2pm?", "Done.", True),
    ("Shall I send over a couple of slots for the workshop?", "Yes.", True),
    ("Should we put a follow-up in for after your board meeting?", "Sure.", True),
    ("Should we put a follow-up in?", "No, I'll reach out when ready.", False),
    ("Did you get the 14th at 2pm?", "Yes.", False),
    # put off, declined, unanswered, or no proposal at all
    (
        "should we get marco on a call next week",
        "let me talk to him first, he hates being ambushed",
        False,
    ),
    ("Shall we get the MD on a call?", "No, not yet.", False),
    ("Should we stick something in for late January?", "Let's not, I'll come back to you.", False),
    ("Did you get it on Tuesday at ten?", "Yes.", False),
    ("What happened on Friday at 2pm?", "Oh, the outage.", False),
]


@pytest.mark.parametrize(("question", "reply", "present"), ROUND_C_SCHEDULE)
def test_round_c_meeting_proposals_decided_by_the_reply(
    question: str, reply: str, present: bool
) -> None:
    turns = [("R", question), ("P", reply)]
    assert (SM in labels_at(turns, 0) or SM in labels_at(turns, 1)) == present


BP = "signal:buying_positive"
ROUND_C_BUYING_POSITIVE = [
    ("The funding's been ring-fenced for the rollout.", True),
    ("good news, the budget line for it got approved in the h2 plan", True),
    ("We took it to the leadership team and we're keen to press ahead.", True),
    ("so yeah we wanna do it, lets get the team on", True),
    ("heads up this one doesnt need to go up the chain", True),
    ("It comes in under my sign-off limit, so no committee.", True),
    ("so honestly i think were ready to move ahead with this", True),
    ("Finance already approved the headcount and the tooling budget.", True),
    # someone else's budget, the past, hypotheticals, negation
    ("they approved the new gym budget which was the big fight so everyone's happy", False),
    ("Last year the budget got approved but the project died.", False),
    ("If the money was ring-fenced we'd be fine.", False),
    ("We're not keen to press ahead right now.", False),
    ("We are not ready to sign.", False),
    ("we want to do it properly this time", False),
    ("It does need to go up the chain, sadly.", False),
]


@pytest.mark.parametrize(("text", "present"), ROUND_C_BUYING_POSITIVE)
def test_round_c_buying_positive(text: str, present: bool) -> None:
    assert (BP in labels_at([("R", "Right."), ("P", text)], 1)) == present


MS = "signal:multi_stakeholder"
ROUND_C_STAKEHOLDERS = [
    (
        [
            (
                "P",
                "Whatever we pick can't be approved by me alone, the COO has to put her name to it.",
            )
        ],
        0,
        True,
    ),
    (
        [("R", "Who else is involved?"), ("P", "Credit committee signs. The partners vote on it.")],
        1,
        True,
    ),
    (
        [
            ("P", "Our new GM wants fewer tools."),
            ("P", "And she's got the final say on renewals now."),
        ],
        1,
        True,
    ),
    ([("P", "Above fifty grand the Board of Directors votes on the contract.")], 0, True),
    ([("P", "It'll have to go through our capital committee first.")], 0, True),
    # look-alikes
    ([("P", "The committee voted on the new logo last week.")], 0, False),
    ([("P", "My partner signs for parcels when I'm out.")], 0, False),
    ([("P", "We went through our onboarding checklist.")], 0, False),
    ([("P", "I can sign this off by myself.")], 0, False),
    ([("P", "My son's got the final say on the holiday.")], 0, False),
]


@pytest.mark.parametrize(("turns", "index", "present"), ROUND_C_STAKEHOLDERS)
def test_round_c_stakeholders(turns: list[tuple[str, str]], index: int, present: bool) -> None:
    assert (MS in labels_at(turns, index)) == present


TL = "signal:timeline"
ROUND_C_TIMELINE = [
    (
        "When?",
        "The committee meets in the first week of May, that's when a decision happens.",
        True,
    ),
    (
        "When does the budget cycle start?",
        "April first. We're aiming to have the contract signed by June.",
        True,
    ),
    ("Ok.", "wed like the whole team up and running before the end of q2", True),
    ("Great.", "The goal is to have every branch using it by the first of October.", True),
    ("When does the board next sit?", "Second week of February.", True),
    # no buying timeline: another event, the past, a hypothetical, small talk
    ("When does the demo start?", "Ten a.m.", False),
    ("How was the offsite?", "They meet every Tuesday at the pub, it was fun.", False),
    ("Ok.", "Last year the goal was to have everyone using it by March.", False),
    ("Ok.", "If we had the budget, id like them up and running by May.", False),
    ("Ok.", "id like them to stop calling me on weekends", False),
]


@pytest.mark.parametrize(("question", "reply", "present"), ROUND_C_TIMELINE)
def test_round_c_timeline(question: str, reply: str, present: bool) -> None:
    assert (TL in labels_at([("R", question), ("P", reply)], 1)) == present


BN = "signal:buying_negative"
ROUND_C_BUYING_NEGATIVE = [
    (
        "To be straight, the number you gave us last week was a fair way north of what we've got set aside.",
        True,
    ),
    ("Frankly the figure you quoted is way above what we have kept aside for this.", True),
    ("Your estimate is well over what we've budgeted.", True),
    ("I'll be honest, it's not a sure thing this year.", True),
    ("Honestly the renewal is no longer a given.", True),
    ("This deal is no longer a sure thing.", True),
    ("The match is not a done deal.", False),
    # the past, under budget, a hypothetical, small talk
    ("Last year's quote was above what we had budgeted, but this one is fine.", False),
    ("It came in under what we've set aside.", False),
    ("If it's above what we've budgeted we'll need to talk.", False),
    ("It's not a sure thing the weather holds for the barbecue.", False),
]


@pytest.mark.parametrize(("text", "present"), ROUND_C_BUYING_NEGATIVE)
def test_round_c_buying_negative(text: str, present: bool) -> None:
    assert (BN in labels_at([("R", "Right."), ("P", text)], 1)) == present


SP = "commitment:send_proposal"


def test_round_c_material_promised_after_an_accepted_offer_sits_on_the_promise() -> None:
    turns = [
        ("R", "Would it help if I pulled together indicative pricing for the twenty seats?"),
        ("P", "That'd be useful, yeah."),
        ("R", "Right, I'll get that over to you by Friday."),
    ]
    got = [i.utterance for i in detect_intents(transcript(turns)) if i.label == SP]
    assert got == [2]
    asr = [
        ("R", "do you want me to send the updated pricing with the two year option"),
        ("P", "yes please that would be super helpful"),
        ("R", "great ill get that over to you first thing tomorrow"),
    ]
    assert [i.utterance for i in detect_intents(transcript(asr)) if i.label == SP] == [2]
    # a meeting agreed on stays where it was proposed
    meeting = [
        ("R", "Shall we book a demo for your team next Tuesday?"),
        ("P", "Yes, let's."),
        ("R", "Great, I'll book the demo for Tuesday then."),
    ]
    sm = [i.utterance for i in detect_intents(transcript(meeting)) if i.label == SM]
    assert sm == [0]


@pytest.mark.parametrize(
    ("turns", "present"),
    [
        (
            [
                ("P", "The per-seat licence is what hurts."),
                ("R", "Let me rework it, and I'll have a revised version to you by Thursday."),
            ],
            True,
        ),
        (
            [
                ("P", "My daughter's school play was lovely."),
                ("R", "Ha, I'll have a new version of my slides for mine."),
            ],
            False,
        ),
        (
            [
                ("P", "Honestly the fee is fine."),
                ("R", "I won't send a revised version then."),
            ],
            False,
        ),
    ],
)
def test_round_c_revised_version_of_the_pricing(
    turns: list[tuple[str, str]], present: bool
) -> None:
    assert (SP in labels_at(turns, 1)) == present


PF = "commitment:prospect_followup"


@pytest.mark.parametrize(
    ("text", "present"),
    [
        (
            "I'll get the supplier onboarding forms back to you by Wednesday so finance can set you up.",
            True,
        ),
        ("We'll send the signed vendor set-up pack back to you Monday.", True),
        ("I got the supplier onboarding forms back to you last week.", False),
        ("If I can, I'll get the signed forms back to you.", False),
        ("I won't get the supplier forms back to you this week.", False),
    ],
)
def test_round_c_longer_objects_in_a_prospect_promise(text: str, present: bool) -> None:
    assert (PF in labels_at([("R", "Good."), ("P", text)], 1)) == present


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # private life in the sentence: small talk, not the deal
        ("My wife has got the final say on the kitchen.", set()),
        ("The hotel quote was way above what we had budgeted for our wedding.", set()),
        ("My son's team votes on the captain, he's thrilled.", set()),
        # a customer's business about the same words is still the deal
        (
            "I want call capture in place before the peak wedding season, so by the end of April.",
            {"signal:timeline"},
        ),
        ("Our CFO has the final say on this.", {"signal:multi_stakeholder"}),
    ],
)
def test_round_c_private_life_is_small_talk(text: str, labels: set[str]) -> None:
    assert labels_at([("R", "Okay."), ("P", text)], 1) == labels


@pytest.mark.parametrize(
    ("text", "label", "present"),
    [
        ("Full disclosure, Salesloft is also in the running.", CP, True),
        ("We are doing a proof of concept with Outreach right now.", CP, True),
        ("We did a proof of concept with Outreach two years ago.", CP, False),
        ("Our dog is in the running for best in show.", CP, False),
        ("It has to be signed by two directors.", MS, True),
        ("The lease was signed by both partners last year.", MS, False),
        ("If it were signed by two directors we would be fine.", MS, False),
        ("Send over the ROI model when you get a sec.", SC, True),
        ("I sent over the ROI model yesterday.", SC, False),
    ],
)
def test_round_c_more_wordings(text: str, label: str, present: bool) -> None:
    assert (label in labels_at([("R", "Okay."), ("P", text)], 1)) == present
