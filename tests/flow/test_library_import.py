"""`sixty library import DIR`: the demo library loads; every mistake names its file and line
(exit status 2, no traceback); a re-import replaces the org's library in one transaction."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import main
from storage.demo import DATA, seed_demo
from storage.engine import Database
from storage.library import import_library, library_counts, load_library
from storage.library_files import LibraryError, read_library_folder
from storage.models import Org

DEMO_LIBRARY = DATA / "library"
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    dest = tmp_path / "library"
    shutil.copytree(DEMO_LIBRARY, dest)
    return dest


def _error(root: Path) -> str:
    with pytest.raises(LibraryError) as info:
        read_library_folder(root)
    return str(info.value)


def test_demo_library_reads_typed() -> None:
    lib = read_library_folder(DEMO_LIBRARY).library
    assert [t.id for t in lib.templates] == ["enterprise", "pilot", "standard"]
    tiers = [p.sku for p in lib.price_book if p.tier]
    assert tiers == ["starter", "growth", "enterprise"]
    assert {p.currency for p in lib.price_book} == {"USD"}
    assert all(isinstance(p.unit_price, Decimal) for p in lib.price_book)
    assert next(p for p in lib.price_book if p.sku == "onboarding").unit == "one-off"
    ent = next(t for t in lib.templates if t.id == "enterprise")
    assert ent.when.min_seats == 50 and ent.when.tier == "enterprise"
    assert any(s.locked for s in ent.sections) and any(s.slot for s in ent.sections)
    assert len({c.industry for c in lib.case_studies}) == 4
    assert len(lib.content) == 5 and all(".example/" in (c.url or "") for c in lib.content)
    assert lib.discount_limit == Decimal("0.15")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_unknown_key_names_file_and_line(lib: Path) -> None:
    _replace(
        lib / "templates/pilot.yaml", "name: Pilot proposal", "name: Pilot proposal\ncolour: red"
    )
    assert _error(lib).startswith("templates/pilot.yaml:3: unknown key 'colour'")


def test_bad_unit(lib: Path) -> None:
    pb = lib / "price_book.yaml"
    _replace(pb, "unit: one-off", "unit: per-month")
    line = _line_of(pb, "per-month")
    assert _error(lib).startswith(f"price_book.yaml:{line}: bad unit 'per-month' for onboarding")


@pytest.mark.parametrize(
    ("value", "why"),
    [("-5", "is negative"), ("'lots'", "must be a number"), ("12.5.1", "must be a number")],
)
def test_bad_price(lib: Path, value: str, why: str) -> None:
    pb = lib / "price_book.yaml"
    _replace(pb, "unit_price: 4500", f"unit_price: {value}")
    line = _line_of(pb, f"unit_price: {value}")
    err = _error(lib)
    assert err.startswith(f"price_book.yaml:{line}: unit_price of onboarding") and why in err


def test_price_is_never_a_float(lib: Path) -> None:
    _replace(lib / "price_book.yaml", "unit_price: 4500", "unit_price: 4500.10")
    item = next(p for p in read_library_folder(lib).library.price_book if p.sku == "onboarding")
    assert item.unit_price == Decimal("4500.10")


def test_duplicate_sku(lib: Path) -> None:
    pb = lib / "price_book.yaml"
    _replace(pb, "sku: coaching", "sku: growth")
    line = _nth_line(pb, "sku: growth", 2)
    assert _error(lib).startswith(f"price_book.yaml:{line}: duplicate sku 'growth'")


def _nth_line(path: Path, needle: str, n: int) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[n - 1]


def test_duplicate_template_id_across_files(lib: Path) -> None:
    _replace(lib / "templates/standard.yaml", "id: standard", "id: pilot")
    assert _error(lib).startswith(
        "templates/standard.yaml:1: duplicate template id 'pilot' (also in templates/pilot.yaml)"
    )


def test_missing_content_file(lib: Path) -> None:
    _replace(lib / "content/product-deck.yaml", "url: https://sixty.example/resources/product-deck.pdf",
             "file: files/deck.pdf")  # fmt: skip
    assert _error(lib) == "content/product-deck.yaml:4: missing file 'files/deck.pdf'"


def test_content_file_outside_the_folder(lib: Path) -> None:
    (lib.parent / "secret.txt").write_text("no")
    _replace(lib / "content/roi-one-pager.yaml", "url: https://sixty.example/resources/roi-one-pager.pdf",
             "file: ../secret.txt")  # fmt: skip
    assert "outside the library folder" in _error(lib)


def test_mixed_currencies(lib: Path) -> None:
    pb = lib / "price_book.yaml"
    _replace(pb, "    unit_price: 6000\n", "    unit_price: 6000\n    currency: EUR\n")
    line = _line_of(pb, "currency: EUR")
    err = _error(lib)
    assert err.startswith(f"price_book.yaml:{line}: mixed currencies: premium-support is in EUR")


def test_case_study_front_matter_lines_count_from_the_file(lib: Path) -> None:
    _replace(
        lib / "case_studies/techflow.md", "industry: Software", "industry: Software\nsize: big"
    )
    assert _error(lib).startswith("case_studies/techflow.md:5: unknown key 'size'")


def test_broken_yaml_has_a_line(lib: Path) -> None:
    (lib / "settings.yaml").write_text("# settings\ndiscount_limit: [0.1\n")
    assert _error(lib).startswith("settings.yaml:3: not valid YAML")


def test_section_needs_locked_or_slot(lib: Path) -> None:
    tpl = lib / "templates/pilot.yaml"
    _replace(tpl, "    title: Summary\n    slot: true\n", "    title: Summary\n")
    assert _error(lib).startswith("templates/pilot.yaml:6: section 'summary' needs either")


def test_cli_refuses_with_exit_2_and_no_traceback(
    lib: Path, capsys: pytest.CaptureFixture[str], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    _replace(lib / "price_book.yaml", "unit_price: 4500", "unit_price: -1")
    assert main(["library", "import", str(lib)]) == 2
    err = capsys.readouterr().err
    assert "price_book.yaml:" in err and "negative" in err and "Traceback" not in err
    _replace(lib / "price_book.yaml", "unit_price: -1", "unit_price: 4500")
    assert main(["library", "import", str(lib)]) == 2  # a good folder, but no org yet
    assert "no org yet" in capsys.readouterr().err
    assert main(["library", "import", str(lib), "--org", "T0NOBODY"]) == 2
    assert "no org with Slack team id 'T0NOBODY'" in capsys.readouterr().err


async def _demo_org(url: str) -> int:
    db = Database(url)
    try:
        async with db.transaction() as s:
            await seed_demo(s, now=NOW)
        async with db.session() as s:
            from sqlmodel import select

            org = (await s.exec(select(Org))).one()
            assert org.id is not None
            return org.id
    finally:
        await db.dispose()


def test_cli_imports_and_reimport_replaces(
    lib: Path, capsys: pytest.CaptureFixture[str], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    org_id = asyncio.run(_demo_org(sqlite_url))
    for extra in (lib / "templates/pilot.yaml", lib / "case_studies/granite.md"):
        extra.unlink()
    _replace(lib / "settings.yaml", "0.15", "0.2")
    assert main(["library", "import", str(lib)]) == 0
    out = capsys.readouterr().out
    assert '"templates": 2' in out and '"case_studies": 3' in out and '"content": 5' in out

    async def check() -> None:
        db = Database(sqlite_url)
        try:
            async with db.session() as s:
                counts = await library_counts(s, org_id)
                loaded = await load_library(s, org_id)
        finally:
            await db.dispose()
        assert (counts.templates, counts.price_items, counts.case_studies) == (2, 7, 3)
        assert counts.discount_limit == Decimal("0.2") == loaded.discount_limit
        assert loaded == read_library_folder(lib).library

    asyncio.run(check())


async def test_load_library_round_trips_on_both_backends(db: Database) -> None:
    folder = read_library_folder(DEMO_LIBRARY)
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
    async with db.session() as s:
        from sqlmodel import select

        org = (await s.exec(select(Org))).one()
        assert org.id is not None
        assert await load_library(s, org.id) == folder.library
    async with db.transaction() as s:  # a second import replaces, it does not add
        counts = await import_library(s, org.id, folder)
    assert (counts.templates, counts.price_items, counts.case_studies, counts.content) == (
        3,
        7,
        4,
        5,
    )


async def test_failed_import_leaves_the_old_library(db: Database) -> None:
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
    async with db.session() as s:
        from sqlmodel import select

        org_id = (await s.exec(select(Org))).one().id
    assert org_id is not None
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            await import_library(s, org_id, read_library_folder(DEMO_LIBRARY).__class__(
                library=read_library_folder(DEMO_LIBRARY).library.__class__()))  # fmt: skip
            raise RuntimeError("crash mid-import")
    async with db.session() as s:
        assert (await library_counts(s, org_id)).price_items == 7


async def test_a_content_file_is_stored_with_its_bytes(db: Database, lib: Path) -> None:
    from sqlmodel import select

    from storage.proposal_models import LibraryContent

    (lib / "files").mkdir()
    (lib / "files" / "deck.pdf").write_bytes(b"%PDF-1.7 deck")
    _replace(lib / "content/product-deck.yaml", "url: https://sixty.example/resources/product-deck.pdf",
             "file: files/deck.pdf")  # fmt: skip
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
        org_id = (await s.exec(select(Org))).one().id
        assert org_id is not None
        await import_library(s, org_id, read_library_folder(lib))
    async with db.session() as s:
        row = await s.get(LibraryContent, (org_id, "product-deck"))
        assert row is not None and row.file_bytes == b"%PDF-1.7 deck"
        assert row.content_type == "application/pdf" and row.url is None
        deck = next(c for c in (await load_library(s, org_id)).content if c.id == "product-deck")
        assert deck.file == "files/deck.pdf"
