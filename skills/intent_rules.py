"""Lexicons and semantic frames for the offline intent detector.

Each label is a frame: who may say it (rep side or prospect), the verb/object or
subject/predicate patterns that carry it, and a base strength. Patterns match the
lower-cased text of one utterance; `skills.intents` applies modality (question, past,
condition, negation, hedge), the other party's reply, and speaker certainty on top.
Lexicons are by meaning (synonyms, titles, vendors), not phrases from any one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from skills.lexicons import lexicon
from skills.vocabulary import INTENT_LABELS

Side = Literal["rep", "prospect", "any"]


def _alt(*words: str) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


# Up to N words inside one clause (no sentence punctuation, no clause-changing conjunction).
_DET = r"(?:a|an|the|some|our|your|my|updated|revised|new|formal|final|detailed|pilot|full)"


def _gap(n: int) -> str:
    # "and" continues the object list ("a ramp plan and a quote") but not a new verb.
    return (
        rf"(?:\s+(?!(?:then|but|so|once|after|because)\b)(?!or\b(?!\s+(?:two|three|four|five|six|so)\b))"
        rf"(?!and\b(?!\s+{_DET}\b))"
        rf"(?:(?:dr|mr|mrs|ms|prof|st)\.|[^\s.?!;,]+)){{0,{n}}}?"
    )


# ASR text drops apostrophes ("ill send", "lets book"): "ill" is the contraction unless it
# follows a copula or a verb of feeling ("I'm ill", "fell ill").
ASR_ILL = r"(?<!i'm )(?<!im )(?<!is )(?<!was )(?<!been )(?<!feel )(?<!fell )(?<!felt )(?<!be )ill"
# "lets" is "let's" only where a clause starts ("so lets book"), never "it lets you book".
ASR_LETS = (
    r"(?:^|(?<=[.,!?;:] )|(?<=\bso )|(?<=\bok )|(?<=\band )|(?<=\bthen )|(?<=\bokay )|"
    r"(?<=\byeah )|(?<=\bwell )|(?<=\bright )|(?<=\bgreat )|(?<=\bcool )|(?<=\bnow ))lets"
)
# A filler dropped between a marker and its verb leaves a comma behind ("I'll, um, text you").
_FILLER = (
    r",?(?:\s+(?:also|just|then|definitely|certainly|quickly|happily|personally|gladly|"
    r"absolutely|go ahead and|make sure to|make sure i|be sure to|get to|now|first|again))*"
)

# First-person future / volitional commitment markers.
FUTURE_I = (
    r"\b(?:i'll|i will|i shall|i'm going to|i am going to|i'm gonna|i am gonna|" + ASR_ILL + r"|"
    r"im going to|im gonna|" + ASR_LETS + r"|"
    r"we'll|we will|we shall|we're going to|we are going to|we're gonna|"
    r"let me|let us|let's|i'd be (?:happy|glad) to|i'm (?:happy|glad) to|happy to|"
    r"expect (?:\w+ )?from me|i will be|you'll (?:get|have) (?:\w+ )?from me|"
    r"(?:the |my |our )?next steps? (?:on|from|for) (?:my|our) (?:side|end) (?:is|are) to|"
    r"(?:my|our) next steps? (?:is|are) to|i need to|i have to|i've got to|i got to|"
    r"it's on me to|i'm on the hook to|i promised to|"
    r"(?:the )?next steps? (?:is|are|would be|will be) for (?:me|us) to)"
) + _FILLER
# "I'll send the quote by Friday and set up a call": a second verb under the same marker.
CONTINUE = r"(?:\s+[^.?!;]{0,60}?\b(?:and|and then|then|and also)\b)?"
OFFER_I = r"\b(?:i can|we can|i could|we could|i'm able to)" + _FILLER
QUESTION_OFFER = (
    r"\b(?:should i|shall i|can i|could i|do you want me to|would you like me to|want me to|"
    r"would it help if i|would it be helpful if i|would it help to|how about i|what if i|"
    r"should we|shall we|can we|could we|why don't we|why don't i|how about we|"
    r"would you be open to|are you open to|would it make sense to|does it make sense to|"
    r"would you like to|do you want to|is it worth|would you mind if i)"
) + _FILLER

SEND_VERB = _alt(
    "send",
    "send over",
    "send across",
    "send through",
    "send out",
    "share",
    "email",
    "e-mail",
    "forward",
    "put together",
    "pull together",
    # after "would it help if I ...": "if I pulled together indicative pricing"
    "pulled together",
    "drew up",
    "worked up",
    "priced out",
    "pull",
    "draw up",
    "mock up",
    "build",
    "work out",
    "crunch",
    "prepare",
    "draft",
    "write up",
    "work up",
    "get(?!\\s+back)",
    "come back(?: to you)? with",
    "follow up with",
    "circle back with",
    "turn around",
    "price out",
    "shoot over",
    "shoot across",
    "shoot you",
    "fire over",
    "send along",
    "whip up",
    "knock together",
    "throw together",
    "pop over",
    "get back to you with",
    "come back to you with",
    "loop back with",
    "circle back to you with",
    "put",
    "have(?!\\s+(?:to|a look|a think|a chat|a word|a go|a quick look|a read|a closer look)\\b)",
    "revise",
    "update",
    "sent",
)
PROPOSAL_OBJ = _alt(
    "proposal",
    "proposals",
    "quote",
    "quotes",
    "quotation",
    "pricing",
    "prices",
    "price sheet",
    "price breakdown",
    "order form",
    "sow",
    "statement of work",
    "contract",
    "contracts",
    "agreement",
    "estimate",
    "offer",
    "msa",
    "paperwork",
    "commercials",
    "the numbers",
    "(?<=the )numbers",
    "(?<=revised )numbers",
    "(?<=updated )numbers",
    "(?<=final )numbers",
    "renewal terms",
    "terms",
    "business case",
)
# "the contract signed", "the pricing page", "that pricing question": not a document to send.
NOT_AFTER_PROPOSAL = (
    r"\b(?!\s+(?:signed|countersigned|approved|reviewed|back|done|page|pages|question|questions|"
    r"call|discussion|conversation|model|team|tool|approval|negotiation|meeting|going|moving|"
    r"started|rolling|through(?=\s+(?:legal|procurement|finance|the|our|your|their|committee|approval|"
    r"review|security|it|that))|processed|sorted)\b)"
)
SCHED_VERB = _alt(
    "schedule",
    "book",
    "set up",
    "setup",
    "arrange",
    "organise",
    "organize",
    "pencil in",
    "pencil",
    "lock in",
    "find",
    "grab",
    "line up",
    "hop on",
    "jump on",
    "set",
    "plan",
    "do",
    "block",
    "block out",
    "reschedule",
    "sort out",
    # "fix a call" (Indian English) books one; "fix the sync" mends something.
    "fix(?=\\s+(?:up\\s+)?(?:a|an|another|some|the next)\\b)",
)
MEETING_OBJ = _alt(
    "follow-up",
    "followup",
    "follow up",
    "meeting",
    "call",
    "demo",
    "session",
    "walkthrough",
    "walk-through",
    "walk through",
    "workshop",
    "check-in",
    "check in",
    "sync",
    "catch-up",
    "catch up",
    "follow-up call",
    "follow-up meeting",
    "follow up call",
    "time(?!\\s+(?:to|zone|zones|frame|line|limit)\\b)",
    "some time(?!\\s+to\\b)",
    "slot",
    "slots",
    "invite",
    "calendar invite",
    "deep dive",
    "deep-dive",
    "kickoff",
    "kick-off",
    "onboarding session",
    "training",
    "on the calendar",
    "in the calendar",
    "on the books",
    "thirty minutes",
    "30 minutes",
    "half an hour",
    "an hour",
    "fifteen minutes",
    "15 minutes",
    "45 minutes",
    "forty-five minutes",
    "a few times",
    "some times",
    "a time",
    "huddle",
    "zoom",
    "review session",
)
CONTENT_OBJ = _alt(
    "pen test",
    "pen test report",
    "penetration test",
    "audit report",
    "story",
    "stories",
    "customer story",
    "success story",
    "success stories",
    "testimonial",
    "proof points",
    "certificate",
    "insurance certificate",
    "w-9",
    "w9",
    "tax form",
    "vendor form",
    "document",
    "documents",
    "doc",
    "pdf",
    "file",
    "files",
    "spreadsheet",
    "sheet",
    "whitepaper",
    "white paper",
    "case study",
    "case studies",
    "deck",
    "slides",
    "slide deck",
    "documentation",
    "docs",
    "guide",
    "datasheet",
    "data sheet",
    "one-pager",
    "one pager",
    "brochure",
    "report",
    "soc 2",
    "soc2",
    "soc ii",
    "iso certificate",
    "dpa",
    "data processing agreement",
    "data processing addendum",
    "nda",
    "security questionnaire",
    "security overview",
    "security pack",
    "recording",
    "references",
    "reference",
    "reference customer",
    "examples",
    "materials",
    "material",
    "overview",
    "summary",
    "link",
    "links",
    "template",
    "comparison",
    "roi calculator",
    "roi analysis",
    "benchmark",
    "benchmarks",
    "specs",
    "spec sheet",
    "specifications",
    "checklist",
    "faq",
    "video",
    "videos",
    "recordings",
    "guides",
    "reports",
    "one-pagers",
    "one pagers",
    "templates",
    "samples",
    "datasheets",
    "brochures",
    "decks",
    "whitepapers",
    "white papers",
    "walkthrough video",
    "demo video",
    "certifications",
    "policies",
    "policy",
    "sample",
    "information",
    "info",
    "details",
    "implementation plan",
    "onboarding plan",
    "roadmap",
    "api",
    "field mapping",
    "architecture diagram",
    "trial",
    "sandbox",
    "collateral",
    "testimonials",
    "study",
    "write-up",
    "writeup",
    "notes",
    "agenda",
    "letter",
    "authorisation letter",
    "authorization letter",
    "attestation",
    "usage data",
    "usage numbers",
    "usage stats",
    "roi model",
    "business case template",
    "cost model",
    "usage report",
    "stats",
    "metrics",
    "questionnaire",
    "questionnaires",
    "hecvat",
    "vpat",
    "conformance report",
    "rollout plan",
    "rollout plans",
    "deployment plan",
    "project plan",
    "migration plan",
    "training plan",
    "pack",
    "standard pack",
    "sow template",
    "residency document",
    "references",
    "reference calls",
    "contacts",
    "customers i can call",
    # "send me whatever you normally give procurement", "whatever you've got on ROI"
    "whatever you normally give",
    "whatever you usually give",
    "whatever you typically give",
    "whatever you give",
    "whatever you normally send",
    "whatever you usually send",
    "whatever you've got",
    "whatever you have",
    "whatever you got",
    "anything you've got",
)
REQUEST_VERB = _alt(
    "include",
    "attach",
    "send",
    "send over",
    "send me",
    "send us",
    "share",
    "forward",
    "email",
    "pass along",
    "pass on",
    "flick",
    "flick over",
    "flick through",
    "fire over",
    "fire across",
    "pop over",
    "ping over",
    "ping me",
    "send through",
    "send across",
    "dig out",
    "dig up",
    "shoot over",
    "shoot me",
    "drop me",
    "give me",
    "give us",
    "provide",
    "point me to",
    "get me",
    "get us",
)

# Stakeholders other than the speaker who take part in the buying decision.
# Titles that name a decision role on their own ("the CFO", "Legal", "procurement").
_TITLES = _alt(*lexicon("decision_titles", regex=True))
# Generic words that are a stakeholder only when they are ours: "my boss", "our director".
_OWNED = _alt(
    "boss",
    "manager",
    "line manager",
    "director",
    "partners",
    "founders",
    "founder",
    "owner",
    "owners",
    "management",
    "counsel",
    "controller",
    "budget holder",
    "president",
    "superior",
    # "our security team", not "the security review"
    "security(?!\\s+(?:review|reviews|questionnaire|questions|overview|pack|plan|docs?|documentation|"
    "certifications?|audit|posture|side|stuff|features?|standards?|requirements?|piece|process|"
    "assessment|check|checks|call|session|lead))",
    "business partner",
    "co-founder",
    "cofounder",
    "co-owner",
    "team lead",
    "manager's",
    "director's",
    "boss's",
    "md",
    "dean",
    "council",
    "governors",
    "hq",
    "head office",
    "chairman",
    "chairwoman",
    "superintendent",
)
STAKEHOLDER = (
    r"\b(?:(?:(?:our|my|the|their|his|her)\s+)?(?:new\s+)?"
    + _TITLES
    + r"|(?:our|my|the|their|his|her)\s+(?:new\s+)?(?:[a-z]+\s+)?"
    + _OWNED
    + r")\b"
)
DECIDE = _alt(
    "sign off",
    "signs off",
    "sign-off",
    "signoff",
    "approve",
    "approves",
    "approval",
    "weigh in",
    "buy-in",
    "buy in",
    "final say",
    "final decision",
    "make the call",
    "decision",
    "decide",
    "decides",
    "go past",
    # "go through legal" is a sign-off; "go through the questions" is a review
    "go through(?=\\s+(?:our|the|my|their)?\\s*(?:[\\w-]+\\s+)?(?:legal|procurement|finance|board|committee|cfo|ceo|"
    "purchasing|it|security team|approvals?|sign-off|leadership|exec))",
    "run it by",
    "run this by",
    "run that by",
    "run it past",
    "loop in",
    "looped in",
    "bring in",
    "involve",
    "involved",
    "on board",
    "have a say",
    "green light",
    "greenlight",
    "veto",
    "be part of",
    "sign the contract",
    "get sign",
    "signed off by",
    "approved by",
    "sign-off from",
    "approval from",
    "buy-in from",
    "before (?:we|i) (?:can |could )?(?:commit|sign|decide|move forward|buy|proceed|go ahead|move)",
    "before anything (?:moves|happens|gets signed|gets approved|is approved|is signed|goes ahead)",
    "(?:give|gives|giving|provide) (?:the |us the |their |his |her |a )?(?:final )?(?:okay|ok|approval|"
    "green light|go-ahead|nod|thumbs up|sign-off|blessing)",
    "final okay",
    "final ok",
    "want to see",
    "wants to see",
    "need to see",
    "needs to see",
    "want to meet",
    "wants to meet",
    "join the next call",
    "be on the next call",
    "sit in",
    "bless",
    "blesses",
    "blessing",
    "say yes",
    "says yes",
    "rubber-stamp",
    "rubber stamp",
    "countersign",
    "signature",
    "signatures",
    "sign-?off on",
    "sign it",
    "(?:need|needs|have|has|would have|will have|would need|will need|'d need|'ll need) to go "
    "(?:to|in front of|before|up to)",
    "signs it",
    "sign for it",
    "get (?:it|this|that|anything|something|a deal|the deal) past",
    "get (?:it|this|that|anything|something) through",
    # "the partners vote on it", "both have to put their names to it"
    "votes? on",
    "put (?:their|his|her|our) names? (?:to|on)",
    "signs(?=\\s*(?:[.;!?]|$|off|it|the|contracts?|anything))",
)
DECIDE_WEAK = _alt(
    "check with", "talk to", "speak to", "speak with", "consult", "ask", "run it past"
)
DECISION_ROLE = (
    STAKEHOLDER
    + r"\s+(?:is|'s|will be|would be)\s+(?:the|our)\s+(?:final\s+|ultimate\s+)?(?:economic buyer|"
    r"decision[- ]maker|signatory|approver|budget holder|one who (?:decides|signs))"
)
DECISION_DISCLAIMER = (
    r"\b(?:i'm not the (?:final )?(?:decision[- ]maker|one who decides|person who signs)|"
    r"i am not the (?:final )?decision[- ]maker|not (?:my|just my|only my) (?:call|decision)|"
    r"(?:isn't|is not|not) up to me|above my pay ?grade|(?:needs?|have|has) to go to "
    r"(?:committee|the board)|buying committee|needs? (?:a )?(?:committee|board) approval|"
    r"(?:several|multiple|a few|other) (?:people|stakeholders) (?:need|have|will need) to|"
    # "the decision isn't mine", "I can't make this call alone"
    r"(?:the |this |that )?(?:decision|call)(?:'s| is)?\s+(?:isn't|is not|isnt|not|wasn't|won't be) "
    r"(?:really |entirely |just |only )?(?:mine|my (?:call|decision)|up to me)|not mine to (?:make|"
    r"decide|call)|(?:signed|approved|signed off|countersigned) by (?:two|both|three|all(?: three)?|"
    r"several) (?:of (?:our|the) )?(?:directors|partners|founders|trustees|board members|owners)|"
    r"(?:can't|cant|cannot|can not|couldn't|won't|wont) (?:make|take|sign|approve) "
    r"(?:this|the|that|it)(?: \w+)? (?:alone|on my own|by myself|myself|single-handedly)|"
    # "whatever we go with can't be signed off by me alone"
    r"(?:can't|cant|cannot|can not|won't|wont|couldn't) be (?:signed off|signed|approved|decided|"
    r"authori[sz]ed)(?: on)? by me (?:alone|on my own|by myself)|i don't "
    r"(?:get to )?(?:make|have) the final (?:call|decision|say))"
)

# Sales tools a prospect might weigh against us, and generic alternative vendors.
VENDORS = lexicon("vendors")
VENDOR_RE = r"\b" + _alt(*(re.escape(v) for v in VENDORS)) + r"\b"
GENERIC_ALT = _alt(
    "another vendor",
    "anyone else",
    "anybody else",
    "other companies",
    "other vendors",
    "another provider",
    "other providers",
    "other tools",
    "other solutions",
    "other platforms",
    "other options",
    "a few vendors",
    "a couple of vendors",
    "a couple of other vendors",
    "several vendors",
    "two other vendors",
    "three vendors",
    "two vendors",
    "your competitors",
    "your competitor",
    "a competitor of yours",
    "one of your competitors",
    "the incumbent",
    "our current provider",
    "our current vendor",
    "our current tool",
    "our current solution",
    "our current platform",
    "our existing provider",
    "our existing vendor",
    "our existing tool",
    "our incumbent",
    "an incumbent",
    "incumbent vendor",
    "incumbent provider",
    "incumbent tool",
    "incumbent platform",
    "alternatives",
    "other products",
    "a few options",
    "a couple of options",
    "several options",
    "different options",
    "different vendors",
    "a few tools",
    "a few solutions",
    "a couple of others",
    "a couple others",
    "a few others",
    "two others",
    "three others",
    "several others",
)
# Verbs of weighing a vendor, shared by both lists below.
_WEIGHING = (
    "looking at",
    "evaluating",
    "considering",
    "comparing",
    "talking to",
    "talking with",
    "speaking with",
    "speaking to",
    "trialing",
    "trialling",
    "piloting",
    "testing",
    "in talks with",
)
EVALUATE = _alt(
    *_WEIGHING,
    "had a call with",
    "had a demo with",
    "had a demo from",
    "spoke with",
    "met with",
    "in conversations with",
    "in conversation with",
    "in discussions with",
    "having conversations with",
    "got a proposal from",
    "getting quotes from",
    "got a quote from",
    "shortlisted",
    "demos from",
    "demo from",
    "a demo with",
    "demos with",
    "quote from",
    "quotes from",
    "proposal from",
    "pricing from",
    "benchmarking",
    "weighing",
    "also got",
    "shopping around",
    "chatting with",
    "chatting to",
    "having a chat with",
    "had a chat with",
    "had a conversation with",
    "had a couple of calls with",
    "had calls with",
    "having conversations with",
    "meeting with",
    "had a look at",
    "having a look at",
    "taking a look at",
    "took a look at",
    "checking out",
    "kicking the tyres on",
    "kicking the tires on",
    "running a trial of",
    "running a trial with",
    "running a pilot of",
    "running a pilot with",
    "a trial of",
    "a trial with",
    "a pilot with",
    "a proof of concept with",
    "a poc with",
    "demoing",
    "had demos from",
    "had a demo of",
)
# Evaluating a product we do not know by name ("we're also talking to Lattice"): only verbs
# that mean weighing a vendor, and a cue of competition nearby (checked in skills.intents).
EVALUATE_NAMED = _alt(
    *_WEIGHING,
    "a demo from",
    "a demo with",
    "demos from",
    "a quote from",
    "quotes from",
    "a proposal from",
    "had a look at",
    "taking a look at",
    "running a trial of",
    "running a pilot with",
    "a trial of",
    "demoing",
    "a demo booked with",
    "a demo scheduled with",
    "a demo lined up with",
    "a call booked with",
    "a session booked with",
    "a proof of concept with",
    "a poc with",
    "a pilot with",
)
# With these verbs the name alone is enough; with the others ("talking to X") we want "also",
# "too", "as well", "alongside" or a word of buying in the sentence.
STRONG_EVALUATE_RE = re.compile(
    r"\b(?:evaluating|comparing|trialing|trialling|piloting|a demo from|a demo with|demos from|"
    r"a (?:demo|call|session) (?:booked|scheduled|lined up) with|"
    r"a quote from|quotes from|a proposal from|running a trial of|running a pilot with|a trial of|"
    r"demoing|a proof of concept with|a poc with|a pilot with)\b"
    # a product run against us: "iManage in parallel", "Clari on a pilot", "HubSpot on a free trial"
    r"|\b(?:in parallel|side[- ]by[- ]side|head[- ]to[- ]head|on (?:a|the) (?:free )?(?:trial|pilot)|"
    r"on trial)\b"
)
COMPETITION_CUE_RE = re.compile(
    r"\b(?:also|too|as well|alongside|in parallel|in the mix|shortlist|shortlisted|switching|switch|"
    r"bundling|bundle|replace|replacing|instead|cheaper|demo|trial|pilot|quote|proposal|pricing)\b"
)
CURRENT_USE = (
    r"(?:(?:we|we're|we are|we've been|we have been|our team|our reps|the team|they)\s+"
    r"(?:currently\s+|already\s+|still\s+|"
    r"mostly\s+|now\s+)?(?:use|using|on|run|running|pay for|paying for|have|rely on|work in|work with)|"
    r"(?:currently|already) (?:use|using|on|have)|(?:contract|subscription|renewal|licen[cs]e) with)"
)

# Buying signals.
_MONEY = r"(?:budget|budgets|money|funding|funds|cash|spend|spending|finances)"
BUDGET_OK = (
    r"\b(?:budget|money|funding|funds|business case|the project|the purchase|the spend|"
    r"the investment|purchase order|the po)(?:\s+(?:line|item|line item|request|ask))?(?:\s+for(?:\s+[\w-]+){1,3}?(?=\s+(?:is|was|has|got)\b))?"
    r"(?:(?:'s| is| has| was| got| has been| is already| was already|"
    r"'s already|'s been| have been| are)"
    r"\s+(?:already\s+|now\s+|been\s+|just\s+|finally\s+|officially\s+)*(?:approved|allocated|"
    r"signed off|secured|set aside|earmarked|in place|confirmed|locked in|sorted|there|available|"
    r"green-?lit|ring-?fenced|budgeted)|\s+(?:approved|allocated|signed off|secured|set aside|earmarked|"
    r"confirmed|ring-?fenced))"
)
HAVE_BUDGET = (
    r"\b(?:we|i)\s+(?:have|'ve got|have got|'ve|got|do have)\s+(?:the\s+|some\s+|a\s+)?"
    r"budget\s+(?:set aside|allocated|approved|for this|for it|earmarked|in place|ready|lined up)"
)
WITHIN_BUDGET = (
    r"\b(?:it's|it is|its|this is|this one's|this one is|that's|that is|we're|we are|it'll be|it will be|"
    r"it falls|it sits|it comes in)\s+"
    r"(?:well\s+|comfortably\s+|easily\s+)?(?:within|in|inside|under|below)\s+(?:my|our)\s+(?:own\s+)?"
    r"(?:budget|sign-?off limit|signing limit|signing authority|spending limit|spend limit|approval "
    r"limit|discretionary (?:budget|spend)|authority|purchasing authority|limit|remit)"
    # the speaker alone decides: "this one's all me", "I can sign it off myself"
    r"|\b(?:it's|this one's|that one's|that's|this is|that is|it is)\s+(?:all|just|only|entirely)\s+"
    r"(?:me|my call|my decision)\b(?=\s*(?:[.,;!?]|$))"
    r"|\bi can (?:sign|approve|sign off) (?:it|this|that|on this|on it)(?: off)? (?:myself|on my own)\b"
)
# Money already set aside: "we've ring-fenced money for this", "we've budgeted for it".
SET_ASIDE = (
    r"\b(?:we|i)(?:'ve| have| had)?\s+(?:already\s+|now\s+)?(?:ring-?fenced|set aside|put aside|"
    r"earmarked|allocated|budgeted|secured|reserved)\s+(?:(?:the|some|enough|a|our)\s+)?"
    r"(?:(?:money|budget|funds|funding|cash|pot|line)\s+)?for\s+(?:this|it|the\s+\w+|that)\b"
)
# The cost is already provided for: "the renewal amount is already budgeted in next year's plan".
BUDGETED = (
    r"\b(?:it|this|that|the\s+(?:[\w-]+\s+){0,2}?(?:amount|cost|costs|fee|fees|spend|price|renewal|"
    r"licen[cs]es?|seats|subscription|tool|investment))(?:'s| is| are| has been| have been)\s+"
    r"(?:already\s+|fully\s+|now\s+|all\s+)*(?:budgeted|budgeted for|accounted for|funded|"
    r"provisioned|in (?:the|our|next year's|this year's) (?:budget|plan|forecast|numbers))\b"
)
APPROVED_BY = (
    r"\b(?:finance|the cfo|our cfo|my boss|the board|our board|procurement|legal|leadership|"
    r"management|the vp|our vp|my manager|the ceo|our ceo|the exec team|they|she|he)\s+"
    r"(?:has\s+|have\s+|already\s+|just\s+|finally\s+|officially\s+)*"
    r"(?:signed off|approved|okayed|green-?lit|(?:given|gave) (?:us )?(?:the |a |their )?(?:green light|go-ahead|ok|thumbs up))"
    # not someone else's project: "they approved the new dorm budget"
    r"(?!\s+(?:the|a|an|their|his|her|our)\s+(?:new\s+|revised\s+|annual\s+)?(?!(?:purchase|deal|contract|"
    r"spend|budget|proposal|quote|pricing|project|po|investment|renewal|licen[cs]es?|seats|tool|platform|"
    r"it|this|that|expansion|pilot|order|paperwork|headcount|tooling|software|seat|rollout|us)\b)[\w-]+)"
)
READY = (
    r"\b(?:we're|we are|i'm|i am|(?:i think|so|yeah|honestly|now|i reckon)\s+were)\s+(?!not\b|never\b|no\b)(?:\w+\s+)?"
    r"(?:ready|keen|eager|excited|happy|good|set|in a position)\s+to\s+"
    r"(?:move forward|go ahead|sign|proceed|buy|purchase|get started|move ahead|roll (?:it |this )?out|"
    r"press ahead|push ahead|press on|crack on|pull the trigger|go for it|commit|get them on|"
    r"get (?:this|it|the deal) (?:over the line|done|signed|moving)|get going|get moving|kick (?:things|"
    r"this|it) off|get the ball rolling)"
    r"|\b(?:we're|i'm|we are|i am) sold\b|\bconsider (?:us|me) sold\b"
    r"|\b(?:we're|we are|i'm|i am)\s+(?:\w+\s+)?(?:fine|happy|ok|okay|comfortable|good|aligned)\s+with\s+"
    r"(?:the\s+|your\s+)(?:pricing|price|quote|proposal|numbers|terms|commercials|offer)"
    r"|\b(?:we'd|we would|we)\s+(?:like|want|love)\s+to\s+(?:move forward|go ahead|proceed|sign|"
    r"get (?:this|it) signed|move ahead|press ahead|push ahead)"
    # "so yeah we wanna do it, let's get them on"
    r"|\b(?:we|i)\s+(?:wanna|want to|are going to|'re going to|'re gonna|are gonna)\s+(?:do it|do this|"
    r"go for it|go ahead with (?:it|this))\b(?!\s+(?:properly|right|ourselves|in-?house|later|again|"
    r"differently|manually|the old way))"
    # no approval chain: "this one doesn't need to go up the chain"
    r"|\b(?:doesn't|does not|doesnt|won't|wont|will not|don't|dont)\s+(?:even\s+)?need\s+to\s+go\s+"
    r"(?:up the chain|up the line|upstairs|to the board|to procurement|any higher|to committee|"
    r"through procurement)"
    r"|\blet's\s+(?:move forward|go ahead with (?:it|this|the \w+)|get (?:this|it) signed|move ahead)"
    r"|\b(?:we've|we have)\s+decided\s+to\s+go\s+(?:with|ahead with)\s+(?:you|sixty|your)"
    r"|\byou're\s+(?:our|the)\s+(?:preferred|top|first)\s+(?:vendor|choice|pick|option)"
    r"|\b(?:don't|do not|won't|will not)\s+need\s+(?:a\s+|any\s+)?(?:separate\s+|further\s+|"
    r"additional\s+|extra\s+|other\s+)?(?:approval|sign-off|sign off)"
    r"|\b(?:we've got|we have|we got|we now have|we've now got)\s+(?:the\s+|their\s+|final\s+)*"
    r"(?:green light|go-ahead|sign-off|approval|funding)"
    r"|\b(?:we'll|we will|we can|we're happy to|we're able to|i'll|i will|ill)\s+(?:get\s+(?:it|this|that)\s+)?"
    r"(?:counter)?sign(?:ed)?\b(?!\s+up\b)"
    # ahead of the others: "you're well in front", "you're the front-runner"
    r"|\b(?:you're|you are|youre|you guys are|sixty is|you're still)\s+(?:well\s+|way\s+|clearly\s+|"
    r"comfortably\s+|definitely\s+|currently\s+|still\s+|miles\s+)*(?:in front|out in front|ahead of "
    r"(?:the (?:others|rest|pack|field)|them|everyone|the competition)|the front-?runners?|the favou?rites?|"
    r"(?:top|first) of (?:the|our|my) (?:list|shortlist|pile)|in pole position|the one to beat|"
    r"leading the pack)"
    r"|\b(?:the|your)\s+(?:price|pricing|quote|proposal|numbers?)\s+(?:works|work|looks? good|"
    r"(?:is|are|seems?|looks?)\s+(?:fine|reasonable|fair|good|within (?:our|my|the) budget))"
)
_PRICE_NOUN = (
    r"(?:price|prices|pricing|price point|quote|proposal|cost|costs|number|numbers|figure|fee|fees|"
    r"rate|rates|licen[cs]e fee|subscription)"
)
_DEGREE = (
    r"(?:frankly|honestly|just|still|quite|rather|pretty|fairly|really|way|a bit|a little|a touch|a tad|"
    r"bit|far|much|simply|definitely|very|too|a lot|significantly|considerably|well)"
)
_DEAR = (
    r"high|steep|expensive|pricey|dear|rich|hefty|much|out of reach|on the (?:high|higher|steep|"
    r"steeper|expensive|pricey|heavy) side|over (?:our|the|my) budget"
)
# Who had the money: "the budget we had for this got cut".
_MONEY_OWNER = (
    r"(?:\s+(?:(?:that|which)\s+)?(?:we|i|they|you)(?:'d|'ve)?\s+(?:had|have|got|were given|had set "
    r"aside|set aside|allocated|had allocated|had earmarked|earmarked|put aside))?(?:\s+for\s+(?:the\s+|"
    r"this\s+|that\s+|next\s+)?[\w-]+)?"
)
BUDGET_BAD = (
    r"\b" + _MONEY + _MONEY_OWNER + r"(?:'s| is| are| has been| was| got| have been|'s been| has "
    r"gotten| were| got| just got| has just been)?\s+"
    r"(?:really\s+|very\s+|pretty\s+|quite\s+|a bit\s+|super\s+|extremely\s+|incredibly\s+|"
    r"already\s+|been\s+)*"
    r"(?:tight|limited|constrained|frozen|cut|slashed|halved|gone|spent|exhausted|stretched|squeezed|"
    r"reduced|pulled|clawed back|taken away|reallocated|redirected|axed|scrapped|"
    r"a (?:concern|problem|challenge|constraint)|an issue|a big issue|the (?:main )?(?:issue|problem))"
)
# Someone cut the money: "the board's cut discretionary spend by a fifth".
BUDGET_CUT = (
    r"\b(?:board|board's|finance|finance's|leadership|management|cfo|cfo's|ceo|ceo's|they|they've|"
    r"corporate|head office|hq|group|the business|the company|execs|exec team|owners|"
    r"investors|parent company|council|trustees|government|funders?)\s+(?:has\s+|have\s+|had\s+|"
    r"just\s+|already\s+|now\s+|also\s+|really\s+|basically\s+|effectively\s+|recently\s+|"
    r"pretty much\s+|officially\s+)*(?:cut|slashed|halved|froze|frozen|reduced|"
    r"trimmed|squeezed|pulled|axed|gutted|clawed back|taken away|took away|capped)\s+(?:back\s+)?"
    r"(?:(?:the|our|my|all|their|its|every|any)\s+)?(?:[\w-]+\s+){0,2}?(?:budgets?|spend|spending|"
    r"funding|money|allocations?)\b"
)
NO_BUDGET = (
    # "Budget?" - "None allocated yet."
    r"\b(?:none|nothing|no money|no funds|no funding)\s+(?:(?:has|have)\s+been\s+)?(?:allocated|"
    r"set aside|earmarked|budgeted|ring-?fenced)\b|"
    r"\b(?:we|i)\s+(?:haven't|have not|havent|didn't|did not|didnt)\s+(?:yet\s+)?(?:budgeted|"
    r"allocated|set aside|earmarked)\s+(?:any|anything|for)\b|"
    r"\b(?:no |zero |don't have (?:the |a |any )?|do not have (?:the |a |any )?|haven't got (?:the |a |any )?|"
    r"not sure (?:we|i) have (?:the |a |any )?|don't think (?:we|i) have (?:the |a |any )?|"
    r"doesn't have (?:the |a |any )?|don't have much |lack (?:the )?|without (?:the )?)"
    r"budget\b(?!\s+(?:concerns?|issues?|problems?|worries))"
)
CAREFUL_SPEND = (
    r"\b(?:careful|cautious|conservative|frugal|tight)\s+(?:with|about|on)\s+"
    r"(?:our\s+|the\s+)?(?:spend|spending|money|costs?|budget|cash|expenses|new tools)"
    r"|\b(?:budget|spending|hiring|purchasing) freeze\b|\bcost[- ]cutting\b|\bcutting costs\b"
    r"|\btighten(?:ing)? (?:our |the )?belts?\b"
)
PRICE_BAD = (
    r"\b(?:(?:your|the|that|this|our)\s+(?:(?!the\b|a\b|an\b|your\b|our\b)[\w-]+\s+)?"
    + _PRICE_NOUN
    + r"(?:'s|\s+(?:is|are|seems|"
    r"seem|looks|look|feels|feel|came in|comes in))\s+(?:" + _DEGREE + r"\s+)*(?:too\s+)?"
    r"(?:" + _DEAR + r")"
    r"|(?:you're|you are|you guys are|it's|it is|this is|that's|that is|it came in|it comes in)\s+"
    r"(?:"
    + _DEGREE
    + r"\s+)*(?:too\s+(?:expensive|pricey|dear|steep|rich|much)|(?:expensive|pricey|"
    r"dear|steep|rich|on the (?:high|higher|expensive|steep|pricey) side) for (?:us|our budget|what we))"
    r"|(?:you're|you are|you guys are|it's|this is|that's)\s+(?:a bit\s+|way\s+|just\s+)?too\s+"
    r"(?:expensive|pricey|steep|rich for us|much for us)"
    r"|out of (?:our|my) (?:price range|budget|league)"
    r"|(?:can't|cannot|can not) afford(?=\s*(?:[.,;!?]|$)|\s+(?:it|this|that|you|them|to|right now|at "
    r"the moment|anything|more|any more|another|a new)\b|\s+(?:the|that|those|these|your|a)\s+"
    r"(?:[\w-]+\s+)?(?:seats?|licen[cs]es?|tool|platform|product|plan|subscription|price|upgrade|"
    r"package|tier|add-on|module|contract|service)\b)"
    r"|more than (?:we|i) (?:can|could|want to|wanted to) (?:spend|pay|afford)"
    r"|more than (?:we|i) (?:budgeted|planned|had planned|expected to (?:spend|pay)|were expecting "
    r"to (?:spend|pay)|have (?:budgeted|set aside))"
    r"|(?:(?:can't|cant|cannot|couldn't|couldnt|can not) (?:really |quite |honestly |see (?:us|me|how "
    r"(?:we|i)) )?|(?:hard|difficult|tough|impossible|struggl(?:e|es|ing|ed)|hard[- ]pressed|unable|not "
    r"able) to )justify(?:ing)? (?:the |this |that |a |an |another |our )?(?:\w+ )?(?:cost|price|spend|spending|"
    r"investment|expense|renewal|budget|year|seats|licen[cs]es)|"
    r"cheaper than (?:your|the|buying|paying for)\s+(?:\w+\s+)?(?:fee|fees|price|pricing|quote|"
    r"subscription|licen[cs]e|tool|product|platform|contract)|(?:can't|cannot|couldn't) justify (?:the |this |that )?(?:cost|"
    r"price|spend|investment|expense)|(?:cost|price|pricing)(?:'s| is) (?:a|the|our) (?:\w+ )?"
    r"(?:concern|issue|problem|sticking point|blocker|hurdle|non-?starter|deal-?breaker|deal breaker|"
    r"showstopper|stumbling block)"
    r"|(?:contract term|contract length|term|terms|commitment|payment terms|minimum|seat minimum|"
    r"length of the contract|multi-year term)(?:'s| is| are) (?:a|an|the|our) (?:\w+ )?(?:issue|"
    r"problem|sticking point|blocker|concern|dealbreaker|deal-breaker|non-starter)"
    r"|(?:can't|cannot|won't be able to|unable to|not able to) commit to\b"
    r"|(?:flagged|pushed back on|balked at|questioned|baulked at|raised concerns about|worried "
    r"about|concerned about|struggling with|choked on)\s+(?:the\s+|your\s+|our\s+)?(?:price|pricing|"
    r"cost|quote|number|numbers|total)"
    r"|(?:came in|comes in|is|was|'s|looks|seems|ended up|are|were)\s+(?:(?:a (?:bit|lot|fair bit|good "
    r"deal|little)|much|way|far|quite a bit|quite a lot|significantly|considerably|quite|frankly|"
    r"honestly)\s+)*(?:higher|more expensive|pricier|steeper|dearer|more) than (?:we|i)(?:'d| had| "
    r"would have)? (?:expected|hoped|budgeted|planned|thought|anticipated|wanted|bargained for|"
    r"(?:were|was) (?:thinking|expecting|hoping for|hoping to (?:spend|pay)|planning on)|had in mind|"
    r"(?:had )?pencil+ed in)"
    r"|(?:(?:it|that|this|you)(?:'s|'re| is| are)|(?:it|that|this) (?:came|comes) in|(?:the|your|that|"
    r"this) "
    + _PRICE_NOUN
    + r"(?:'s| is| are| came in| comes in))\s+(?:"
    + _DEGREE
    + r"\s+)*(?:over|"
    r"above|beyond) what (?:we|i)(?:'d| had| have)? (?:planned|budgeted|expected|wanted)\b"
    r"|not (?:at|for) (?:your|that|this|those|these|the current) (?:price|prices|pricing|price point|"
    r"rates?|numbers?|cost)\b"
    r"|compet(?:e|es|ing)\s+(?:with\s+[^.?!]{0,40}?\s+)?for\s+(?:the same\s+|limited\s+|our\s+|"
    r"the\s+)?(?:budget|money|funding|resources|dollars)|competing priorities"
    r"|(?:paus|freez)(?:e|es|ing) (?:all )?(?:new )?(?:software |tool |saas |tech )?(?:purchases|spend|"
    r"spending|projects|tools|buying|vendors|contracts)"
    r"|(?:cut|cutting|consolidat(?:e|ing)|reduc(?:e|ing)) (?:back on )?(?:the number of )?(?:tools|"
    r"vendors|software|saas|spend)"
    r"|(?:go|going) with (?:the|a) (?:cheaper|other|different) (?:option|vendor|tool|provider)"
    # the price as a reaction: "that's real money", "hard to swallow", "people winced"
    r"|(?:that's|that is|thats|it's|its|it is|which is)\s+(?:\w+\s+)?(?:real|serious|proper|a lot of|"
    r"a fair bit of|big)\s+money\b|(?:hard|tough|difficult|bitter)\s+(?:pill\s+)?to swallow"
    r"|\bsticker shock\b|\bwinc(?:e|ed|ing)\b|\beye-?watering\b"
    r"|(?:it's|its|it is|that's|thats|that is|this is|which is)\s+(?:a\s+)?(?:really\s+|pretty\s+|"
    r"quite\s+)?(?:a\s+)?(?:big|huge|tall|large|real)\s+ask\b"
    # a multiple of what is paid today: "it's double what we pay now"
    r"|\b(?:double|twice|triple|three times|two times|\d+x|\d+ times)\s+(?:what|as much as)\s+"
    r"(?:we|i)(?:'re| are| were)?\s+(?:currently\s+|now\s+)?(?:pay|paid|paying|spend|spent|spending|"
    r"budgeted|had budgeted|planned)\b"
    r"|(?:isn't|is not|not)\s+(?:really\s+)?something\s+(?:we|i)\s+can\s+(?:afford|justify|stretch to)"
    r"|(?:struggle|struggling|hard|tough|difficult|a hard sell|a tough sell)\s+to\s+get\s+(?:it|this|"
    r"that)\s+(?:past|through|approved|signed off)\b|\ba (?:hard|tough) sell\b"
    # the quoted figure above the money put by: "the ballpark you gave us was a fair way north of
    # what we've got set aside", "way above what we have kept aside for this"
    r"|\b(?:north|above|over|beyond|more than|higher than|in excess)\s+(?:of\s+)?what\s+(?:we|i)(?:'ve|"
    r" have| had|'d)?\s+(?:got\s+|have\s+|currently\s+|actually\s+)?(?:set aside|kept aside|put aside|"
    r"budgeted|allocated|earmarked|ring-?fenced|planned for|got in the budget|in the budget|got to spend|"
    r"to spend)\b)"
)
COOL_OFF = (
    # the deal or renewal is in doubt: "it's not a sure thing this year"
    r"\b(?:it's|its|it is|this is|(?:the|this|our) (?:renewal|deal|contract|purchase|expansion|upgrade)(?:'s| is)|renewing(?:'s| is))\s+(?:not|no longer|far from)\s+"
    r"(?:a\s+)?(?:sure thing|given|done deal|foregone conclusion|slam dunk|guaranteed|certainty|"
    r"formality|shoo-in)\b(?=\s*(?:[.,;!?]|$|this (?:year|time|quarter)|any ?more|right now|at the moment|yet))|"
    r"\b(?:(?:not|isn't|is not|aren't|are not) (?:a|our|the) (?:top |big |high |real |main )?"
    r"priority(?: right now| this (?:year|quarter))?"
    # lower on the list: deprioritised, shelved, back burner, on the chopping block
    r"|de-?prioriti[sz](?:ed|ing|e)\b|(?:put|putting|puts|on|onto|to)\s+(?:it\s+|this\s+|the \w+\s+)?"
    r"(?:on\s+)?(?:the|a)\s+back[- ]?burner|(?:been|got|getting|was|were|is|are)\s+(?:\w+\s+)?"
    r"(?:shelved|parked|put on ice|kicked into the long grass)|on the chopping block|first (?:thing |"
    r"things |ones? )?to go\b|(?:not|isn't|is not|nowhere near|far from)\s+(?:exactly\s+|really\s+|quite\s+|"
    r"anywhere near\s+|near\s+|close to\s+)?(?:at\s+)?(?:the\s+)?"
    r"top of (?:the|our|my|anyone's|their) (?:list|pile|agenda|priorities|priority list)"
    r"|(?:further|lower|way) down (?:the|our) (?:list|priority list|pecking order)"
    r"|(?:not|isn't|is not|aren't)\s+(?:very\s+|that\s+|particularly\s+|exactly\s+)?high\s+(?:up\s+)?"
    r"on\s+(?:the|our|anyone's|my|their)\s+(?:list|agenda|priority list|priorities)"
    r"|\b(?:low|lower)\s+on\s+(?:the|our)\s+(?:list|priority list|agenda)"
    r"|(?:can't|cannot|cant|don't|dont|do not|struggle to)\s+see\s+(?:it|this|that|them|the \w+|"
    r"(?:us|finance|the board|leadership|anyone) (?:getting|approving|signing))\s*(?:\w+\s+){0,2}?"
    r"(?:getting|going|making it)?\s*(?:through|approved|signed off|past|over the line)\b"
    r"|(?:we're|we are|i'm|i am) not interested|not moving forward|going to pass|we'll pass"
    r"|(?:put|putting|puts) (?:this|it|things|everything|the project|the deal) on hold"
    r"|(?:is|are) on hold|decided to go (?:with (?:another|a different|someone else|[a-z]+ instead)|"
    r"in (?:a|another) (?:different )?direction)|not the right time"
    r"|not ready to (?:commit|buy|sign|move forward|make a decision|make any decisions|purchase)"
    r"|\b(?:the )?(?:only |main |big |real )?(?:question|issue|problem|concern|challenge|sticking point|"
    r"blocker) (?:is|will be|remains) (?:the |our )?(?:cost|price|pricing|budget|money|funding|spend)"
    r"|only have (?:about |around |roughly |maybe )?\S+(?: \w+)? (?:left|remaining)"
    r"|(?:not much|very little|little|no) (?:budget|money|funding) left"
    r"|(?:got|received|were given|have) less (?:budget |money |funding )?than (?:we|i) (?:asked for|"
    r"requested|wanted|hoped for|needed)"
    r"|(?:decided|going|have|need|needs|had) to hold off|(?:we're|we are|i'm) holding off"
    r"|hold(?:ing)? off (?:for now|on (?:this|it|the \w+|any \w+)|until)"
    r"|timing (?:isn't|is not|just isn't) (?:right|great|ideal)"
    r"|(?:over|above|exceeds?|beyond) (?:our|my) budget"
    r"|struggl(?:e|es|ing|ed) to (?:get|find|justify|secure) (?:the )?(?:budget|money|funding|spend)"
    r"|(?:(?:nobody|no one|no-one)(?:'s| has| have)?(?:\s+got)?\s+(?:the\s+|any\s+)?|(?:don't|do not|"
    r"doesn't|does not|haven't|hasn't|didn't|won't)\s+(?:have|got|have got)\s+(?:the\s+|any\s+|much\s+)?"
    r"|(?:no|zero|little|not much)\s+)(?:bandwidth|capacity|headspace|appetite|time|cycles)\s+(?:for|to)"
    r"\s+(?:[\w-]+\s+){0,3}?(?:new\s+(?:software|tools?|systems?|platforms?|vendors?|projects?|"
    r"initiatives?|purchases?)|another (?:tool|system|platform|vendor|project|year)|(?:a|any)\s+new\s+"
    r"\w+|this (?:project|purchase|rollout|initiative|renewal)|switching|changing (?:tools|systems|"
    r"vendors|platforms)|an? (?:implementation|rollout|migration))"
    r"|(?:appetite|budget|money|funding|interest|buy-in|urgency|will)\s+(?:for\s+(?:[\w-]+\s+){1,3}?)?"
    r"(?:just\s+|really\s+|simply\s+)?(?:isn't|is not|'s not|is no longer|'s no longer)\s+(?:really\s+)?"
    r"there\b|(?:there's|there is)\s+(?:no|zero|little|not much)\s+(?:appetite|urgency|buy-in)"
    r"|(?:this|the|our|that)\s+(?:renewal|deal|contract|partnership|relationship|account|purchase|"
    r"subscription)\s+(?:is|'s|looks|feels|seems)\s+(?:(?!not\b|no\b|never\b)\w+\s+)?"
    r"(?:in (?:real |serious |big |deep |a lot of )?(?:trouble|jeopardy|danger|doubt)|at risk|on thin "
    r"ice|on shaky ground|hanging by a thread))"
)

# Timelines.
TIME_EXPR = (
    r"\b(?:(?:the\s+)?(?:end|start|beginning|middle) of\s+(?:the\s+)?)?"
    + _alt(
        "q1",
        "q2",
        "q3",
        "q4",
        "first quarter",
        "second quarter",
        "third quarter",
        "fourth quarter",
        "this quarter",
        "next quarter",
        "the quarter",
        "fiscal year",
        "new fiscal year",
        "financial year",
        "new financial year",
        "new year",
        "year end",
        "year-end",
        "end of year",
        "this year",
        "next year",
        "the year",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "summer",
        "spring",
        "fall",
        "autumn",
        "winter",
        "christmas",
        "the holidays",
        "next month",
        "this month",
        "the month",
        "next week",
        "two weeks",
        "a few weeks",
        "a couple of weeks",
        "a few months",
        "the next month",
        "the next few weeks",
        "the next few months",
        "the next two months",
        "the next quarter",
        "the next (?:\\w+ )?(?:weeks|months)",
        "(?:\\w+|\\d+) (?:weeks|months|days)",
        "(?:before|by|until) then",
        "(?:before|by|until|ahead of|at|for) (?:the |our )?(?:[\\w-]+ )?(?:renewal|go-live|launch|kickoff|"
        "kick-off|offsite|off-site|peak season|busy season|slowdown|year-end close)",
        "(?:by|on|before) the (?:first|fifteenth|\\w+teenth|twentieth|thirtieth|twenty-\\w+|thirty-\\w+|"
        "\\d+(?:st|nd|rd|th))",
        "asap",
        "the end of the month",
        "(?:first|second|third|fourth|last|final) week of (?:the month|[a-z]+)",
        "(?:the )?week of the \\w+",
        "(?:end|start|beginning|middle|week|weeks) of may",
        "(?:early|late|mid-?) may",
    )
    + r"\b"
)
TIMELINE_GOAL = (
    # ASR "id like them up and running", "the goal would be to have counselors using it by august"
    r"\b(?:(?:id|wed) like|(?:the |our )?(?:goal|aim|plan|target) (?:is|would be|will be|'s))\s+"
    r"(?:(?:to\s+)?(?:have|get|be|see)\s+)?(?:[\w-]+\s+){0,3}?(?:up and running|live|using it|on it|using "
    r"(?:it|this|the \w+)|rolled out|in place|onboarded|trained)"
    # "we're aiming to have the RFP out in August and an award by October"
    r"|\b(?:aim|aiming|plan|planning|hope|hoping|expect|expecting|want|intend|intending)\s+to\s+have\s+"
    r"(?:the|an?|our)\s+(?:[\w-]+\s+)?(?:rfp|rfq|tender|contract|award|decision|po|purchase order|"
    r"shortlist|pilot|paperwork)\s+(?:out|done|signed|issued|awarded|agreed|approved|finished|complete|"
    r"in place|made|in)\b"
    # when the decision falls: "that's realistically when a yes or no happens", "they meet in January"
    r"|\bwhen (?:a|the|our|we get a|you'll get a|we'll have a)\s+(?:yes or no|yes/no|decision|answer|"
    r"go/no-go|go or no-go|verdict|final answer)\b"
    r"|\b(?:they|the board|the committee|the (?:[\w-]+\s+)?committee)\s+(?:next\s+)?(?:meet|meets|sit|"
    r"sits|convene|convenes)\b"
    r"|\b(?:(?:want|need|'d like|would like|like|hope|hoping|plan|planning|aim|aiming|expect|"
    r"expecting|have|has|must|got|trying|looking)\s+to\s+(?:be|go|get|have (?:it|this|everything|"
    r"them|the \w+)|have)\s+(?:\w+\s+)?(?:live|up and running|running|launched|rolled out|deployed|"
    r"implemented|signed|set up|in place|on board|onboarded|done|sorted|on it|using it|decided)"
    r"|(?:want|need|'d like|would like|hope|hoping|plan|planning|aim|aiming|expect|expecting|"
    r"have to|must|got to|trying|ideally|'d|would|will|'ll|should)\s+(?:[\w-]+\s+){0,6}?"
    r"(?:live|up and running|launched|rolled out|deployed|implemented|in place|onboarded|"
    r"operational|signed|sorted|wrapped up|finali[sz]ed|running|set up|fixed|solved|resolved|"
    r"addressed|picked|chosen|selected|decided|agreed)"
    r"|(?:wants?|needs?|expects?|asked for|requires?)\s+(?:[\w-]+\s+){1,6}?(?:by|before|ahead of)\b"
    # when the decision falls: "the decision gets made at our budget review", "decision happens then"
    r"|decision (?:gets|is|will be|'ll be|would be|should be|needs to be|has to be|must be|is being) "
    r"(?:made|taken)|decisions? (?:happens?|will happen|is due|lands|are made|get made)|decision date"
    r"|(?:budget|planning|spend|software|annual|quarterly|renewal) (?:review|session|meeting|round|"
    r"committee)|(?:got|have|has|get)\s+until\b"
    # a thing that has to happen by a date: "the PO has to be raised before the 20th"
    r"|\b(?:po|purchase order|order|contract|paperwork|signature|agreement|deal|approval|decision|"
    r"it|it's|its|this|that|everything|we|rollout|migration|switch)\s+(?:has to|have to|must|needs to|"
    r"need to|got to|gotta|has got to|should|'s got to|'s gotta)\s+(?:be\s+)?"
    r"(?:[\w-]+\s+){0,4}?(?:by|before|ahead of|no later than)\b"
    # when the money or the decision gets fixed: "the budget gets locked on the 22nd"
    r"|(?:budget|budgets|numbers|plan|headcount|funding|decision|approval|po|purchase order)\s+"
    r"(?:gets|get|will get|will be|'ll be|is|are|should be|is being|goes|go)\s+(?:locked|finali[sz]ed|"
    r"set|confirmed|agreed|signed off|decided|approved|raised|issued)\b"
    # the decision's stage: "it'll go to the board in March"
    r"|(?:go|goes|going|'ll go|will go|take it|taking it|present it|presenting it|present this|"
    r"bring it|bringing it)\s+(?:up\s+)?(?:to|in front of|before)\s+(?:the|our)\s+(?:board|"
    r"committee|exec\w*|leadership(?: team)?|cfo|ceo|investment committee|steering committee)\b"
    r"|(?:new\s+)?(?:fiscal|financial)(?: year)? (?:starts|ends|begins|kicks off|rolls over|resets)"
    r"|roll (?:it|this|that|them|everything|\w+) out|go(?:ing)?[- ]live|be live|launch(?:ing)?|roll(?:ing)?[- ]?out|rollout|deploy(?:ing|ment)?|"
    r"implement(?:ing|ation)?|kick(?:ing)? ?off|start using|switch(?:ing)? over|migrat(?:e|ing|ion)|"
    r"onboard(?:ing)?|have (?:reps|the team|everyone|people|our team|the reps|them) (?:on|using)|"
    r"(?:need|want|'d need|expect|wants|needs)\s+(?:an?\s+|the\s+|our\s+)?(?:answer|decision|"
    r"solution|fix|contract|signature|something in place|this (?:done|in place|live|sorted)|"
    r"it (?:done|in place|live|sorted))|"
    r"(?:make|making) (?:a|the|our) (?:decision|call)|decid(?:e|ing)|sign(?:ing)? (?:off|the contract)?|"
    r"(?:contract|subscription|licen[cs]e|renewal|agreement)\s+(?:with\s+(?:[\w-]+\s+){1,3}?)?(?:ends|expires|"
    r"renews|is up|runs out|comes up|lapses|is coming up|is due|ends|will end)|"
    r"(?:need|want|needs|wants)\s+(?:this|it|something|a solution|a tool|that)\s+"
    r"(?:in place\s+|live\s+|running\s+|sorted\s+)?(?:by|before)\b|"
    r"fiscal year (?:starts|ends|begins|kicks off)|(?:^|(?<=[.!?:]\s))(?:[\w'-]+\s+){1,4}?(?:by|before)"
    r"\s+(?=(?:the\s+)?(?:end|start|beginning|middle|q[1-4]|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|next|this|our|the new))|(?:we'd|we would|we'll|we will|we're going to|"
    r"we plan to|we're planning to|we hope to)\s+(?:\w+\s+)?(?:start|begin|kick off|launch|roll out|"
    r"go live)\b|(?:process|review|approval|procurement|sign-off|"
    r"onboarding|implementation|legal|security|cycle)\s+(?:\w+\s+)?(?:takes|take|will take|can take|"
    r"usually takes|typically takes|normally takes|tends to take)\b|(?:want|need|plan|planning|hope|hoping|aim|aiming|"
    r"expect|expecting|like|'d like)\s+to\s+(?:start|begin|kick off|get started)\b|(?:need|have|want|plan|planning|hoping|aim|"
    r"aiming)\s+to\s+(?:switch|move|migrate|change (?:vendors|providers|tools|over))\b|(?:budget|planning) cycle|deadline|timeline|time ?frame|target date|cut-?off|"
    r"(?:anything|sometime|something|any time)\s+(?:this side of|before|by|in)\b[^.?!]{0,40}\b"
    r"(?:is|would be|'s)\s+(?:fine|ok|okay|good|great)|no rush)\b"
)

# A prospect's promise to come back to the rep.
PROSPECT_FUTURE = (
    r"\b(?:i'll|i will|i'm going to|i am going to|i'm gonna|we'll|we will|we're going to|"
    + ASR_ILL
    + r"|im going to|im gonna|"
    r"we are going to|let me|i can|i shall|i'll be sure to|i'll make sure to)" + _FILLER
)
FOLLOWUP_VERB = _alt(
    "get back to you",
    "get back to you guys",
    "come back to you",
    "circle back",
    "loop back",
    "follow up",
    "let you know",
    "keep you posted",
    "keep you in the loop",
    "update you",
    "send you",
    "send it over",
    "send it back",
    "send them back",
    "send that back",
    "get it back to you",
    "get them back to you",
    "send them over",
    "send that over",
    "send over",
    "get you",
    "get it to you",
    "get (?:[\\w-]+ ){1,5}(?:over |back )?to you",
    "send (?:[\\w-]+ ){1,5}(?:over |back )?to you",
    "get them to you",
    "get that to you",
    "get those to you",
    "share it with you",
    "share them with you",
    "share that with you",
    "confirm",
    "revert",
    "report back",
    "touch base",
    "ping you",
    "email you",
    "drop you a line",
    "drop you a note",
    "reach out to you",
    "reach back out",
    "shoot you",
    "give you a call",
    "give you an answer",
    "give you a ring",
    "give you feedback",
    "have an answer for you",
    "have something for you",
    "call you back",
    "text you",
    "message you",
    "call you",
    "ring you",
    "phone you",
    "buzz you",
    "give you a shout",
    "give you a bell",
)


@dataclass(frozen=True)
class Frame:
    """One pattern for one label: who may say it and how strong it is on its own."""

    label: str
    side: Side
    pattern: re.Pattern[str]
    strength: float
    # How the frame is to be read: "commit" (first-person future), "offer" (can/could,
    # wants the other party's acceptance), "ask" (a question proposing something: the
    # reply decides), "state" (a present-tense statement), "negative_ok" (negation is part
    # of the frame and must not cancel it).
    mode: str = "state"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


FRAMES: tuple[Frame, ...] = (
    # commitment:send_proposal
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(
            FUTURE_I
            + CONTINUE
            + r"\s*"
            + SEND_VERB
            + _gap(6)
            + r"\s+(?:(?:a|an|the|our|your|my|some|"
            r"updated|revised|new|formal|final|official|detailed|draft)\s+)*"
            + r"(?:[\w-]+\s+){0,3}?"
            + PROPOSAL_OBJ
            + NOT_AFTER_PROPOSAL
        ),
        0.9,
        "commit",
    ),
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(OFFER_I + r"\s*" + SEND_VERB + _gap(6) + r"\s+" + PROPOSAL_OBJ + NOT_AFTER_PROPOSAL),
        0.8,
        "offer",
    ),
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(
            QUESTION_OFFER
            + r"\s*"
            + SEND_VERB
            + _gap(6)
            + r"\s+"
            + PROPOSAL_OBJ
            + NOT_AFTER_PROPOSAL
        ),
        0.85,
        "ask",
    ),
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(
            r"\bexpect\s+(?:a|an|the|my|our)?\s*(?:[\w-]+\s+){0,3}?"
            + PROPOSAL_OBJ
            + r"\s+from\s+(?:me|us)\b"
        ),
        0.85,
        "commit",
    ),
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(
            r"\byou'll (?:have|get|receive|see)\s+(?:a|an|the|my|our)?\s*(?:[\w-]+\s+){0,3}?"
            + PROPOSAL_OBJ
            + r"\b"
        ),
        0.86,
        "commit",
    ),
    Frame(
        "commitment:send_proposal",
        "rep",
        _c(FUTURE_I + r"\s*price (?:that|it|this|those|them|everything) out\b"),
        0.86,
        "commit",
    ),
    # commitment:schedule_meeting
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(FUTURE_I + CONTINUE + r"\s*" + SCHED_VERB + _gap(7) + r"\s+" + MEETING_OBJ + r"\b"),
        0.88,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "rep",
        _c(
            FUTURE_I
            + CONTINUE
            + r"\s*(?:send|get|shoot)\s+(?:you\s+|over\s+|across\s+|out\s+)*(?:an?\s+|some\s+|"
            r"a few\s+|a couple of\s+|my\s+|two\s+|three\s+|the\s+|an updated\s+|a new\s+)?"
            r"(?:calendar\s+|meeting\s+|time\s+|zoom\s+|teams\s+)?"
            r"(?:invite|invitation|hold|times|options|dates|"
            r"slots|availability|booking link|calendar link|scheduling link|calendly(?: link)?)\b"
        ),
        0.88,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(
            r"(?:" + FUTURE_I + r"|" + QUESTION_OFFER + r")\s*(?:get|put|have)" + _gap(5) + r"\s+"
            r"(?:(?:on|in|into)\s+(?:the|your|our|my|both)?\s*(?:calendars?|diary|diaries|books)|"
            + MEETING_OBJ
            + r"\s+(?:booked|scheduled|set up|arranged|organi[sz]ed|lined up|"
            r"in the diary|on the calendar))\b"
        ),
        0.88,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(OFFER_I + r"\s*" + SCHED_VERB + _gap(7) + r"\s+" + MEETING_OBJ + r"\b"),
        0.78,
        "offer",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(QUESTION_OFFER + r"\s*" + SCHED_VERB + _gap(7) + r"\s+" + MEETING_OBJ + r"\b"),
        0.85,
        "ask",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(
            r"(?:" + FUTURE_I + r"|" + QUESTION_OFFER + r")\s*(?:meet|meet up|reconvene|regroup|"
            r"reconnect|get together|talk again|speak again|chat again|sync up|sync again|catch up "
            r"again|meet again)\b[^.?!]{0,40}?(?:\b(?:next|"
            r"this|on|early|later|tomorrow|monday|tuesday|wednesday|thursday|friday|in (?:a|two|three) "
            r"weeks?)\b|" + TIME_EXPR + r")"
        ),
        0.84,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(
            r"\b(?:does|would|will|how does|how would|how about|what about)\s+(?:next\s+|this\s+)?"
            r"(?:monday|tuesday|wednesday|thursday|friday|next week|tomorrow)"
            r"(?:\s+(?:morning|afternoon|at \w+(?:\s?[ap]m)?))?[^.?!]{0,25}?\b(?:work|suit|be good|"
            r"be ok)\b"
            # "How's Thursday at two for a demo?", "Is Monday afternoon any good?"
            r"|\b(?:how's|how is|is|are you (?:free|around|available)(?: on)?)\s+(?:next\s+|this\s+)?"
            r"(?:monday|tuesday|wednesday|thursday|friday|tomorrow)(?:\s+(?:morning|afternoon|at "
            r"\w+(?:\s?[ap]m)?))?[^.?!]{0,25}?(?:\bfor\s+(?:a|an|the|our|another)?\s*"
            + MEETING_OBJ
            + r"\b|\b(?:any good|looking|ok|okay|good)\s*\?|\?)"
        ),
        0.84,
        "ask",
    ),
    Frame(
        "commitment:schedule_meeting",
        "any",
        _c(
            r"(?:"
            + FUTURE_I
            + r"|"
            + QUESTION_OFFER
            + r")\s*(?:pencil in|pencil|lock in|book|hold|"
            r"block out|block|grab|schedule|put in|put)(?:\s+(?:something|a time|some time|a slot|time|"
            r"a session|it|that|one|(?:another\s+|a quick\s+)?(?:fifteen|twenty|thirty|forty-five|forty|"
            r"sixty|ninety|\d+|a few|ten)\s+(?:minutes|mins)|half an hour|an hour))?\s+(?:in\s+|for\s+|"
            r"in for\s+)?(?:next\s+|this\s+|on\s+)?"
            r"(?:monday|tuesday|wednesday|thursday|friday|the (?:first|second|third|\w+teenth|twentieth|"
            r"thirtieth|twenty-\w+|thirty-\w+|\d+(?:st|nd|rd|th)) of (?:january|february|march|april|may|"
            r"june|july|august|september|october|november|december))\b"
        ),
        0.86,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "rep",
        # "I'd like to get our solutions engineer on with Imogen this week": a session being set up.
        _c(
            r"(?:"
            + FUTURE_I
            + r"|"
            + QUESTION_OFFER
            + r"|\b(?:i'd like to|i would like to|i want to|"
            r"we'd like to|i'd love to))\s*(?:get|have|bring|put|line up)\s+(?:our|my|a|an|the|one of our)\s+"
            r"(?:[\w-]+\s+){0,2}?(?:engineers?|se|sa|architects?|specialists?|experts?|consultants?|"
            r"team|colleagues?|lead|manager|cto|ceo|founder|vp|head of \w+|csm|implementation \w+|"
            r"support \w+|product \w+)\s+(?:on|in|together|on a call|on the phone|on zoom)\s+with\s+"
            r"(?:you|your|\w+)\b[^.?!]{0,40}?(?:\b(?:next|this|tomorrow|monday|tuesday|wednesday|"
            r"thursday|friday)\b|" + TIME_EXPR + r")"
        ),
        0.86,
        "commit",
    ),
    Frame(
        "commitment:schedule_meeting",
        "rep",
        # Proposals decided by the reply: "shall we get the MD on a call?", "do you want to get Jeff on
        # a call with our solutions guy?", "should we stick something in for late January?"
        _c(
            QUESTION_OFFER
            + r"\s*(?:get|bring|have|put|pull|rope)\s+(?:[\w'-]+\s+){1,4}?(?:on|onto|in|into)\s+"
            r"(?:a|the|another|one)\s+(?:quick\s+|short\s+|joint\s+)?(?:call|zoom|teams call|meeting|"
            r"session|demo|room)\b"
            r"|" + QUESTION_OFFER + r"\s*(?:stick|pop|put|pencil|get|grab|book|find|lock|block)\s+"
            r"(?:something|a time|some time|a slot|a date|a day|time|one|a session)\s+(?:in\b|in for\b|"
            r"for\b|in the (?:diary|calendar)\b)"
            # "should we put a follow-up in?", "shall I send over a couple of slots?"
            r"|"
            + QUESTION_OFFER
            + r"\s*(?:put|pop|stick|get|pencil)\s+(?:a|an|another)\s+(?:quick\s+|"
            r"short\s+)?" + MEETING_OBJ + r"\s+in\b"
            r"|"
            + QUESTION_OFFER
            + r"\s*(?:send|share|get|shoot)\s+(?:you\s+|over\s+|across\s+)*(?:a few\s+|"
            r"a couple of\s+|some\s+|two\s+|three\s+)?(?:times|slots|options|dates|invites?|calendar invites?|"
            r"my availability)\b"
        ),
        0.78,  # unanswered or put off ("let me talk to him first"), it stays below the cut
        "ask",
    ),
    Frame(
        "commitment:schedule_meeting",
        "rep",
        # A slot put as a question: "Thursday at 3 pm will suit?", "Pilot kickoff, Tuesday the
        # ninth, ten a.m.?" - the reply decides.
        _c(
            r"(?:^|(?<=[.!?]\s))\W*(?!(?:what|when|why|how|who|where|which|did|do|does|was|were|has|"
            r"have|had|is|are)\b)[^.?!]{0,30}?\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|"
            r"the \d{1,2}(?:st|nd|rd|th))\b"
            r"[^.?!]{0,25}?(?:\b\d{1,2}(?::\d\d)?\s?[ap]\.?m\b\.?|\b(?:one|two|three|four|five|six|"
            r"seven|eight|nine|ten|eleven|twelve)(?:\s+(?:thirty|fifteen|forty-five))?\s*(?:[ap]\.?m\b\.?|"
            r"o'clock)|\bnoon\b|\b(?:will|would|does|do) (?:suit|work)\b|\bsuits?\b|\bworks?\b)"
            r"[^.?!]{0,30}\?"
        ),
        0.82,
        "ask",
    ),
    Frame(
        "commitment:schedule_meeting",
        "rep",
        _c(
            r"\b(?:next steps?(?: would be| is| could be)?|how about|what about|fancy|up for|worth)[:,]?\s+"
            r"(?:a|an|another)\s+(?:[\w-]+\s+){0,2}?" + MEETING_OBJ + r"\b[^.?!]{0,60}\?"
        ),
        0.84,
        "ask",
    ),
    # request:send_content
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:(?:can|could|would|will)\s+(?:you|y'all|you guys),?|(?:would|will|could) you be able to|"
            r"are you able to)\s+(?:also\s+|please\s+|possibly\s+|"
            r"just\s+|maybe\s+|kindly\s+)*" + REQUEST_VERB + _gap(5) + r"\s+" + CONTENT_OBJ + r"\b"
        ),
        0.9,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:(?:would|do) you )?mind (?:also\s+|just\s+)?(?:sending|sharing|forwarding|emailing|"
            r"passing along|dropping)" + _gap(5) + r"\s+" + CONTENT_OBJ + r"\b"
        ),
        0.88,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:if you (?:could|can|would|don't mind|get a chance to)|any chance you (?:could|can)|"
            r"is it possible (?:for you )?to|would it be possible (?:for you )?to)\s+(?:also\s+|please\s+|just\s+)*"
            r"(?:" + REQUEST_VERB + r")" + _gap(5) + r"\s+" + CONTENT_OBJ + r"\b"
        ),
        0.86,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:please|pls|kindly),?\s+(?:do\s+|also\s+|just\s+|also just\s+)?"
            + REQUEST_VERB
            + _gap(5)
            + r"\s+"
            + CONTENT_OBJ
            + r"\b"
        ),
        0.9,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:do|would) you (?:happen to )?have\s+(?:a|an|any|some|the)?\s*(?:[\w-]+\s+){0,3}?"
            + CONTENT_OBJ
            + r"\b[^.?!]{0,60}\b(?:send|share|forward|pass along|could see|"
            r"i could (?:see|read|look)|to share)"
            # "Do you have anything on ROI you could send?"
            r"|\b(?:do you (?:happen to )?have|have you got|is there)\s+(?:anything|something|much|stuff)\s+"
            r"(?:on|about|around|covering|showing|for)\b[^.?!]{1,40}?\b(?:send|share|forward|pass along)"
        ),
        0.88,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:i'd|i would|we'd|we would)\s+(?:love|like|appreciate)\s+(?:to\s+(?:see|get|have|"
            r"receive|read)\s+|it if you (?:could\s+)?(?:sent|send|shared|share)\s+)?"
            r"(?:a copy of\s+)?(?:a|an|the|your|some|any)\s+(?:[\w-]+\s+){0,3}?"
            + CONTENT_OBJ
            + r"\b"
        ),
        0.82,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"^\W*(?:(?:yes|yeah|sure|great|perfect|oh)\W+)*(?:please|pls),?\s+(?:do\s+)?"
            r"(?:send|share|forward)\s+(?:it|that|those|them|one|some|over|me one|us one|it over)\b"
        ),
        0.85,
        "reply_content",
    ),
    Frame(
        "request:send_content",
        "prospect",
        # "Could you send that over?" right after the rep named a document.
        _c(
            r"\b(?:can|could|would|will)\s+(?:you|you guys),?\s+(?:also\s+|please\s+|just\s+)*"
            r"(?:send|share|forward|email|flick|shoot|pass along|pop|fire)\s+(?:me\s+|us\s+)?"
            r"(?:that|it|those|them|this|one|both)\b"
            r"|\b(?:send|shoot|flick|pass|forward|email)\s+(?:it|that|them|those|this|one|both)\s+"
            r"(?:over\s+)?(?:my|our)\s+way\b"
            r"|(?:^|(?<=[.!?,]\s))\W*(?:and\s+|then\s+|just\s+|so\s+)?(?:send|shoot|flick|forward|"
            r"email)\s+(?:me|us)\s+(?:that|it|those|them|this|both)\b"
        ),
        0.86,
        "reply_content",
    ),
    Frame(
        "request:send_content",
        "prospect",
        # "Anything you've got on ROI, send it my way."
        _c(
            r"\b(?:anything|everything|whatever)\s+(?:you've|youve|you have|you)\s+(?:got|have)\s+"
            r"(?:on|about|around|for|re|covering|showing)\b[^.?!]{1,50}?\b(?:send|shoot|flick|pass|"
            r"forward|email)\s+(?:it|that|them|those|over|across)\b"
        ),
        0.86,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"(?:^|(?<=[.!?,]\s))\W*(?:and\s+|also\s+|oh,?\s+|then\s+|just\s+)?(?:send|share|forward|"
            r"email)(?:\s+(?:me|us|over|along|across))?\b" + _gap(5) + r"\s+" + CONTENT_OBJ + r"\b"
        ),
        0.86,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:is there|have you got|are there)\s+(?:a|an|any|some)\s+(?:[\w-]+\s+){0,3}?"
            + CONTENT_OBJ
            + r"\b[^.?!]{0,40}\b(?:send|share|forward|pass along)"
            r"|\b(?:can|could|may)\s+(?:i|we)\s+(?:get|have|grab|see)\s+(?:a copy of\s+)?(?:the|a|an|"
            r"your|that|those|some|any)\s+(?:[\w-]+\s+){0,3}?" + CONTENT_OBJ + r"\b"
            r"|\bit (?:would|'d) be (?:great|helpful|useful|good|nice) to (?:get|see|have|receive)\s+"
            r"(?:a copy of\s+)?(?:the|a|an|your|some|any)\s+(?:[\w-]+\s+){0,3}?"
            + CONTENT_OBJ
            + r"\b"
        ),
        0.86,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:(?:i'd|we'd|i would|we would|i|we|i'll|we'll|i will|we will)\s+(?:also\s+|"
            r"definitely\s+|still\s+)*(?:need|want|require)\s+(?:to (?:see|get|have|review)\s+)?"
            r"(?:the|your|a copy of (?:the|your))|"
            r"(?:she|he|they|she'll|he'll|they'll|legal|security|procurement|our \w+(?: team)?)\s+"
            r"(?:also\s+|definitely\s+|still\s+|will\s+|would\s+)*(?:need|needs|want|wants|require|"
            r"requires|asked for|is asking for|are asking for|will ask for|'ll ask for)\s+(?:the|your|"
            r"a|an|a copy of (?:the|your)))\s+(?:[\w-]+\s+){0,3}?" + CONTENT_OBJ + r"\b"
        ),
        0.8,
        "state",
    ),
    Frame(
        "request:send_content",
        "prospect",
        _c(
            r"\b(?:can|could|would) you (?:also\s+|please\s+|just\s+)*(?:send|share|email|forward|"
            r"write up|put together)\s+(?:me|us|over)?\s*(?:what|how) (?:that|this|it|the \w+)\s+"
            r"(?:would|will|might|could) (?:look|work|cost)"
        ),
        0.82,
        "state",
    ),
    # signal:multi_stakeholder
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(STAKEHOLDER + r"[^.?!;]{0,60}?\b" + DECIDE + r"\b"),
        0.86,
        "stake",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(r"\b" + DECIDE + r"\b[^.?!;]{0,40}?" + STAKEHOLDER),
        0.86,
        "stake",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(r"\b" + DECIDE_WEAK + r"\s+" + STAKEHOLDER),
        0.74,
        "stake_weak",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        # "We won't get anything past our CFO without an ROI": a gatekeeper, said by negation.
        _c(
            r"\b(?:not|never|won't|can't|cannot|couldn't|wouldn't)\s+(?:gonna\s+|going to\s+|be able to\s+)?"
            r"get\s+(?:anything|it|this|something|a deal|the deal|that|any\s+\w+)\s+(?:past|through|by)\s+"
            + STAKEHOLDER
        ),
        0.84,
        "negative_ok",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(
            r"\b(?:she|he|they)(?:'ll| will| would| 'd| needs? to| has to| have to| wants? to|"
            r"'ll want to| will want to| will need to| would want to| always| usually)\s+"
            r"(?:\w+\s+){0,2}?" + DECIDE + r"\b"
        ),
        0.8,
        "stake_pronoun",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(
            r"\b(?:she|he|they)(?:'s|'ve|\s+has|\s+have)\s+(?:now\s+)?got\s+the\s+(?:final|last)\s+(?:say|call|"
            r"word|decision)\b|"
            r"\b(?:she|he|they)\s+(?:still\s+|also\s+|really\s+|will\s+|'ll\s+|would\s+)*(?:wants?|"
            r"needs?|requires?|insists? on|expects?|has to|have to|must)\b[^.?!;]{0,60}?\b"
            + DECIDE
            + r"\b"
        ),
        0.8,
        "stake_pronoun",
    ),
    Frame("signal:multi_stakeholder", "prospect", _c(DECISION_DISCLAIMER), 0.88, "negative_ok"),
    Frame("signal:multi_stakeholder", "prospect", _c(DECISION_ROLE), 0.86, "stake_named"),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(
            r"\b(?:he|she|they)\s+(?:signs|approves|signs off on|owns|holds|controls)\s+(?:all\s+|the\s+|"
            r"our\s+|any\s+)*(?:contracts?|deals?|purchases?|spend|budget|invoices|paperwork|pos?|"
            r"purchase orders?|cheques|checks)\b"
        ),
        0.84,
        "state",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(r"\bit\b[^.?!;]{0,50}?\b" + DECIDE + r"\b|\b" + DECIDE + r"\b[^.?!;]{0,30}?\bit\b"),
        0.84,
        "stake_it",
    ),
    Frame(
        "signal:multi_stakeholder",
        "prospect",
        _c(
            r"\b(?!i\b|we\b|you\b|it\b|that\b|this\b|i'll\b|we'll\b|you'll\b)[a-z]+(?:'ll|'d)?\s+"
            r"(?:has|have|makes|make|will make|would make|gets|get|owns|will have|'s got|has got|"
            r"'ve got|have got) the final "
            r"(?:call|decision|say|word)|\bthe final (?:decision|call|say)"
            r"\s+(?:is|sits|rests|lies|will be) with (?!me\b|us\b)"
        ),
        0.84,
        "stake_named",
    ),
    # signal:competitive
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:also\s+|currently\s+|already\s+|been\s+)?"
            + EVALUATE
            + r"\s+(?:[\w'-]+,?\s+){0,5}?"
            r"(?:" + VENDOR_RE + r"|" + GENERIC_ALT + r")"
        ),
        0.9,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            # "we've had Clari in twice", "we've got Avoma coming in to demo"
            r"\b(?:had|have|got|having|bringing|brought)\s+(?:"
            + VENDOR_RE
            + r")\s+(?:coming\s+|come\s+)?"
            r"(?:back\s+)?in\b|"
            r"(?:" + VENDOR_RE + r")(?:\s+and\s+\w+)?\s+(?:is\s+|are\s+|has been\s+|have been\s+)?"
            r"(?:also\s+|already\s+)?(?:coming in|coming back in|pitching|offering|quoting|courting|chasing|demoing|demoed|pitched|"
            r"quoted|offered|came in|reached out|is cheaper|are cheaper|is offering|showed us|"
            r"came back with|made us|countered|undercut|matched|dropped their price|"
            r"gave us|(?:also |still )?in the (?:running|mix|frame)|(?:also |still )?on (?:the|our) short-?list)"
        ),
        0.88,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(r"\b" + CURRENT_USE + r"\s+(?:[\w-]+,?\s+){0,4}?" + VENDOR_RE),
        0.86,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"(?:"
            + GENERIC_ALT
            + r"|another company|a competitor)\s+(?:already\s+|also\s+)?(?:offered|"
            r"quoted|pitched|came in|is cheaper|are cheaper|is offering|gave us|showed us)"
        ),
        0.86,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:our|the) (?:current|existing) (?:provider|vendor|supplier|tool|solution|platform)\s+"
            r"(?:is|are|keeps|has been|just)\s+(?:\w+\s+)?(?:raising|increasing|hiking|putting up|"
            r"charging|pushing|failing|letting us down|too|not|renewing|up for renewal)"
        ),
        0.82,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:were|got|been|was|are being|have been)\s+(?:quoted|pitched|offered|approached|"
            r"contacted|demoed)\b[^.?!]{0,40}?\bby\s+(?:" + VENDOR_RE + r"|" + GENERIC_ALT + r")"
        ),
        0.86,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:how|what makes you|in what way)\s+(?:are you|is this|is sixty|do you|does this)\s+"
            r"(?:\w+\s+)?(?:different|differ|compare|stack up|better)\s+(?:from|to|than|against|with)\s+"
            + VENDOR_RE
        ),
        0.8,
        "competitor_q",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:needs?|require|requires|have to get|has to get|must get|get|getting|collect|want)\s+"
            r"(?:at least\s+)?(?:three|multiple|several|competing|two|other|a few|3|2) (?:quotes|bids|"
            r"proposals|vendors|options)\b"
        ),
        0.84,
        "state",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            r"\b(?:also\s+|currently\s+|already\s+|been\s+)?(?:"
            + EVALUATE_NAMED
            + r")\s+(?:the\s+)?"
            r"(?P<name>[a-z][\w&-]*(?:\.[a-z][\w&-]*)*(?:'s)?)(?=[\s,.;!?]|$)"
        ),
        0.84,
        "competitor_named",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        # another product running now against ours: "we're running iManage Insight in parallel",
        # "we've got clari on a pilot", "mucking around with HubSpot sequences on a free trial"
        _c(
            r"\b(?:running|trialling|trialing|piloting|testing|playing (?:around |about )?with|"
            r"mucking (?:around|about) with|messing (?:around|about) with|fiddling (?:around )?with|"
            r"tinkering with|have|'ve got|got|have got|using)\s+(?:the\s+)?"
            r"(?P<name>[a-z][\w&-]*(?:\.[a-z][\w&-]*)*(?:'s)?)(?:\s+[\w-]+){0,3}?\s+"
            r"(?:in parallel|side[- ]by[- ]side|head[- ]to[- ]head|on (?:a|the) (?:free )?(?:trial|pilot)|"
            r"on trial|on the side)\b"
        ),
        0.86,
        "competitor_named",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        # a home-grown alternative in use: "we have built one in-house module and the team still uses it"
        _c(
            r"\b(?:we've|we have|we|we've got|we have got|we've already|we already|they've|they have)\s+"
            r"(?:already\s+|also\s+)?(?:built|developed|written|coded|got)\s+(?:(?:a|an|one|our own|"
            r"some|its own|their own)\s+)?(?:[\w-]+\s+){0,2}?(?:in-?house|home-?grown|internal|"
            r"bespoke|custom)\s+(?:[\w-]+\s+){0,2}?(?:tool|module|system|solution|app|thing|build|"
            r"version|platform|tracker|database)\b"
            r"|\b(?:we've|we have|we)\s+(?:already\s+)?(?:built|developed)\s+(?:one|it|our own|something)\s+"
            r"(?:in-?house|ourselves|internally)\b"
        ),
        0.84,
        "state",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        # a vendor we already pay offering the same: "our CRM vendor is bundling something similar"
        _c(
            r"\b(?:our|the)\s+(?:current\s+|existing\s+)?(?:[\w-]+\s+)?(?:vendor|provider|supplier)\s+"
            r"(?:is|are|has|have|'s|just|already|also)\s+(?:\w+\s+)?(?:offering|offered|bundling|bundled|"
            r"throwing in|thrown in|pitching|pitched|including|included|quoting|quoted)\b"
        ),
        0.84,
        "competitor_generic",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        # "We also have an incumbent, Mediafly, whose contract renews in March."
        _c(
            r"\b(?:we|we've|we also|we still)\s+(?:also\s+|still\s+|already\s+)*(?:have|'ve got|"
            r"have got|got)\s+(?:an|the|our)\s+incumbent\b"
        ),
        0.86,
        "competitor",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        _c(
            # the alternative as a relative clause: "the other mob we've been looking at is..."
            r"\b(?:the other|another|the second|the only other)\s+(?:mob|crowd|lot|vendor|provider|"
            r"supplier|option|tool|company|platform|product|solution|guys|one|team|outfit|player)s?\s+"
            r"(?:(?:that|which|who)\s+)?(?:we're|we are|were|we've been|we have been|i'm|i've been|"
            r"we're also|we've also been)\s+(?:also\s+|seriously\s+)?(?:looking at|considering|"
            r"evaluating|talking to|talking with|speaking to|speaking with|trialling|trialing|"
            r"comparing|weighing up|piloting|testing)\b"
            # who the rep is competing with: "that's the one you're up against"
            r"|\b(?:you're|you are|youre|you guys are|you'd be|you'll be|you'd be going)\s+"
            r"(?:really\s+|mainly\s+|mostly\s+)?(?:up against|competing (?:with|against))\b"
            r"(?!\s+(?:a\s+(?:tough|hard|big|real|busy)\s+\w+|it\b|the clock|time\b|a deadline|the wire))"
            # a formal comparison of vendors
            r"|\b(?:a|an|the|our)\s+(?:formal\s+|proper\s+|quick\s+)?(?:bake-?off|shoot-?out|"
            r"head-to-head|side-by-side|beauty parade)\b(?:\s+(?:with|between|against)\b)?"
            r"|\b(?:on|onto|in|into|made|make|off)\s+(?:our|the)\s+(?:short-?list|long-?list)\b"
            r"|\b(?:short-?list|long-?list)\s+of\s+(?:two|three|four|five|six|a few|several|\d+)\b"
            r"|\b(?:running|run|doing|issued|issuing|sent out|put out|going out to|going to)\s+"
            r"(?:an?\s+)?(?:rfp|rfq|rfi|tender)\b|\b(?:rfp|rfq|tender)\s+(?:with|to|out to|between)\s+"
            r"(?:\w+\s+)?(?:vendors|providers|suppliers|companies|bidders)\b"
            # the alternative of building it: "we could just build it ourselves"
            r"|\b(?:build|building|develop|developing|make|making|hack|hacking)\s+(?:it|this|that|"
            r"something|one|our own(?:\s+\w+)?|a version)\s+(?:ourselves|in-?house|internally)\b"
            r"|\bbuild (?:vs\.?|versus|or) buy\b"
        ),
        0.84,
        "competitor_generic",
    ),
    Frame(
        "signal:competitive",
        "prospect",
        # "pushing us to move everything onto the free tier of HubSpot instead"
        _c(
            r"\b(?:move|moving|switch|switching|migrate|migrating|go|going|consolidate|"
            r"consolidating)\s+(?:everything\s+|us\s+|all\s+|it\s+|this\s+|over\s+|across\s+)*"
            r"(?:on)?to\s+(?:(?:the|a)\s+(?:[\w-]+\s+)?(?:tier|version|plan|edition|module|"
            r"product)\s+(?:of|from)\s+)?(?P<name>[a-z][\w&-]*(?:\.[a-z][\w&-]*)*(?:'s)?)"
            r"(?=[^.?!]{0,40}\b(?:instead\b(?!\s+of)|rather than (?:you|this|sixty|yours)))"
        ),
        0.84,
        "competitor_named",
    ),
    # signal:buying_positive
    Frame("signal:buying_positive", "prospect", _c(BUDGET_OK), 0.9, "budget_ok"),
    Frame("signal:buying_positive", "prospect", _c(HAVE_BUDGET), 0.88, "state"),
    Frame("signal:buying_positive", "prospect", _c(WITHIN_BUDGET), 0.86, "state"),
    Frame("signal:buying_positive", "prospect", _c(SET_ASIDE), 0.86, "state"),
    Frame("signal:buying_positive", "prospect", _c(BUDGETED), 0.86, "budget_ok"),
    Frame("signal:buying_positive", "prospect", _c(APPROVED_BY), 0.86, "past_ok"),
    Frame("signal:buying_positive", "prospect", _c(READY), 0.86, "ready"),
    # signal:buying_negative
    Frame("signal:buying_negative", "prospect", _c(BUDGET_BAD), 0.9, "state"),
    Frame("signal:buying_negative", "prospect", _c(BUDGET_CUT), 0.88, "past_ok"),
    Frame("signal:buying_negative", "prospect", _c(NO_BUDGET), 0.86, "negative_ok"),
    Frame("signal:buying_negative", "prospect", _c(CAREFUL_SPEND), 0.86, "state"),
    Frame("signal:buying_negative", "prospect", _c(PRICE_BAD), 0.86, "negative_ok"),
    Frame("signal:buying_negative", "prospect", _c(COOL_OFF), 0.84, "negative_ok"),
    # signal:timeline
    Frame("signal:timeline", "prospect", _c(TIMELINE_GOAL), 0.86, "timeline"),
    # commitment:prospect_followup
    Frame(
        "commitment:prospect_followup",
        "prospect",
        _c(PROSPECT_FUTURE + r"\s*(?:[\w']+,?\s+){0,14}?" + FOLLOWUP_VERB + r"\b"),
        0.88,
        "commit",
    ),
    Frame(
        "commitment:prospect_followup",
        "prospect",
        _c(
            r"\byou'll (?:have|get|hear from|hear back from)\s+(?:it|that|them|those|us|me|the\s+\w+|"
            r"an answer|our answer|our feedback)\b[^.?!]{0,30}?\b(?:by|before|on|tomorrow|today|"
            r"this week|next week|early next|end of)\b"
        ),
        0.84,
        "commit",
    ),
)

EVENTS: dict[str, str] = {
    "commitment:send_proposal": "proposal_generation",
    "commitment:schedule_meeting": "calendar_find_times",
    "request:send_content": "content_retrieval",
}
LABELS: tuple[str, ...] = INTENT_LABELS
TIME_RE = re.compile(TIME_EXPR)
STAKEHOLDER_RE = re.compile(STAKEHOLDER)
CONTENT_RE = re.compile(r"\b" + CONTENT_OBJ + r"\b")
PAST_USE_RE = re.compile(
    r"\b(?:used to|we used|we tried|we had (?!a call|a demo|a meeting|a chat|calls|demos)|years? ago|previously|in the past|back then|"
    r"switched (?:away )?from|moved (?:away )?from|got rid of|replaced|dropped|trialled|trialed|"
    r"moved off|ditched|ripped out|churned from)\b"
)

PAST_APPROVAL_RE = re.compile(
    r"\b(?:approved|signed off|okayed|green-?lit|(?:gave|got|have|'ve got|received)\s+(?:us\s+)?"
    r"(?:the |a |their |final )*(?:green light|go-ahead|ok|thumbs up|sign-off|approval))\b"
)
FUTURE_NEED_RE = re.compile(
    r"\b(?:will|'ll|need|needs|has to|have to|must|would|'d|going to|want|wants|before)\b"
)
CONTENT_OFFER_RE = re.compile(
    r"\b(?:would|could|might|will)\s+(?:a|an|the|some|our|my)?\s*(?:[\w-]+\s+){0,4}?"
    + CONTENT_OBJ
    + r"\b[^.?!]{0,40}\bhelp|\b(?:want me to|should i|shall i|i can|i could|happy to|"
    r"would you like (?:me to|to see|a copy)|do you want (?:me to|to see|a copy)|"
    r"can i|(?:would|will|does) it help (?:if i|if we|to)|would it be (?:helpful|useful) (?:if i|if we|to)|"
    r"what if i|how about i)\s+(?:send|sent|share|shared|forward|email|pass along|put together|"
    r"pulled together|pull together|put|prepare|prepared|draft|drafted|write up|wrote up|"
    r"mock up|mocked up)\b[^.?!]{0,50}\b" + CONTENT_OBJ + r"\b"
    # "We've got a one-pager on that." - the rep naming content it has is an offer of it.
    r"|\b(?:we've got|we have|i've got|i have|there's)\s+(?:a|an|some|the|our)\s+(?:[\w-]+\s+){0,3}?"
    + CONTENT_OBJ
    + r"\b"
)

# A goal still to be reached ("we need to get budget approved first") is not a signal.
PENDING_RE = re.compile(
    r"\b(?:need|needs|to get|get|getting|once|until|waiting|before|if|whether|hope|hopefully|"
    r"trying|try|when|unless|pending)\b"
)
HISTORIC_RE = re.compile(
    r"\b(?:last year|last quarter|last time|years? ago|in the past|previously|back then|"
    r"back in (?:\d{4}|the day)|in (?:19|20)\d\d|used to)\b"
)

# The rep asking what the prospect needs: the answer naming content is a request.
NEEDS_QUESTION_RE = re.compile(
    r"\b(?:anything else|what else|what)\s+(?:do\s+|would\s+|will\s+|else\s+)*(?:you|your team)\s+"
    r"(?:need|want)"
    r"(?:\s+from\s+(?:me|us))?|\bcan i send (?:you|over) anything|\banything (?:else )?"
    r"(?:i|we) (?:can|could|should) (?:send|share|prep|prepare|provide|pull together|put together|"
    r"get you|dig out|give you)|\bwhat (?:else )?(?:can|could|should) (?:i|we) "
    r"(?:send|share)"
)

# The rep asking the prospect to do something; a "will do" answer is the prospect's promise.
REP_REQUEST_RE = re.compile(
    r"\b(?:could|can|would|will) you (?:please |also |just )?(?:send|share|forward|get|confirm|"
    r"let me know|find out|check|introduce|connect|loop|set up|book|fill|complete|sign|return|"
    r"email|pass|ask)\b|\bplease (?:send|share|forward|confirm|let me know|check|fill|sign|"
    r"return)\b|\bif you (?:could|can) (?:send|share|forward|confirm|let me know|check)\b"
)
WILL_DO_RE = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|sure|ok(?:ay)?|absolutely|of course|no problem|definitely|certainly)"
    r"[\s,.!]+)*(?:will do|(?:i|we) (?:can|will|'ll) do (?:that|it)|(?:i|we)'ll (?:do that|do it|"
    r"send (?:it|them|that|those)|get (?:it|them|that|those) to you|sort (?:it|that) out))\b"
)

# Cheap per-label gates: a label's frames run only when one of its words is present.
# Each gate is a superset of what every frame of that label needs (a speed-up, not a rule).
LABEL_GATES: dict[str, re.Pattern[str]] = {
    "commitment:send_proposal": re.compile(r"\b" + PROPOSAL_OBJ + r"\b|\bprice\b"),
    "commitment:schedule_meeting": re.compile(
        r"\b(?:" + MEETING_OBJ + r"|invite|invitation|hold|times|slots|availability|link|calendly|"
        r"options|dates|calendars?|diary|diaries|books|meet|reconvene|regroup|reconnect|together|"
        r"again|sync|catch up|work|suit|be good|be ok|something in|a time|a slot|a date)\b"
        r"|\b(?:on|in|together|on a call|on the phone|on zoom) with\b"
        r"|\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|slots|times|the \d{1,2}(?:st|nd|rd|th))\b"
    ),
    "request:send_content": re.compile(
        r"\b"
        + CONTENT_OBJ
        + r"\b|\bplease\b|\bpls\b|\b(?:would|will|might|could) (?:look|work|cost)\b"
        r"|\b(?:send|shoot|flick|pass|forward|email|share|pop|fire)\b"
    ),
    "signal:multi_stakeholder": re.compile(
        r"\b(?:"
        + DECIDE
        + r"|"
        + DECIDE_WEAK
        + r"|decision|decides|signs|signed by|countersigned by|call|up to me|pay ?grade|"
        r"committee|board|stakeholders|final|buyer|signatory|approver|budget holder|people|owns|holds|"
        r"controls|alone|on my own|by myself|myself|single-handedly|mine)\b"
    ),
    "signal:competitive": re.compile(
        VENDOR_RE
        + r"|\b(?:"
        + GENERIC_ALT
        + r"|another company|a competitor|current|existing|quotes|"
        r"bids|proposals|vendors|options|incumbent|up against|competing|bake-?off|shoot-?out|"
        r"head-to-head|beauty parade|short-?list|long-?list|rfp|rfq|rfi|tender|ourselves|"
        r"in-?house|internally|build|instead|rather than|vendor|provider|supplier|side-by-side|"
        r"in parallel|side by side|head to head|on (?:a|the) (?:free )?(?:trial|pilot)|on trial|"
        r"on the side|home-?grown|bespoke|custom|" + EVALUATE_NAMED + r")\b"
    ),
    "signal:buying_positive": re.compile(
        r"budget|money|funding|funds|business case|project|purchase|\bpo\b|spend|investment|"
        r"signed off|approv|okayed|green|go-ahead|given|gave|ready|keen|eager|excited|happy|good|"
        r"\bset\b|position|move forward|go ahead|proceed|move ahead|started|sign|decided|preferred|"
        r"\btop\b|first|sold|price|pricing|quote|proposal|number|going|moving|kick|rolling|the line|"
        r"limit|authority|remit|\bme\b|my call|my decision|myself|on my own|fenced|aside|earmarked|"
        r"allocated|budgeted|secured|reserved|cost|front|ahead|favou?rite|pole|to beat|leading|"
        r"accounted|funded|provisioned|fee|renewal|seats|licen|wanna|want to|going to|gonna|chain|"
        r"upstairs|higher|committee"
    ),
    "signal:buying_negative": re.compile(
        _MONEY
        + r"|careful|cautious|conservative|frugal|tight|freez|purchases|cost|cutting|belt|price|"
        r"pricing|quote|proposal|number|expensive|pricey|steep|afford|more than|justify|term|"
        r"commitment|minimum|commit|paus|\bcut|consolidat|reduc|cheaper|priority|interested|moving "
        r"forward|pass\b|hold|decided|right time|ready|timing|\bover\b|above|exceed|beyond|struggl|north|sure thing|given|done deal|foregone|slam dunk|guaranteed|certainty|formality|shoo-in|"
        r"than|flagged|balked|baulked|pushed back|questioned|concerned|worried|choked|compet|figure|"
        r"\bfees?\b|\brates?\b|subscription|licen|dear|appetite|bandwidth|capacity|headspace|cycles|"
        r"urgency|buy-in|\bwill\b|\btime\b|trouble|jeopardy|danger|doubt|risk|thin ice|shaky|thread|"
        r"not at|not for|prioriti|burner|shelved|parked|on ice|long grass|chopping|to go\b|top of|"
        r"down the|see|none|nothing|allocated|budgeted|earmarked|ring-?fenced|thinking|in mind|pencil|"
        r"swallow|sticker|winc|eye-?watering|slashed|halved|froze|trimmed|squeezed|pulled|axed|gutted|"
        r"clawed|taken away|took away|capped|ask\b|double|twice|triple|times|something|sell|high on|"
        r"low on|lower on"
    ),
    "signal:timeline": TIME_RE,
    "commitment:prospect_followup": re.compile(
        r"\byou|circle back|loop back|follow up|send|confirm|revert|report back|touch base|"
        r"reach back out"
    ),
}

# The rep asking who decides; the prospect naming someone else is a stakeholder signal.
WHO_DECIDES_RE = re.compile(
    r"\bwho (?:else )?(?:makes|has|will make|gets|owns) the (?:final )?(?:call|decision|say)|"
    r"\bwho (?:else )?(?:is|would be|will be|needs to be|should be) involved|\bwho (?:signs off|"
    r"approves|decides|has sign-off|holds the budget)|decision[- ]making process|\banyone else "
    r"(?:involved|who needs to)|\bwho else (?:needs|should|would)"
)

# The rep asking about alternatives ("Anyone else you're looking at?"): a vendor named in the
# answer is competition.
COMPETITOR_QUESTION_RE = re.compile(
    r"\b(?:anyone|anybody|who|what|which (?:vendors?|tools?|providers?|options?))\s+else\b[^?]{0,30}"
    r"\b(?:looking at|talking to|speaking to|speaking with|evaluating|considering|comparing|"
    r"in the (?:mix|running|frame)|on (?:the|your) (?:short-?list|list)|seen|looked at)"
    r"|\b(?:are|were|have) you\s+(?:also\s+)?(?:looking at|looked at|talking to|talked to|"
    r"speaking to|spoken to|evaluating|considering|comparing|seen)\s+(?:anyone|anybody|any other|"
    r"other|alternatives|competitors|different)\b"
    r"|\bwho (?:are you|else are you) (?:comparing|weighing)|\bwho(?:'s| is) (?:in the (?:mix|running)|"
    r"on (?:the|your) short-?list)|\bany (?:other )?(?:vendors|competitors|alternatives)\b[^?]{0,20}\?"
)

# The rep asking what the prospect uses today; a named vendor in the answer is competition.
CURRENT_TOOLS_QUESTION_RE = re.compile(
    r"\bwhat (?:tools?|software|platforms?|systems?|vendors?|solutions?|stack)\b[^?]{0,40}\b(?:using|"
    r"use|on|run|have)\b|\bwhat are you (?:using|on|running)\b|\bhow (?:are|do) you (?:\w+ ){0,3}"
    r"today\b|\bwho (?:are you|do you) (?:using|use|work with)\b"
)
# A rep promise about "it" after the prospect accepted an offer names the same thing.
PRONOUN_COMMIT_RE = re.compile(
    r"\b(?:i'll|i will|we'll|we will|let me|i'm going to|ill(?= get| send| have| email))\s+(?:\w+\s+){0,2}?(?:send|get|have|share|"
    r"email|forward|put together|pull together|draft|set|book|schedule)\s+(?:\w+\s+)?(?:it|that|"
    r"them|this|one|those|(?:a|an|the)\s+(?:revised|updated|new|reworked|fresh|corrected)\s+(?:version|"
    r"one|copy|draft|cut))\b|\byou'll (?:have|get|receive|see) (?:it|that|them|this|one|those)\b"
)

# The rep asking about timing; a date in the answer is the prospect's timeline.
TIMING_QUESTION_RE = re.compile(
    r"\bwhen (?:do|would|will|are|did) you (?:\w+ ){0,3}?(?:expect|plan|need|want|hope|think|looking|"
    r"aiming|start|decide|go live|revisit|sign|buy|move|launch|roll)|\bwhat(?:'s| is| does) (?:your|the) "
    r"(?:timeline|timeframe|time frame|deadline|target date|timing)|\b(?:sense|idea) of (?:timing|"
    r"timeline|when)|\btiming look like|\bhow soon\b"
    # the bare one-word question: "Timing?", "Timeline?"
    r"|^\W*(?:and\s+)?(?:timing|timeline|timeframe|time frame|time-?scales?|deadline)\s*\?"
    # when a step of the buying process falls: "When does the purchase committee next sit?"
    r"|\bwhen (?:does|do|will|is|are) (?:the|your|our)\s+(?:[\w-]+\s+){0,2}?(?:fiscal year|financial year|"
    r"budget|budgets|committee|board|cycle|contract|renewal|procurement|rfp|tender|approval|decision|"
    r"quarter|planning)\s+(?:next\s+)?(?:start|begin|end|close|sit|meet|convene|kick off|renew|expire|"
    r"get (?:made|signed|approved|set)|happen|land|open|reset|roll over|due)\b"
)
