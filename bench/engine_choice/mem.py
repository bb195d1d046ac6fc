import sys
import time


def rss():
    for l in open("/proc/self/status"):
        if l.startswith("VmRSS"):
            return int(l.split()[1]) / 1024


mode = sys.argv[1]
r0 = rss()
t0 = time.perf_counter()
if mode == "spacy":
    import spacy

    t1 = time.perf_counter()
    r1 = rss()
    nlp = spacy.blank("en")
    t2 = time.perf_counter()
    r2 = rss()
    from patterns import FRAMES, frame_to_matcher_patterns
    from spacy.matcher import Matcher

    m = Matcher(nlp.vocab)
    for i, f in enumerate(FRAMES):
        m.add(f"F{i}", frame_to_matcher_patterns(f, nlp.tokenizer))
    m(nlp("I'll send you the proposal by Friday"))
    t3 = time.perf_counter()
    r3 = rss()
    print(f"{r0:.1f} {r1:.1f} {r2:.1f} {r3:.1f} {t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
else:
    from patterns import FRAMES, frame_to_regex

    rs = [frame_to_regex(f) for f in FRAMES]
    [r.search("i'll send you the proposal") for r in rs]
    t3 = time.perf_counter()
    r3 = rss()
    print(f"{r0:.1f} {r3:.1f} {t3 - t0:.3f}")
