"""The org's proposal library in the database: replace it from a folder (one transaction, the
caller's), load it back as the typed `Library`, count it for App Home.

The caller owns the session/transaction: nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from skills.proposal_types import (
    CaseStudy,
    ContentAsset,
    Library,
    PriceItem,
    Template,
    TemplateSection,
    TemplateWhen,
)
from storage.library_files import LibraryFolder
from storage.proposal_models import (
    LibraryCaseStudy,
    LibraryContent,
    LibraryPriceItem,
    LibrarySettings,
    LibraryTemplate,
)
from storage.types import utcnow

_TABLES = (LibraryTemplate, LibraryPriceItem, LibraryCaseStudy, LibraryContent, LibrarySettings)


@dataclass(frozen=True)
class LibraryCounts:
    templates: int
    price_items: int
    case_studies: int
    content: int
    discount_limit: Decimal | None  # None: no library imported yet


async def replace_library(session: AsyncSession, org_id: int, folder: LibraryFolder) -> None:
    """Delete the org's library and write `folder`'s; atomic within the caller's transaction."""
    for table in _TABLES:
        await session.exec(delete(table).where(col(table.org_id) == org_id))
    lib = folder.library
    for i, t in enumerate(lib.templates):
        when = {k: v for k, v in vars(t.when).items() if v is not None}
        sections = [{"key": s.key, "title": s.title, "locked": s.locked, "slot": s.slot}
                    for s in t.sections]  # fmt: skip
        session.add(LibraryTemplate(org_id=org_id, id=t.id, name=t.name, when=when,
                                    sections=sections, position=i))  # fmt: skip
    for i, p in enumerate(lib.price_book):
        session.add(LibraryPriceItem(org_id=org_id, sku=p.sku, name=p.name,
                                     unit_price=str(p.unit_price), currency=p.currency,
                                     unit=p.unit, tier=p.tier, features=list(p.features),
                                     synonyms=list(p.synonyms), position=i))  # fmt: skip
    for i, c in enumerate(lib.case_studies):
        session.add(LibraryCaseStudy(org_id=org_id, id=c.id, title=c.title, industry=c.industry,
                                     summary=c.summary, metrics=list(c.metrics), position=i))  # fmt: skip
    for i, a in enumerate(lib.content):
        f = folder.files.get(a.id)
        session.add(LibraryContent(org_id=org_id, id=a.id, title=a.title, tags=list(a.tags),
                                   url=a.url, file_name=a.file, file_bytes=f.data if f else None,
                                   content_type=f.content_type if f else None, position=i))  # fmt: skip
    session.add(LibrarySettings(org_id=org_id, discount_limit=str(lib.discount_limit),
                                brand_colour=lib.brand_colour, updated_at=utcnow()))  # fmt: skip
    await session.flush()


async def load_library(session: AsyncSession, org_id: int) -> Library:
    """The org's library as the proposal skill reads it (empty when none was imported)."""
    tpls = await session.exec(select(LibraryTemplate).where(LibraryTemplate.org_id == org_id)
                              .order_by(col(LibraryTemplate.position)))  # fmt: skip
    prices = await session.exec(select(LibraryPriceItem).where(LibraryPriceItem.org_id == org_id)
                                .order_by(col(LibraryPriceItem.position)))  # fmt: skip
    cases = await session.exec(select(LibraryCaseStudy).where(LibraryCaseStudy.org_id == org_id)
                               .order_by(col(LibraryCaseStudy.position)))  # fmt: skip
    content = await session.exec(select(LibraryContent).where(LibraryContent.org_id == org_id)
                                 .order_by(col(LibraryContent.position)))  # fmt: skip
    settings = await session.get(LibrarySettings, org_id)
    return Library(
        templates=tuple(
            Template(id=t.id, name=t.name, when=TemplateWhen(**t.when),
                     sections=tuple(TemplateSection(**s) for s in t.sections))
            for t in tpls.all()
        ),
        price_book=tuple(
            PriceItem(sku=p.sku, name=p.name, unit_price=Decimal(p.unit_price),
                      currency=p.currency, unit=p.unit,  # type: ignore[arg-type]
                      tier=p.tier, features=tuple(p.features), synonyms=tuple(p.synonyms))
            for p in prices.all()
        ),
        case_studies=tuple(
            CaseStudy(id=c.id, title=c.title, industry=c.industry, summary=c.summary,
                      metrics=tuple(c.metrics))
            for c in cases.all()
        ),
        content=tuple(
            ContentAsset(id=a.id, title=a.title, tags=tuple(a.tags), url=a.url, file=a.file_name)
            for a in content.all()
        ),
        discount_limit=Decimal(settings.discount_limit) if settings else Library().discount_limit,
        brand_colour=settings.brand_colour if settings else "",
    )  # fmt: skip


async def library_counts(session: AsyncSession, org_id: int) -> LibraryCounts:
    async def count(table: type) -> int:
        stmt = select(func.count()).select_from(table).where(table.org_id == org_id)  # type: ignore[attr-defined]
        return int((await session.exec(stmt)).one())

    settings = await session.get(LibrarySettings, org_id)
    return LibraryCounts(
        templates=await count(LibraryTemplate),
        price_items=await count(LibraryPriceItem),
        case_studies=await count(LibraryCaseStudy),
        content=await count(LibraryContent),
        discount_limit=Decimal(settings.discount_limit) if settings else None,
    )


async def import_library(
    session: AsyncSession, org_id: int, folder: LibraryFolder
) -> LibraryCounts:
    """Replace the org's library with `folder` and return the new counts."""
    await replace_library(session, org_id, folder)
    return await library_counts(session, org_id)
