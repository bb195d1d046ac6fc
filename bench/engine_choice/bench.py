import json
import statistics
import sys
import time

T0 = time.perf_counter()
import spacy
from spacy.matcher import Matcher

T_IMPORT = time.perf_counter() - T0
from patterns import FRAMES, frame_to_matcher_patterns, frame_to_regex

texts = []
for f in ["/work/shared/eval/intents_dev.jsonl", "/work/shared/eval/ami_meetings.jsonl"]:
    for line in open(f):
        if line.strip():
            texts += [u["text"] for u in json.loads(line)["transcript"]["utterances"]]
N = len(texts)
print(
    f"python {sys.version.split()[0]} spacy {spacy.__version__} utterances={N} "
    f"avg_chars={sum(map(len, texts)) / N:.1f}"
)

nlp = spacy.blank("en")
regexes = [frame_to_regex(f) for f in FRAMES]
matcher = Matcher(nlp.vocab)
matcher_q = Matcher(nlp.vocab)  # gaps as repeated "?" instead of {0,n}
npats = nq = 0
for i, fr in enumerate(FRAMES):
    ps = frame_to_matcher_patterns(fr, nlp.tokenizer, "range")
    npats += len(ps)
    matcher.add(f"F{i}", ps)
    pq = frame_to_matcher_patterns(fr, nlp.tokenizer, "q")
    nq += len(pq)
    matcher_q.add(f"F{i}", pq)
matcher_long = Matcher(nlp.vocab)
for i, fr in enumerate(FRAMES):
    matcher_long.add(
        f"F{i}", frame_to_matcher_patterns(fr, nlp.tokenizer, "range"), greedy="LONGEST"
    )
print(f"frames={len(FRAMES)} matcher_patterns={npats} (q-style {nq})")
wl = [len(s[1]) for f in FRAMES for s in f if s[0] == "W"]
print(f"word-list sizes min={min(wl)} max={max(wl)} mean={statistics.mean(wl):.1f}")

docs = [nlp(t) for t in texts]
lowers = [t.lower() for t in texts]


def t_tok():
    for t in texts:
        nlp(t)


def t_tokenizer():
    tk = nlp.tokenizer
    for t in texts:
        tk(t)


def t_pipe():
    for _ in nlp.pipe(texts):
        pass


def t_tok_match():
    for t in texts:
        matcher(nlp(t))


def t_match_only():
    for d in docs:
        matcher(d)


def t_tok_match_q():
    for t in texts:
        matcher_q(nlp(t))


def t_tok_match_long():
    for t in texts:
        matcher_long(nlp(t))


def t_pipe_match():
    for d in nlp.pipe(texts):
        matcher(d)


def t_regex():
    for t in texts:
        lo = t.lower()
        for r in regexes:
            for _ in r.finditer(lo):
                pass


def t_regex_search():
    for t in texts:
        lo = t.lower()
        for r in regexes:
            r.search(lo)


def bench(fn, runs=5):
    fn()  # warm-up
    xs = []
    for _ in range(runs):
        a = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - a)
    return statistics.median(xs) / N * 1e6, min(xs) / N * 1e6


results = {}
for name, fn in [
    ("(a) nlp(text) tokenise only", t_tok),
    ("(a) nlp.tokenizer(text)", t_tokenizer),
    ("(a) nlp.pipe(texts)", t_pipe),
    ("(b) nlp(text) + Matcher", t_tok_match),
    ("(b) nlp.pipe + Matcher", t_pipe_match),
    ("(b) Matcher only (pre-tokenised)", t_match_only),
    ("(b) nlp(text) + Matcher, gaps as n×'?'", t_tok_match_q),
    ("(b) nlp(text) + Matcher greedy=LONGEST", t_tok_match_long),
    ("(c) re: lower + 75×finditer", t_regex),
    ("(c) re: lower + 75×search", t_regex_search),
]:
    med, mn = bench(fn)
    results[name] = med
    print(f"{name:45s} median {med:7.1f} µs/utt   (min {mn:7.1f})")


# per-utterance tail latency (single pass)
def tail(fn_one):
    xs = []
    for t in texts:
        a = time.perf_counter_ns()
        fn_one(t)
        xs.append(time.perf_counter_ns() - a)
    xs.sort()
    return (
        xs[len(xs) // 2] / 1e3,
        xs[int(len(xs) * 0.95)] / 1e3,
        xs[int(len(xs) * 0.99)] / 1e3,
        xs[-1] / 1e3,
    )


def one_spacy(t):
    matcher(nlp(t))


def one_re(t):
    lo = t.lower()
    for r in regexes:
        for _ in r.finditer(lo):
            pass


for nm, f in [("spacy tok+Matcher", one_spacy), ("re 75×finditer", one_re)]:
    tail(f)
    p50, p95, p99, mx = tail(f)
    print(f"per-utt {nm:20s} p50 {p50:6.1f} p95 {p95:6.1f} p99 {p99:6.1f} max {mx:7.1f} µs")


# agreement: (utterance, frame) pairs with >=1 match
def spacy_hits():
    s = set()
    for i, d in enumerate(docs):
        for mid, _, _ in matcher(d):
            s.add((i, nlp.vocab.strings[mid]))
    return s


def re_hits():
    s = set()
    for i, lo in enumerate(lowers):
        for j, r in enumerate(regexes):
            if r.search(lo):
                s.add((i, f"F{j}"))
    return s


S, R = spacy_hits(), re_hits()
print(
    f"hits: spacy={len(S)} re={len(R)} both={len(S & R)} spacy-only={len(S - R)} re-only={len(R - S)}"
)
import random

for k in random.Random(0).sample(sorted(S - R), min(4, len(S - R))):
    print("  spacy-only", k[1], repr(texts[k[0]][:110]))
for k in random.Random(0).sample(sorted(R - S), min(4, len(R - S))):
    print("  re-only   ", k[1], repr(texts[k[0]][:110]))
json.dump({"import_s": T_IMPORT, **results}, open("/tmp/spacy_measure/bench.json", "w"), indent=1)

# scaling: Matcher with exactly one pattern per frame (75 patterns) — the longest-variant only
m75 = Matcher(nlp.vocab)
for i, fr in enumerate(FRAMES):
    ps = frame_to_matcher_patterns(fr, nlp.tokenizer, "range")
    m75.add(f"F{i}", [max(ps, key=len)])


def t_m75():
    for t in texts:
        m75(nlp(t))


med, mn = bench(t_m75)
print(
    f"{'(b) nlp(text) + Matcher, 75 patterns only':45s} median {med:7.1f} µs/utt   (min {mn:7.1f})"
)
results["(b) nlp(text) + Matcher, 75 patterns only (1/frame)"] = med
# most expensive frames (Matcher, one frame at a time, 1 run)
costs = []
for i, fr in enumerate(FRAMES):
    m1 = Matcher(nlp.vocab)
    ps = frame_to_matcher_patterns(fr, nlp.tokenizer, "range")
    m1.add("X", ps)
    a = time.perf_counter()
    for d in docs:
        m1(d)
    costs.append(((time.perf_counter() - a) / N * 1e6, i, len(ps)))
costs.sort(reverse=True)
print(
    "top Matcher frames (µs/utt, frame, n_patterns):",
    [(round(c, 1), f"F{i}", n) for c, i, n in costs[:6]],
)
print(
    "sum of per-frame costs:",
    round(sum(c for c, _, _ in costs), 1),
    "median frame:",
    round(costs[len(costs) // 2][0], 1),
)
json.dump({"import_s": T_IMPORT, **results}, open("/tmp/spacy_measure/bench.json", "w"), indent=1)
