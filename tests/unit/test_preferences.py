"""The settings form: bad times and ranges are refused next to the right input."""

from __future__ import annotations

from datetime import time

from hypothesis import given
from hypothesis import strategies as st

from skills.preferences import validate_preferences

IDS = {
    name: f"id-{name}"
    for name in (
        "briefing_time",
        "timezone",
        "working_hours_start",
        "working_hours_end",
        "quiet_hours_start",
        "quiet_hours_end",
        "max_notifications_per_hour",
        "meeting_buffer_minutes",
        "daily_send_limit",
        "coaching_frequency",
    )
}


def form(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "briefing_time": "08:15",
        "timezone": "Europe/London",
        "working_hours_start": "09:00",
        "working_hours_end": "17:30",
        "quiet_hours_start": "19:00",
        "quiet_hours_end": "07:00",
        "max_notifications_per_hour": "6",
        "meeting_buffer_minutes": "10",
        "daily_send_limit": "40",
        "coaching_frequency": "weekly",
    }
    base.update(over)
    return base


def test_valid_form_splits_user_and_preference_fields() -> None:
    changes, errors = validate_preferences(form(), IDS)
    assert errors == {}
    assert changes is not None
    assert changes.user == {"briefing_time": time(8, 15), "timezone": "Europe/London"}
    assert changes.preferences["working_hours_end"] == time(17, 30)
    assert changes.preferences["daily_send_limit"] == 40


def test_each_error_is_reported_at_its_input() -> None:
    _, errors = validate_preferences(
        form(
            timezone="Mars/Olympus",
            working_hours_end="08:00",
            daily_send_limit="0",
            quiet_hours_end=None,
        ),
        IDS,
    )
    assert set(errors) == {
        "id-timezone",
        "id-working_hours_end",
        "id-daily_send_limit",
        "id-quiet_hours_end",
    }
    assert "Mars/Olympus" in errors["id-timezone"]


def test_quiet_hours_may_be_off() -> None:
    changes, errors = validate_preferences(form(quiet_hours_start=None, quiet_hours_end=None), IDS)
    assert errors == {} and changes is not None
    assert changes.preferences["quiet_hours_start"] is None


@given(st.one_of(st.none(), st.text(max_size=12)))
def test_garbage_never_raises(value: str | None) -> None:
    changes, errors = validate_preferences(
        form(briefing_time=value, max_notifications_per_hour=value), IDS
    )
    assert (changes is None) == bool(errors)


def test_timezone_in_any_case_is_stored_under_its_iana_name() -> None:
    """Issue 11, 2.13: the settings refused `america/new_york`."""
    changes, errors = validate_preferences(form(timezone="america/new_york"), IDS)
    assert errors == {} and changes is not None
    assert changes.user["timezone"] == "America/New_York"
    typed = {**IDS, "timezone_text": "id-timezone_text"}
    changes, errors = validate_preferences(
        form(timezone="Europe/London", timezone_text=" asia/KATHMANDU "), typed
    )
    assert errors == {} and changes is not None and changes.user["timezone"] == "Asia/Kathmandu"
    _, errors = validate_preferences(
        form(timezone="Europe/London", timezone_text="Mars/Base"), typed
    )
    assert set(errors) == {"id-timezone_text"}
    _, errors = validate_preferences(form(timezone=None), IDS)
    assert errors == {"id-timezone": "pick your timezone"}


def test_working_days_are_edited_as_checkboxes() -> None:
    ids = {**IDS, "working_days": "id-working_days"}
    changes, errors = validate_preferences(form(working_days=["mon", "tue", "wed", "thu"]), ids)
    assert errors == {} and changes is not None and changes.preferences["working_days"] == "mon-thu"
    changes, _ = validate_preferences(form(working_days=["sun", "tue", "thu"]), ids)
    assert changes is not None and changes.preferences["working_days"] == "tue,thu,sun"
    _, errors = validate_preferences(form(working_days=[]), ids)
    assert errors == {"id-working_days": "pick at least one working day"}
    changes, _ = validate_preferences(form(), IDS)  # a form without the field leaves them alone
    assert changes is not None and "working_days" not in changes.preferences


def test_campaign_digest_time_is_optional_and_absent_leaves_it_alone() -> None:
    ids = {**IDS, "campaign_digest_time": "id-campaign"}
    set_, _ = validate_preferences(form(campaign_digest_time="06:45"), ids)
    cleared, _ = validate_preferences(form(campaign_digest_time=None), ids)
    older, _ = validate_preferences(form(), ids)  # a modal opened before the field existed
    assert set_ is not None and set_.preferences["campaign_digest_time"] == time(6, 45)
    assert cleared is not None and cleared.preferences["campaign_digest_time"] is None
    assert older is not None and "campaign_digest_time" not in older.preferences
    _, errors = validate_preferences(form(campaign_digest_time="25:99"), ids)
    assert errors == {"id-campaign": "use HH:MM, e.g. 08:30"}
