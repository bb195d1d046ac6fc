"""What the type checker cannot know about table models, said once: that a row which has been
flushed (or loaded) has an id, and that a table model has a Core `Table`.

SQLModel types a primary key `int | None` (None until the INSERT) and declares no `__table__`.
"""

from __future__ import annotations

from typing import Protocol, cast

from sqlalchemy import Table
from sqlmodel import SQLModel


class _Identified(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Identified) -> int:
    """The id of a row that is in the database (flushed or loaded)."""
    assert row.id is not None, f"{type(row).__name__} has no id yet: flush it first"
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for queries written against columns (`.c`)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
