"""Never overwrite a person: whether Sixty may write a HubSpot property now, from its history.

Pure. A property whose newest history entry is a human edit (HubSpot's app, web or mobile,
attributable to a user: `HistoryEntry.is_human_edit`) made within the protection window
(the org's `protection_window_days`, default 14) is protected: the write becomes a proposal
naming who changed it, when, and to what. Anything else (no history, an import, an
integration, our own app, an edit older than the window) may be written. Also the wording of
the proposal the rep sees in Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.hubspot_models import HistoryEntry

DEFAULT_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Write:
    """Sixty may write the property."""


@dataclass(frozen=True)
class Propose:
    """A person changed the property recently: ask the rep instead of writing."""

    user_id: int | None
    changed_at: datetime
    current_value: str | None


Decision = Write | Propose


def newest(history: Sequence[HistoryEntry]) -> HistoryEntry | None:
    rows = [e for e in history if e.timestamp is not None]
    return max(rows, key=lambda e: e.timestamp or datetime.min.replace(tzinfo=UTC), default=None)


def decide(history: Sequence[HistoryEntry], *, now: datetime,
           window: timedelta = DEFAULT_WINDOW) -> Decision:  # fmt: skip
    """Write, or Propose when the newest entry is a human edit inside `window` before `now`."""
    last = newest(history)
    if last is None or last.timestamp is None or not last.is_human_edit:
        return Write()
    if now - last.timestamp > window:
        return Write()
    return Propose(user_id=last.user_id, changed_at=last.timestamp, current_value=last.value)


def window_of(days: object) -> timedelta:
    """The org's protection window from its sync setting (days; invalid -> the default)."""
    try:
        value = float(days)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return timedelta(days=value) if value >= 0 else DEFAULT_WINDOW


def proposal_text(*, who: str, label: str, theirs: str, ours: str, changed_at: datetime) -> str:
    """ "Dana changed Amount to $48,000 in HubSpot on 3 Dec; Sixty wanted $52,000"."""
    day = f"{changed_at.day} {changed_at.strftime('%b')}"
    return (
        f"{who} changed {label} to {theirs or '(empty)'} in HubSpot on {day}; Sixty wanted {ours}"
    )
