"""Vendor and person names in a call: whether a sentence names a known product
(`vendor_capitalised`), whether a name after a verb of weighing vendors is an unknown
competitor (`unknown_vendor`), and whether a name is someone's on the call (`named_as_person`)."""

from __future__ import annotations

import re

from skills.nlu import intent_patterns as rules
from skills.nlu.intent_context import WORD, CallContext
from skills.text_features import Sentence

# Vendors whose names are also common words: only a capitalised mention counts.
_COMMON_WORD_VENDORS = {
    "attention",
    "momentum",
    "outreach",
    "grain",
    "otter",
    "copilot",
    "gemini",
    "einstein",
    "apollo",
    "chorus",
    "fathom",
    "wingman",
    "lavender",
    "troops",
    "seismic",
    "clari",
}
_NAME_ENDS = rules.CONTEXT["name_ends"]


def vendor_capitalised(text: str, low: str, start: int, end: int) -> bool:
    all_lower = not any(c.isupper() for c in text)
    for vm in re.finditer(rules.VENDOR_RE, low[start:end]):
        word = vm.group(0)
        if word in _COMMON_WORD_VENDORS and not text[start + vm.start()].isupper():
            if not (all_lower and _NAME_ENDS.match(low, start + vm.end())):
                continue
        return True
    return False


# Capitalised words after "looking at" that are not products.
_NOT_VENDOR_NAMES = frozenset(
    "i it it's hr dr dr. mr mr. mrs mrs. ms ms. prof prof. monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october november "
    "december q1 q2 q3 q4 christmas easter diwali ramadan thanksgiving the a an our your my their "
    "this that these those next last options pricing legal finance procurement security it's "
    "sixty you".split()
)
_PERSON_AFTER = rules.CONTEXT["person_after"]
_WEAK_COMPETITION_CUE = rules.CONTEXT["weak_competition_cue"]


# Words that are never a product's name, even in lower-case ASR text.
_FUNCTION_WORDS = frozenset(
    "them him her us me you someone somebody anyone anybody another other others one two three "
    "with in on at for to of and or but so some any all each every this these those that what "
    "which who how when where why here there now then also too just like kind sort ways way "
    "hiring options pricing price costs budget internal other ourselves everything something "
    "things stuff it its their our your my a an the".split()
)
# After a lower-case name: a word that refers to another company ("their thing", "they do").
# Nouns that follow "got ... on a pilot / on the side" without being a product.
_NOT_PRODUCTS = frozenset(
    "new old current existing legacy people staff folks kids team teams guys users reps customers clients stores sites branches "
    "offices office site store project projects budget work job jobs money".split()
)
# A known product, possibly with an ASR plural/possessive ("servicetitans crm").
_VENDOR_PREFIX = re.compile(rules.VENDOR_RE.removesuffix(r"\b"))
_RUN_AGAINST = rules.CONTEXT["run_against"]
_ASR_VENDOR_CUE = rules.CONTEXT["asr_vendor_cue"]


PERSON_CUE = rules.FRAGMENTS["PERSON_CUE"]


_CUE_TITLE = rules.FRAGMENTS["CUE_TITLE"]
_TITLE_BEFORE = rules.CONTEXT["title_before"]  # "our CFO, |Dave"
_ROLE_AFTER = rules.CONTEXT["role_after"]  # "Dave|, our CFO"
_VERB_AFTER = rules.CONTEXT["verb_after"]  # "Dave| said"
_ERRAND_BEFORE = rules.CONTEXT["errand_before"]  # "ask |Dave, he"
_PRONOUN_AFTER = rules.CONTEXT["pronoun_after"]
_BOUNDARY = re.compile(r"\b")


def _title_reach(low: str, at: int) -> int:
    """Where a `_TITLE_BEFORE` match ending at `at` could start at the earliest: the title is a
    word of at most nine letters, or "head of" and a word, then a comma and spaces."""
    k = at
    while k > 0 and low[k - 1].isspace():
        k -= 1
    if k > 0 and low[k - 1] == ",":
        k -= 1
    w = k
    while w > 0 and (low[w - 1].isalnum() or low[w - 1] == "_"):
        w -= 1
    return max(0, min(w - len("head of "), k - 12))


def _cue_around(low: str, at: int, end: int) -> bool:
    """A person cue (`PERSON_CUE`) holds with the name at low[at:end] (the text before the
    name is searched only as far back as a cue can reach, so each look is short)."""
    if _BOUNDARY.match(low, end) and _TITLE_BEFORE.search(low, _title_reach(low, at), at):
        return True
    if _BOUNDARY.match(low, at) and (_ROLE_AFTER.match(low, end) or _VERB_AFTER.match(low, end)):
        return True
    return bool(_PRONOUN_AFTER.match(low, end) and _ERRAND_BEFORE.search(low, max(0, at - 9), at))


def named_as_person(ctx: CallContext, name: str) -> bool:
    """The name is someone's elsewhere in the call ('our CFO, Dave', 'Dave said').

    Each name is looked up once per call, and only in the utterances that hold its first word
    (every cue puts the name at the start of a word and ends it before a non-word character),
    which keeps a long call linear in its utterances: a pattern compiled per name and run over
    every utterance made it quadratic."""
    bare = name.lower().removesuffix("'s")
    known = ctx._person_names.get(bare)
    if known is not None:
        return known
    head = WORD.match(bare)
    found = False
    for j in ctx.with_word(head.group(0)) if head else range(len(ctx.lows)):
        low = ctx.lows[j]
        at = low.find(bare) if bare else -1
        while at >= 0 and not found:
            found = _cue_around(low, at, at + len(bare))
            at = low.find(bare, at + 1)
        if found:
            break
    if not bare:  # (no name left: the cue's own words decide, as the pattern would)
        found = any(re.search(PERSON_CUE.replace("{n}", ""), low) for low in ctx.lows)
    ctx._person_names[bare] = found
    return found


def unknown_vendor(m: re.Match[str], i: int, ctx: CallContext, sent: Sentence) -> bool:
    """'we're also talking to Lattice': a capitalised name that is not a person on the call,
    a date or a department, after a verb of weighing vendors, with a cue of competition."""
    text = ctx.cleaned[i].text
    low = ctx.lows[i]
    start, end = m.span("name")
    name = text[start:end]
    bare = name.lower().removesuffix("'s")
    # ASR text has no capitals at all: a lower-case name counts when it is no common word and a
    # third party is referred to ("a quote from veeva too", "looking at acme their thing is...").
    lower_case_text = not any(c.isupper() for c in text)
    asr_name = (
        lower_case_text
        and bare not in _FUNCTION_WORDS
        and bare not in _NOT_PRODUCTS
        and bool(
            _ASR_VENDOR_CUE.search(low, end, min(sent.end, end + 45))
            or _RUN_AGAINST.search(m.group(0))
            or _VENDOR_PREFIX.match(bare)
        )
    )
    if (
        # "Salesforce", "iManage": a capital anywhere in the name
        not (any(c.isupper() for c in name) or asr_name)
        or bare in _NOT_VENDOR_NAMES
        or rules.STAKEHOLDER_RE.fullmatch(bare)
    ):
        return False
    people = ctx.people_words()
    camel = any(c.isupper() for c in name[1:])  # "iManage Insight" is no first name and surname
    if (
        bare in people
        or (not camel and _PERSON_AFTER.match(text, end))
        or named_as_person(ctx, name)
    ):
        return False
    if rules.PAST_USE_RE.search(low, sent.start, sent.end):
        return False
    if rules.STRONG_EVALUATE_RE.search(m.group(0)) or _VENDOR_PREFIX.match(bare):
        return True
    if any(rules.COMPETITOR_QUESTION_RE.search(p) for p in ctx.previous_other(i)):
        return True  # the rep just asked who else is in the running
    return bool(_WEAK_COMPETITION_CUE.search(low, sent.start, sent.end))
