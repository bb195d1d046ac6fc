"""The features the email scorer weighs, read from one email's evidence.

Per category: its combined cue score after the subject, automatic-reply and bulk-mail weighing
(`s:<category>`), whether any cue of it was found (`hit:<category>`), whether it is the top
score (`top:<category>`) and whether the subject supports it (`subject:<category>`); for the
email: a question asked, an automatic reply, bulk or no-reply mail, text addressed to an
assistant, and its length. Names only: the weights are learned (`make train-nlu`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skills.vocabulary import EMAIL_CATEGORIES

if TYPE_CHECKING:
    from skills.nlu.email_decision import Evidence


def email_features(ev: Evidence) -> dict[str, float]:
    out: dict[str, float] = {}
    top = max(EMAIL_CATEGORIES, key=lambda c: ev.scores[c])
    for c in EMAIL_CATEGORIES:
        score = ev.scores[c]
        if score > 0:
            out[f"s:{c}"] = score
        if ev.by_cat[c]:
            out[f"hit:{c}"] = 1.0
        if c in ev.subject_support:
            out[f"subject:{c}"] = 1.0
    if ev.scores[top] > 0:
        out[f"top:{top}"] = 1.0
    else:
        out["no_cue"] = 1.0
    words = len(ev.low.split())
    flags = {
        "question": ev.has_question,
        "auto_reply": ev.auto_reply,
        "bulk": ev.bulk,
        "injection": ev.injection,
        "short": words <= 40,
        "long": words > 250,
        "empty": not ev.low.strip(),
    }
    out.update({name: 1.0 for name, on in flags.items() if on})
    return out
