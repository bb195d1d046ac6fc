"""`python -m bench NAME`: a module or one bench a module lists in `BENCHES`; anything else is an
error (it used to run nothing and exit 0)."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import declared_benches, main, plan

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def test_orchestrator_lists_its_benches() -> None:
    assert declared_benches(BENCH_DIR / "bench_orchestrator.py") == (
        "orchestrator_step",
        "resume_latency",
        "jobs_throughput",
    )


def test_names_resolve_to_modules_and_benches() -> None:
    runs, unknown = plan(BENCH_DIR, ["orchestrator_step", "resume_latency", "slots"])
    assert unknown == []
    assert runs == {
        "bench_orchestrator": ["orchestrator_step", "resume_latency"],
        "bench_slots": [],
    }
    whole, _ = plan(BENCH_DIR, ["resume_latency", "orchestrator"])
    assert whole == {"bench_orchestrator": []}  # the whole module runs once
    everything, _ = plan(BENCH_DIR, [])
    assert "bench_orchestrator" in everything and all(v == [] for v in everything.values())


def test_an_unknown_name_is_an_error() -> None:
    assert plan(BENCH_DIR, ["nosuch"])[1] == ["nosuch"]
    assert main(["nosuch"]) == 2


def test_proposal_benches_are_listed() -> None:
    assert declared_benches(BENCH_DIR / "bench_proposal_pdf.py") == (
        "proposal_pdf",
        "proposal_html",
    )
    # `proposal_pdf` is also the module's name: the whole module runs (the HTML bench is cheap).
    assert plan(BENCH_DIR, ["proposal_pdf"]) == ({"bench_proposal_pdf": []}, [])
    assert plan(BENCH_DIR, ["proposal_html"]) == ({"bench_proposal_pdf": ["proposal_html"]}, [])
