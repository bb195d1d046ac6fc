"""The reviewed word lists: each loads, lists a term once, in lower case, and is what the
detector matches."""

from __future__ import annotations

from importlib import resources

import pytest

from skills.lexicons import lexicon
from skills.nlu import intent_patterns

NAMES = sorted(
    p.name.removesuffix(".txt")
    for p in resources.files("skills.lexicons").iterdir()
    if p.name.endswith(".txt")
)


@pytest.mark.parametrize("name", NAMES)
def test_each_lexicon_loads_once_per_term_in_lower_case(name: str) -> None:
    terms = lexicon(name, regex=True)
    assert terms and len(set(terms)) == len(terms)
    assert all(t == t.lower() and t == t.strip() for t in terms)


def test_the_detector_matches_what_the_lexicons_list() -> None:
    import re

    assert NAMES == ["decision_titles", "vendors"]
    vendors = re.compile(intent_patterns.VENDOR_RE)
    assert all(vendors.search(f"we also looked at {v} last week") for v in lexicon("vendors"))
    assert not vendors.search("we looked at a spreadsheet")
    stakeholder = re.compile(intent_patterns.STAKEHOLDER)
    assert stakeholder.search("the steering committee has to sign off")
    assert stakeholder.search("our head of finance")
