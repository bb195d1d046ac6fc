"""The settings modal opened from the Home tab, `/60 settings` and the help message."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    NumberInputElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from blocks.ids import Callback
from skills.preferences import COACHING_CHOICES, WEEKDAYS, PreferenceForm, weekday_keys

# The zones offered in the list (grouped by region); any other IANA zone can be typed.
ZONE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Americas", ("America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago",
                  "America/New_York", "America/Toronto", "America/Vancouver", "America/Halifax",
                  "America/Mexico_City", "America/Bogota", "America/Lima", "America/Santiago",
                  "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Anchorage",
                  "Pacific/Honolulu")),
    ("Europe & Africa", ("Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris",
                         "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam", "Europe/Stockholm",
                         "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul",
                         "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg")),
    ("Asia & Pacific", ("Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
                        "Asia/Jakarta", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Shanghai",
                        "Asia/Manila", "Asia/Seoul", "Asia/Tokyo", "Australia/Perth",
                        "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland")),
    ("Other", ("UTC",)),
)  # fmt: skip


class SettingsField:
    """block_id / action_id pairs of the settings modal (ids defined once)."""

    BRIEFING_TIME = "settings-briefing-time"
    TIMEZONE = "settings-timezone"
    TIMEZONE_TEXT = "settings-timezone-text"
    WORK_DAYS = "settings-work-days"
    WORK_START = "settings-work-start"
    WORK_END = "settings-work-end"
    QUIET_START = "settings-quiet-start"
    QUIET_END = "settings-quiet-end"
    MAX_PER_HOUR = "settings-max-per-hour"
    BUFFER = "settings-buffer"
    SEND_LIMIT = "settings-send-limit"
    COACHING = "settings-coaching"
    CAMPAIGN_TIME = "settings-campaign-time"
    MANAGER_DAY = "settings-manager-digest-day"


def _opt(value: str, label: str) -> Option:
    return Option(value=value, label=label)


def _zone_select(current: str) -> StaticSelectElement:
    groups = [OptionGroup(label=label, options=[_opt(z, z.replace("_", " ")) for z in zones])
              for label, zones in ZONE_GROUPS]  # fmt: skip
    initial = next((o for g in groups for o in g.options or () if o.value == current), None)
    return StaticSelectElement(action_id=SettingsField.TIMEZONE, option_groups=groups,
                               initial_option=initial, placeholder="Pick a timezone")  # fmt: skip


def _listed(zone: str) -> bool:
    return any(zone in zones for _, zones in ZONE_GROUPS)


def _manager_day(form: PreferenceForm, days: list[Option]) -> list[InputBlock]:
    """The team digest's day, for users with reports only."""
    if form.manager_digest_day is None:
        return []
    initial = next((o for o in days if o.value == form.manager_digest_day), days[0])
    return [
        InputBlock(
            block_id=SettingsField.MANAGER_DAY,
            label="Team coaching digest on",
            hint="The weekly digest of your team's calls, at your coaching digest time.",
            element=StaticSelectElement(
                action_id=SettingsField.MANAGER_DAY, options=days, initial_option=initial
            ),
        )
    ]


def settings_modal(form: PreferenceForm) -> View:
    f = SettingsField
    coaching = [_opt(v, label) for v, label in COACHING_CHOICES]
    initial_coaching = next(
        (o for o in coaching if o.value == form.coaching_frequency), coaching[0]
    )
    days = [_opt(k, label) for k, label in WEEKDAYS]
    working = set(weekday_keys(form.working_days))
    typed = None if _listed(form.timezone) else form.timezone
    return View(
        type="modal",
        callback_id=Callback.SETTINGS,
        title="Your Sixty settings",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=f.BRIEFING_TIME,
                label="Morning brief at",
                element=TimePickerElement(
                    action_id=f.BRIEFING_TIME, initial_time=form.briefing_time
                ),
            ),
            InputBlock(
                block_id=f.CAMPAIGN_TIME,
                label="Campaign digest at",
                optional=True,
                hint="Your Instantly campaigns' digest. Empty: with the morning brief.",
                element=TimePickerElement(
                    action_id=f.CAMPAIGN_TIME, initial_time=form.campaign_digest_time
                ),
            ),
            InputBlock(
                block_id=f.TIMEZONE,
                label="Timezone",
                optional=True,
                element=_zone_select(form.timezone),
            ),
            InputBlock(
                block_id=f.TIMEZONE_TEXT,
                label="…or type any other zone",
                optional=True,
                hint="Any IANA name, in any case: america/new_york, Asia/Kathmandu",
                element=PlainTextInputElement(
                    action_id=f.TIMEZONE_TEXT, initial_value=typed, max_length=64
                ),
            ),
            InputBlock(
                block_id=f.WORK_DAYS,
                label="Working days",
                element=CheckboxesElement(
                    action_id=f.WORK_DAYS,
                    options=days,
                    initial_options=[o for o in days if o.value in working] or None,
                ),
            ),
            InputBlock(
                block_id=f.WORK_START,
                label="Working hours start",
                element=TimePickerElement(
                    action_id=f.WORK_START, initial_time=form.working_hours_start
                ),
            ),
            InputBlock(
                block_id=f.WORK_END,
                label="Working hours end",
                element=TimePickerElement(
                    action_id=f.WORK_END, initial_time=form.working_hours_end
                ),
            ),
            InputBlock(
                block_id=f.QUIET_START,
                label="Quiet hours start",
                optional=True,
                element=TimePickerElement(
                    action_id=f.QUIET_START, initial_time=form.quiet_hours_start
                ),
            ),
            InputBlock(
                block_id=f.QUIET_END,
                label="Quiet hours end",
                optional=True,
                element=TimePickerElement(action_id=f.QUIET_END, initial_time=form.quiet_hours_end),
            ),
            InputBlock(
                block_id=f.MAX_PER_HOUR,
                label="Max notifications per hour",
                element=NumberInputElement(
                    action_id=f.MAX_PER_HOUR,
                    is_decimal_allowed=False,
                    initial_value=str(form.max_notifications_per_hour),
                    min_value="1",
                    max_value="60",
                ),
            ),
            InputBlock(
                block_id=f.BUFFER,
                label="Buffer around meetings (minutes)",
                element=NumberInputElement(
                    action_id=f.BUFFER,
                    is_decimal_allowed=False,
                    initial_value=str(form.meeting_buffer_minutes),
                    min_value="0",
                    max_value="120",
                ),
            ),
            InputBlock(
                block_id=f.SEND_LIMIT,
                label="Daily email send limit",
                element=NumberInputElement(
                    action_id=f.SEND_LIMIT,
                    is_decimal_allowed=False,
                    initial_value=str(form.daily_send_limit),
                    min_value="1",
                    max_value="500",
                ),
            ),
            InputBlock(
                block_id=f.COACHING,
                label="Coaching",
                element=StaticSelectElement(
                    action_id=f.COACHING, options=coaching, initial_option=initial_coaching
                ),
            ),
            *_manager_day(form, days),
        ],
    )
