"""The features the email scorer weighs to say how sure the classifier is of its category.

The category comes from the reviewed cues by precedence (`email_decision.choose`); whether that
choice is right is what the scorer learns (`make train-nlu`), from: the chosen category
(`chosen:<c>`), its combined cue score (`score`), the runner-up's score, whether a category that disagrees about what to do next also scored (`conflict`), whether
the subject supports the choice, and facts about the email (a question asked, an automatic
reply, bulk or no-reply mail, text addressed to an assistant).

A learned choice of the category itself was tried and measured (`python -m training.crossval`):
on the 339 labelled emails it was no more accurate with whole sets held out (0.93 either way),
and it learned the sets' category mix rather than language (a short "thanks, saved the deck"
with no cue came out as an unsubscribe, because missed removal requests are the commonest short
emails there). The confidence is where learning pays: it is calibrated on held-out sets.
"""

from __future__ import annotations

from collections.abc import Mapping

from skills.vocabulary import EMAIL_CATEGORIES, EmailCategory


def confidence_features(
    category: EmailCategory,
    scores: Mapping[EmailCategory, float],
    *,
    conflict: float,
    subject_support: bool,
    has_question: bool,
    auto_reply: bool,
    bulk: bool,
    injection: bool,
) -> dict[str, float]:
    mine = scores[category]
    second = max((scores[c] for c in EMAIL_CATEGORIES if c != category), default=0.0)
    out: dict[str, float] = {
        f"chosen:{category}": 1.0,
        "score": mine,
        "runner_up": second,
        "conflict": conflict,
    }
    flags = {
        "no_cue": mine <= 0.0,
        "subject_support": subject_support,
        "question": has_question,
        "auto_reply": auto_reply,
        "bulk": bulk,
        "injection": injection,
    }
    out.update({name: 1.0 for name, on in flags.items() if on})
    return out
