"""75 intent frames, compiled both to spaCy Matcher token patterns and Python re."""

import random
import re

rng = random.Random(1234)

SUBJ = [
    "i'll",
    "ill",
    "we'll",
    "i will",
    "we will",
    "let me",
    "i can",
    "we can",
    "i'm going to",
    "we're going to",
    "i'm gonna",
    "we're gonna",
    "i want to",
    "i'd like to",
    "we'd like to",
    "i need to",
    "we need to",
    "i should",
    "we should",
    "let's",
]
ADV = [
    "just",
    "quickly",
    "also",
    "definitely",
    "probably",
    "then",
    "actually",
    "happily",
    "certainly",
    "absolutely",
    "still",
]
POOLS = {
    "send": [
        "send",
        "email",
        "forward",
        "share",
        "shoot",
        "drop",
        "pass",
        "circulate",
        "get",
        "deliver",
        "provide",
        "put",
        "write",
        "draft",
        "prepare",
        "mail",
        "ping",
        "post",
        "upload",
        "attach",
        "resend",
        "transfer",
        "supply",
        "hand",
        "give",
        "dispatch",
        "message",
        "slack",
        "text",
        "loop",
    ],
    "doc": [
        "proposal",
        "quote",
        "deck",
        "slides",
        "pricing",
        "contract",
        "agreement",
        "sow",
        "summary",
        "recap",
        "notes",
        "document",
        "doc",
        "spreadsheet",
        "link",
        "invoice",
        "estimate",
        "case",
        "study",
        "brochure",
        "one-pager",
        "whitepaper",
        "report",
        "deck",
        "demo",
        "recording",
        "video",
        "overview",
        "specs",
        "specification",
        "roadmap",
        "timeline",
        "plan",
        "draft",
        "terms",
        "msa",
        "nda",
        "order",
        "form",
        "checklist",
        "template",
        "guide",
        "faq",
        "details",
        "info",
        "information",
        "materials",
        "references",
        "testimonials",
        "sheet",
        "breakdown",
        "numbers",
        "figures",
        "figures",
        "calculator",
        "rfp",
        "response",
        "questionnaire",
        "review",
        "update",
    ],
    "sched": [
        "schedule",
        "book",
        "set up",
        "arrange",
        "organise",
        "organize",
        "plan",
        "put",
        "find",
        "lock",
        "confirm",
        "send",
        "move",
        "reschedule",
        "push",
        "pencil",
        "block",
        "grab",
        "get",
        "hold",
        "line up",
        "sort out",
    ],
    "meet": [
        "meeting",
        "call",
        "demo",
        "sync",
        "follow-up",
        "session",
        "catch-up",
        "time",
        "slot",
        "workshop",
        "walkthrough",
        "review",
        "chat",
        "conversation",
        "invite",
        "invitation",
        "zoom",
        "teams",
        "huddle",
        "check-in",
        "touchpoint",
        "presentation",
        "onboarding",
        "kickoff",
        "kick-off",
        "training",
        "briefing",
    ],
    "check": [
        "check",
        "confirm",
        "run",
        "talk",
        "speak",
        "discuss",
        "review",
        "sync",
        "clear",
        "verify",
        "share",
        "loop",
        "align",
    ],
    "role": [
        "boss",
        "manager",
        "team",
        "legal",
        "procurement",
        "finance",
        "cfo",
        "ceo",
        "cto",
        "vp",
        "director",
        "board",
        "security",
        "it",
        "leadership",
        "partner",
        "head",
        "committee",
        "stakeholders",
        "colleagues",
        "lawyer",
        "accountant",
        "owner",
        "founder",
        "sponsor",
        "budget",
        "approver",
        "purchasing",
        "ops",
        "operations",
    ],
    "when": [
        "today",
        "tomorrow",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "weekend",
        "eod",
        "cob",
        "week",
        "month",
        "quarter",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "noon",
        "asap",
        "soon",
        "later",
        "end",
        "next",
        "this",
        "q1",
        "q2",
        "q3",
        "q4",
        "january",
        "february",
        "march",
        "april",
        "december",
    ],
    "price": [
        "expensive",
        "pricey",
        "costly",
        "steep",
        "high",
        "much",
        "budget",
        "cost",
        "price",
        "pricing",
        "money",
        "afford",
        "affordable",
        "cheaper",
        "discount",
        "fee",
        "fees",
        "rate",
        "license",
        "licence",
        "seat",
        "seats",
    ],
    "neg": [
        "not",
        "never",
        "don't",
        "can't",
        "won't",
        "doesn't",
        "isn't",
        "aren't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "no",
    ],
    "like": [
        "like",
        "love",
        "want",
        "need",
        "prefer",
        "enjoy",
        "appreciate",
        "see",
        "try",
        "buy",
        "get",
        "use",
        "adopt",
        "pilot",
        "trial",
    ],
    "comp": [
        "salesforce",
        "hubspot",
        "gong",
        "chorus",
        "outreach",
        "salesloft",
        "pipedrive",
        "zoho",
        "dynamics",
        "clari",
        "apollo",
        "zoominfo",
        "monday",
        "asana",
        "notion",
        "competitor",
        "competitors",
        "alternative",
        "vendor",
        "vendors",
        "tool",
        "tools",
        "solution",
        "platform",
        "product",
        "system",
        "incumbent",
    ],
    "q": [
        "how",
        "what",
        "when",
        "where",
        "who",
        "which",
        "why",
        "could",
        "can",
        "would",
        "will",
        "do",
        "does",
        "is",
        "are",
    ],
    "think": [
        "think",
        "feel",
        "believe",
        "guess",
        "reckon",
        "suppose",
        "expect",
        "hope",
        "assume",
        "imagine",
        "worry",
        "fear",
        "suspect",
    ],
}


def pick(pool, lo, hi):
    ws = list(dict.fromkeys(POOLS[pool] if isinstance(pool, str) else pool))
    n = min(len(ws), rng.randint(lo, hi))
    return rng.sample(ws, n)


# frame = list of slots; slot = ("W", words, op) or ("GAP", maxn)
def make_frames():
    frames = []
    templates = [
        lambda: [
            ("W", pick(SUBJ, 3, 12), None),
            ("W", pick(ADV, 3, 11), "?"),
            ("W", pick("send", 10, 30), None),
            ("GAP", rng.randint(2, 6)),
            ("W", pick("doc", 15, 60), None),
        ],
        lambda: [
            ("W", pick(SUBJ, 3, 12), None),
            ("W", pick("sched", 8, 22), None),
            ("GAP", rng.randint(2, 6)),
            ("W", pick("meet", 10, 27), None),
        ],
        lambda: [
            (
                "W",
                ["need to", "have to", "got to", "gotta", "want to", "should", "must", "will"],
                None,
            ),
            ("W", pick("check", 6, 13), None),
            ("GAP", rng.randint(1, 4)),
            ("W", pick("role", 10, 30), None),
        ],
        lambda: [
            ("W", pick("doc", 10, 40), None),
            ("GAP", rng.randint(0, 6)),
            ("W", ["by", "before", "until", "on", "for", "this", "next", "end of"], None),
            ("W", pick("when", 10, 33), None),
        ],
        lambda: [
            (
                "W",
                [
                    "too",
                    "very",
                    "really",
                    "quite",
                    "pretty",
                    "a bit",
                    "bit",
                    "so",
                    "way",
                    "kind of",
                    "little",
                ],
                "?",
            ),
            ("W", pick("price", 10, 22), None),
            ("GAP", rng.randint(0, 3)),
            ("W", ["for us", "for", "right now", "this year", "budget", "at the moment"], None),
        ],
        lambda: [
            ("W", pick("neg", 5, 12), None),
            ("W", ["really", "sure", "quite", "totally", "fully", "yet"], "?"),
            ("W", pick("like", 8, 15), None),
            ("GAP", rng.randint(0, 5)),
            ("W", pick("comp", 10, 27), None),
        ],
        lambda: [
            ("W", ["we", "they", "our team", "i"], None),
            (
                "W",
                [
                    "use",
                    "are using",
                    "currently use",
                    "already use",
                    "tried",
                    "looked at",
                    "evaluated",
                    "have",
                ],
                None,
            ),
            ("GAP", rng.randint(0, 3)),
            ("W", pick("comp", 10, 27), None),
        ],
        lambda: [
            ("W", pick("q", 5, 15), None),
            ("GAP", rng.randint(1, 6)),
            ("W", pick("price", 10, 22), None),
        ],
        lambda: [
            ("W", ["i", "we"], None),
            ("W", ["don't", "do", "really", "honestly"], "?"),
            ("W", pick("think", 5, 13), None),
            ("GAP", rng.randint(2, 6)),
            ("W", pick("comp", 10, 27) + pick("price", 5, 10), None),
        ],
        lambda: [
            ("W", ["send", "share", "forward", "email", "get"], None),
            ("W", ["me", "us", "over", "across"], "?"),
            ("GAP", rng.randint(0, 4)),
            ("W", pick("doc", 15, 60), None),
        ],
    ]
    for i in range(75):
        frames.append(templates[i % len(templates)]())
    return frames


FRAMES = make_frames()


# ---------- regex compilation ----------
def phrase_re(p):
    # spaces -> \s+ ; hyphens in compounds may be written with space or not
    return r"\s+".join(re.escape(w) for w in p.split())


def frame_to_regex(frame):
    parts = []
    sep = False  # whether the next slot must be preceded by \s+
    for slot in frame:
        if slot[0] == "GAP":
            parts.append(r"(?:\s+\S+){0,%d}?" % slot[1])  # only ever between slots
            continue
        _, words, op = slot
        alt = (
            "(?:" + "|".join(phrase_re(w) for w in sorted(set(words), key=len, reverse=True)) + ")"
        )
        if not sep:
            parts.append("(?:" + alt + r"\s+)?" if op == "?" else alt)
            sep = op != "?"
        else:
            parts.append(r"(?:\s+" + alt + ")?" if op == "?" else r"\s+" + alt)
    return re.compile(r"\b" + "".join(parts) + r"\b")


# ---------- Matcher compilation ----------
def frame_to_matcher_patterns(frame, tokenizer, gap_style="range"):
    import itertools

    slot_variants = []
    for slot in frame:
        if slot[0] == "GAP":
            n = slot[1]
            if gap_style == "range":
                slot_variants.append([[{"OP": "{0,%d}" % n}]] if n else [[]])
            else:
                slot_variants.append([[{"OP": "?"}] * n])
            continue
        _, words, op = slot
        by_len = {}
        for w in set(words):
            toks = [t.lower_ for t in tokenizer(w)]
            by_len.setdefault(len(toks), []).append(toks)
        variants = []
        for L, seqs in sorted(by_len.items()):
            toks = []
            for i in range(L):
                s = sorted({seq[i] for seq in seqs})
                d = {"LOWER": s[0]} if len(s) == 1 else {"LOWER": {"IN": s}}
                toks.append(d)
            variants.append(toks)
        if op == "?":
            variants.append([])
        slot_variants.append(variants)
    pats = []
    for combo in itertools.product(*slot_variants):
        p = [t for part in combo for t in part]
        if p:
            pats.append(p)
    return pats
