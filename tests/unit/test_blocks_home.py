"""Home tab and help builders stay within Slack's limits whatever the data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from blocks.approval import ApprovalView
from blocks.help import CommandHelp, help_blocks
from blocks.home import ConnectionRow, HeldRow, HomeModel, OrgRow, WaitingRow, home_view
from blocks.ids import ApprovalAction, NotificationBatchAction

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def model(
    name: str = "Alex", waiting: int = 0, recent: list[str] | None = None, admin: bool = False
) -> HomeModel:
    return HomeModel(
        name=name,
        timezone="Europe/London",
        briefing_time="08:00",
        briefing_days="mon-fri",
        working_hours="09:00–17:00",
        quiet_hours="19:00–07:00",
        max_notifications_per_hour=10,
        meeting_buffer_minutes=15,
        daily_send_limit=50,
        coaching_frequency="weekly",
        paused_until=None,
        connections=[
            ConnectionRow("google", "Google", "connected", "alex@x.test"),
            ConnectionRow("microsoft", "Microsoft", "not_connected"),
        ],
        waiting=[WaitingRow(id=str(i), summary=f"Item {i}") for i in range(waiting)],
        recent=recent or [],
        org=OrgRow(50, 12.5, 14, {"coaching": True}) if admin else None,
        refreshed_at=NOW,
    )


def test_home_shows_settings_connections_and_admin_section() -> None:
    view = home_view(model(waiting=2, admin=True)).to_dict()
    text = str(view)
    assert view["type"] == "home"
    assert "Edit settings" in text and "Disconnect" in text and "Connect" in text
    assert "Organisation (admins)" in text and "$12.50 of $50.00" in text
    assert "Item 1" in text


def test_non_admin_does_not_see_org_settings() -> None:
    assert "Organisation" not in str(home_view(model()).to_dict())


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(min_size=1, max_size=400),
    waiting=st.integers(0, 500),
    recent=st.lists(st.text(max_size=3000), max_size=50),
)
def test_home_view_is_valid_for_any_data(name: str, waiting: int, recent: list[str]) -> None:
    view = home_view(
        model(name=name, waiting=waiting, recent=recent, admin=True)
    ).to_dict()  # validates
    assert len(view["blocks"]) <= 100
    if waiting > 10:
        assert f"and {waiting - 10} more" in str(view)


def test_help_mentions_problem_first() -> None:
    blocks = [
        b.to_dict()
        for b in help_blocks([CommandHelp("/60 help", "this")], problem="I don't know `x`.")
    ]
    assert "I don't know" in blocks[0]["text"]["text"]


def _held(gates: int, notes: int) -> list[HeldRow]:
    draft = {"to": ["sarah@acme.example"], "subject": "Next steps", "body": "Hi Sarah,\n" * 400}
    kinds = ["email_send", "stage_change", "tasks"]
    rows = [HeldRow(summary=f"Gate {i}", gate=ApprovalView.from_payload(
        f"pa{i}", kinds[i % 3], {"title": f"Approve {i}", "draft": draft,
                                 "tasks": [{"n": n, "title": f"Task {n}"} for n in range(30)]}))
        for i in range(gates)]  # fmt: skip
    return rows + [HeldRow(summary=f"Note {i}", note_id=i) for i in range(notes)]


def test_held_items_are_listed_with_their_buttons() -> None:
    view = home_view(replace(model(waiting=1), held=_held(2, 2))).to_dict()
    text = str(view)
    assert "Held back for you" in text
    actions = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["value"] for e in actions if e["action_id"] == ApprovalAction.APPROVE} == {
        "pa0",
        "pa1",
    }
    opens = [b["accessory"]["value"] for b in view["blocks"]
             if (b.get("accessory") or {}).get("action_id") == NotificationBatchAction.OPEN]  # fmt: skip
    assert opens == ["0", "1"]
    assert "Held back" not in str(home_view(model()).to_dict())


@settings(max_examples=30, deadline=None)
@given(gates=st.integers(0, 40), notes=st.integers(0, 40), waiting=st.integers(0, 50))
def test_home_with_held_items_stays_valid(gates: int, notes: int, waiting: int) -> None:
    view = home_view(
        replace(model(waiting=waiting, admin=True), held=_held(gates, notes))
    ).to_dict()
    assert len(view["blocks"]) <= 100
    assert view["blocks"][-2]["type"] == "actions"  # the Home's own buttons are never cut off
    ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(ids) == len(set(ids))


def test_pause_names_the_reps_own_zone() -> None:
    """Issue 11 §2.5: "Paused until 15:14" said neither whose clock nor which day."""
    paused = replace(model(), timezone="America/New_York",
                     paused_until=datetime(2026, 11, 22, 20, 14, tzinfo=UTC))  # fmt: skip
    text = str(home_view(paused).to_dict())
    assert "paused until Sun 22 Nov 15:14 EST" in text and "UTC" not in text
    assert "Updated Sun 22 Nov 04:00 EST" in text  # the refresh time too


def test_home_says_when_the_campaign_digest_comes() -> None:
    assert "08:00, with the morning brief" in str(home_view(model()).to_dict())
    own = replace(model(), campaign_digest_time="06:45")
    text = str(home_view(own).to_dict())
    assert "*Campaign digest*\\n06:45" in text and "with the morning brief" not in text


def test_a_refused_hubspot_key_says_sync_stopped_and_offers_connect() -> None:
    from blocks.home import CrmRow

    admin = replace(model(admin=True))
    assert admin.org is not None
    org = replace(admin.org, crm=CrmRow("error", "123", detail="HubSpot refused Sixty's key"))
    text = str(home_view(replace(admin, org=org)).to_dict())
    assert "Sync stopped: HubSpot refused Sixty's key" in text and "Connect HubSpot" in text
    assert "Not connected. Connect to import" not in text
