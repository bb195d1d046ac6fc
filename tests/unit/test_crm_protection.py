"""The protection rule: a human edit inside the window is proposed; anything else is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.hubspot_models import HistoryEntry
from skills.crm_protection import Propose, Write, decide, proposal_text, window_of

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def entry(source: str, at: datetime, *, user: int | None = None, value: str = "x",
          source_id: str | None = None) -> HistoryEntry:  # fmt: skip
    return HistoryEntry(value=value, timestamp=at, source_type=source, source_id=source_id,
                        source_label=None, updated_by_user_id=user)  # fmt: skip


def test_human_edit_inside_window_is_proposed_with_who_and_when() -> None:
    hist = [entry("IMPORT", NOW - timedelta(days=40)),
            entry("CRM_UI", NOW - timedelta(days=4), user=77, value="48000")]  # fmt: skip
    got = decide(hist, now=NOW)
    assert got == Propose(user_id=77, changed_at=NOW - timedelta(days=4), current_value="48000")


def test_user_id_from_source_id_counts_as_a_person() -> None:
    hist = [entry("CRM_UI", NOW - timedelta(hours=1), source_id="userId:12")]
    assert isinstance(decide(hist, now=NOW), Propose)


def test_outside_window_integration_import_or_empty_history_is_written() -> None:
    assert decide([entry("CRM_UI", NOW - timedelta(days=15), user=1)], now=NOW) == Write()
    assert decide([entry("INTEGRATION", NOW - timedelta(hours=1), source_id="4242")],
                  now=NOW) == Write()  # fmt: skip
    assert decide([entry("IMPORT", NOW)], now=NOW) == Write()
    assert decide([], now=NOW) == Write()
    # the newest entry decides: a person's edit followed by an integration write is writable
    hist = [entry("CRM_UI", NOW - timedelta(days=2), user=1),
            entry("INTEGRATION", NOW - timedelta(days=1), source_id="4242")]  # fmt: skip
    assert decide(hist, now=NOW) == Write()


def test_window_setting_and_wording() -> None:
    assert window_of(3) == timedelta(days=3)
    assert window_of("nonsense") == timedelta(days=14)
    hist = [entry("CRM_UI", NOW - timedelta(days=4), user=1)]
    assert decide(hist, now=NOW, window=window_of(3)) == Write()
    text = proposal_text(who="Dana", label="Amount", theirs="$48,000", ours="$52,000",
                         changed_at=datetime(2026, 12, 3, 10, tzinfo=UTC))  # fmt: skip
    assert text == "Dana changed Amount to $48,000 in HubSpot on 3 Dec; Sixty wanted $52,000"
