import spacy
from spacy.matcher import Matcher

nlp = spacy.blank("en")
print("spacy", spacy.__version__)


def run(name, pats, texts, **kw):
    m = Matcher(nlp.vocab, validate=True)
    try:
        m.add("X", pats, **kw)
    except Exception as e:
        print(f"{name}: ADD FAILED: {type(e).__name__}: {str(e)[:200]}")
        return
    for t in texts:
        d = nlp(t)
        print(f"{name}: {t!r} -> {[d[s:e].text for _, s, e in m(d)]}")


# bounded gap quantifier
run(
    "gap{0,6}",
    [[{"LOWER": "send"}, {"OP": "{0,6}"}, {"LOWER": "proposal"}]],
    ["send you the proposal", "send a b c d e f g proposal", "send a b c d e f proposal"],
)
run(
    "gap{,2}",
    [[{"LOWER": "send"}, {"OP": "{,2}"}, {"LOWER": "proposal"}]],
    ["send you the proposal", "send the proposal"],
)
run(
    "gap*",
    [[{"LOWER": "send"}, {"OP": "*"}, {"LOWER": "proposal"}]],
    ["send you the proposal and the proposal"],
)
run(
    "gap* LONGEST",
    [[{"LOWER": "send"}, {"OP": "*"}, {"LOWER": "proposal"}]],
    ["send you the proposal and the proposal"],
    greedy="LONGEST",
)
# char-level alternation in a token
run(
    "REGEX",
    [[{"LOWER": {"REGEX": r"^(?:send|sen[dt]|e-?mail)$"}}, {"LOWER": "it"}]],
    ["sent it", "send it", "email it"],
)
run("FUZZY", [[{"LOWER": {"FUZZY": "proposal"}}]], ["the propsal", "the proposl"])
run(
    "FUZZY1 IN",
    [[{"LOWER": {"FUZZY1": {"IN": ["proposal", "quote"]}}}]],
    ["the propsal", "the qoute"],
)
# lookbehind-like: "ill" not after "i'm" -> NOT_IN on preceding token
run(
    "NOT_IN prev",
    [[{"LOWER": {"NOT_IN": ["'m", "am"]}}, {"LOWER": "ill"}, {"LOWER": "send"}]],
    ["ill send it", "so ill send it", "i'm ill send"],
)


# on_match callback with doc[start-1] check
def cb(matcher, doc, i, matches):
    _, s, e = matches[i]
    if s > 0 and doc[s - 1].lower_ in ("'m", "am"):
        matches[i] = None  # can't delete in-place safely; mark


m = Matcher(nlp.vocab)
m.add("ILL", [[{"LOWER": "ill"}, {"LOWER": "send"}]])
for t in ["ill send it", "i'm ill send"]:
    d = nlp(t)
    res = [(s, e) for _, s, e in m(d) if not (s > 0 and d[s - 1].lower_ in ("'m", "am"))]
    print("post-filter:", t, res)
# Regex on the whole doc text? (no: Matcher is token-level; regex across tokens needs doc.text + char_span)
run(
    "multi-token 'i'll' as one LOWER",
    [[{"LOWER": {"IN": ["i'll", "ill"]}}, {"LOWER": "send"}]],
    ["I'll send it", "ill send it"],
)
run(
    "i + 'll",
    [[{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": ["'ll", "will"]}}, {"LOWER": "send"}]],
    ["I'll send it", "we will send it"],
)
