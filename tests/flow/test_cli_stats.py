"""`sixty stats` over a real SQLite database: org-wide and per-user figures as JSON, the window
from `--days`, the org from `--org`; bad arguments are one line on stderr and exit status 2."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from storage.engine import Database
from tests.support.sequences import seed_org, sqlite_copy
from tests.support.success_world import OTHER_EXPECTED, REP_EXPECTED, seed_week

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def seed(url: str, *, orgs: int = 1) -> list[int]:
    db = Database(url)
    try:
        ids = []
        for _ in range(orgs):
            org_id, (_admin, rep, other) = await seed_org(db, users=3)
            await seed_week(db, org_id=org_id, rep_id=rep, other_rep_id=other, now=NOW)
            ids.append(org_id)
        return ids
    finally:
        await db.dispose()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    u = sqlite_copy(tmp_path)
    monkeypatch.setenv("DATABASE_URL", u)
    return u


def stats(*argv: str) -> int:
    return main(["stats", *argv], clock=lambda: NOW)


def test_json_gives_org_total_and_each_user(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    [org_id] = asyncio.run(seed(url))
    assert stats("--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["org"]["id"] == org_id and out["days"] == 7
    assert (
        out["since"] == "2026-11-16T15:00:00+00:00" and out["until"] == "2026-11-23T15:00:00+00:00"
    )
    admin, rep, other = out["reps"]
    assert [admin["name"], rep["name"], other["name"]] == ["Rep 1", "Rep 2", "Rep 3"]
    assert admin["role"] == "admin" and admin["figures"]["meetings"] == 0
    assert {k: rep["figures"][k] for k in REP_EXPECTED} == REP_EXPECTED
    assert {k: other["figures"][k] for k in OTHER_EXPECTED} == OTHER_EXPECTED
    total = out["total"]
    assert total["reps"] == 3 and total["meetings"] == 4 and total["follow_ups_within_10min"] == 2
    assert total["dismissal_rate"] == pytest.approx(1 / 6) and total["dismissal_alert"] is True
    assert "brief_opened_rate" in out["definitions"]


def test_days_and_org_choose_the_window_and_the_org(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = asyncio.run(seed(url, orgs=2))
    assert stats("--json", "--org", str(second), "--days", "14") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["org"]["id"] == second != first and out["days"] == 14
    assert len(out["reps"]) == 3 and out["total"]["meetings"] == 5  # not the first org's rows
    assert out["reps"][1]["figures"]["meetings"] == REP_EXPECTED["meetings"] + 1
    assert out["since"] == "2026-11-09T15:00:00+00:00"


def test_text_output_has_a_line_per_user_and_the_total(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(url))
    assert stats() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Acme: last 7 days")
    assert [ln.split()[0] for ln in lines[1:]] == ["Rep", "Rep", "Rep", "TOTAL"]
    assert lines[2].endswith(" !")  # Rep 2's dismissals are flagged


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "0"], "sixty stats: --days must be a whole number from 1 to 365 (got '0')"),
        (
            ["--days", "week"],
            "sixty stats: --days must be a whole number from 1 to 365 (got 'week')",
        ),
        (
            ["--org", "x"],
            "sixty stats: --org must be a whole number from 1 to 2147483647 (got 'x')",
        ),
        (["--org", "999"], "sixty stats: no org with id 999"),
        (["--days"], "sixty stats: argument --days: expected one argument"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    asyncio.run(seed(url))
    try:
        code = stats(*argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.splitlines() == [message]


def test_several_orgs_need_org(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = asyncio.run(seed(url, orgs=2))
    assert stats("--json") == 2
    err = capsys.readouterr().err
    assert err == f"sixty stats: there are several orgs: pass --org ID (one of {first}, {second})\n"
