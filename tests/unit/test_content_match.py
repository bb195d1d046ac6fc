"""Finding the documents a request names in the content library, and never inventing one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.content_match import best, match_assets, match_requests, requested_items
from skills.proposal_types import ContentAsset

LIBRARY = (
    ContentAsset("soc2", "SOC 2 Type II report", ("security", "compliance", "audit")),
    ContentAsset("wp", "Security whitepaper", ("security", "architecture")),
    ContentAsset("deck", "Product overview deck", ("sales", "overview")),
    ContentAsset("dpa", "GDPR Data Processing Agreement", ("legal", "gdpr", "privacy")),
    ContentAsset("roi", "ROI one-pager", ("roi", "finance")),
    ContentAsset("cs", "Case study: Northwind Logistics", ("case study", "logistics")),
)


@pytest.mark.parametrize(
    ("text", "items", "assets"),
    [
        ("Could you send me your SOC2 report?", ["soc2 report"], [["soc2"]]),
        ("Can we get the SOC II?", ["soc ii"], [["soc2"]]),
        ("And the security whitepaper too", ["security whitepaper"], [["wp"]]),
        ("Do you have a case study from a bank?", ["case study"], [["cs"]]),
        ("send over the slides from today", ["slides"], [["deck"]]),
        ("our legal team needs the DPA", ["dpa"], [["dpa"]]),
        ("the data processing agreement, please", ["data processing agreement"], [["dpa"]]),
        # asked for, and nothing in the library: reported as nothing, never made up
        ("can I get the pen test report", ["pen test report"], [[]]),
        ("send me the report", ["report"], [[]]),
        ("the one-pager on ROI and the deck", ["one-pager", "deck"], [["roi"], ["deck"]]),
    ],
)
def test_requests_and_their_assets(text: str, items: list[str], assets: list[list[str]]) -> None:
    assert requested_items(text) == items
    results = match_requests(text, LIBRARY)
    assert [[a.id for a in best(r)] for r in results] == assets


def test_no_content_asked_for_is_no_request() -> None:
    assert requested_items("Thanks, talk on Tuesday.") == []


@given(st.text(max_size=200))
def test_only_library_assets_are_ever_offered(text: str) -> None:
    for result in match_requests(text, LIBRARY):
        for m in result.matches:
            assert m.asset in LIBRARY
            assert m.words and 0.5 <= m.score <= 1.0


@given(st.text(max_size=80))
def test_an_empty_library_matches_nothing(request: str) -> None:
    assert match_assets(request, ()).matches == ()
