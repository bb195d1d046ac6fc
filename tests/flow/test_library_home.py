"""App Home's "Proposal library" section: admins see the demo library's counts, the discount
limit and the import command; reps do not see it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import select

from blocks.home import home_view
from blocks.library_home import LibraryRow, library_blocks
from services.home import home_model
from storage.demo import seed_demo
from storage.engine import Database
from storage.models import User

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


async def _home_text(db: Database, role: str) -> str:
    async with db.session() as s:
        user = (await s.exec(select(User).where(User.role == role))).first()
    assert user is not None
    return str(home_view(await home_model(db, user, NOW)).to_dict())


async def test_admin_sees_the_library_counts_and_the_command(db: Database) -> None:
    async with db.transaction() as s:
        await seed_demo(s, now=NOW)
    admin = await _home_text(db, "admin")
    assert "Proposal library (admins)" in admin
    assert "3 templates · 7 price items · 4 case studies · 5 content assets" in admin
    assert "Discounts over 15% need a manager's approval" in admin
    assert "`sixty library import DIR`" in admin
    assert "Proposal library" not in await _home_text(db, "rep")


def test_an_org_without_a_library_is_told_so() -> None:
    text = str([b.to_dict() for b in library_blocks(LibraryRow(0, 0, 0, 0, None))])
    assert "No library yet" in text and "sixty library import DIR" in text
    one = str([b.to_dict() for b in library_blocks(LibraryRow(1, 1, 1, 1, Decimal("0.125")))])
    assert "1 template · 1 price item · 1 case study · 1 content asset" in one
    assert "over 12.5%" in one
