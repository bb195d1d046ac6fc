"""The settings modal opened from the Home tab, `/60 settings` and the help message."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from blocks.ids import Callback
from skills.preferences import COACHING_CHOICES, PreferenceForm


class SettingsField:
    """block_id / action_id pairs of the settings modal (ids defined once)."""

    BRIEFING_TIME = "settings-briefing-time"
    TIMEZONE = "settings-timezone"
    WORK_START = "settings-work-start"
    WORK_END = "settings-work-end"
    QUIET_START = "settings-quiet-start"
    QUIET_END = "settings-quiet-end"
    MAX_PER_HOUR = "settings-max-per-hour"
    BUFFER = "settings-buffer"
    SEND_LIMIT = "settings-send-limit"
    COACHING = "settings-coaching"


def _opt(value: str, label: str) -> Option:
    return Option(value=value, label=label)


def settings_modal(form: PreferenceForm) -> View:
    f = SettingsField
    coaching = [_opt(v, label) for v, label in COACHING_CHOICES]
    initial_coaching = next((o for o in coaching if o.value == form.coaching_frequency), coaching[0])
    return View(
        type="modal",
        callback_id=Callback.SETTINGS,
        title="Your Sixty settings",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(block_id=f.BRIEFING_TIME, label="Morning brief at",
                       element=TimePickerElement(action_id=f.BRIEFING_TIME, initial_time=form.briefing_time)),
            InputBlock(block_id=f.TIMEZONE, label="Timezone (e.g. Europe/London)",
                       element=PlainTextInputElement(action_id=f.TIMEZONE, initial_value=form.timezone)),
            InputBlock(block_id=f.WORK_START, label="Working hours start",
                       element=TimePickerElement(action_id=f.WORK_START, initial_time=form.working_hours_start)),
            InputBlock(block_id=f.WORK_END, label="Working hours end",
                       element=TimePickerElement(action_id=f.WORK_END, initial_time=form.working_hours_end)),
            InputBlock(block_id=f.QUIET_START, label="Quiet hours start", optional=True,
                       element=TimePickerElement(action_id=f.QUIET_START, initial_time=form.quiet_hours_start)),
            InputBlock(block_id=f.QUIET_END, label="Quiet hours end", optional=True,
                       element=TimePickerElement(action_id=f.QUIET_END, initial_time=form.quiet_hours_end)),
            InputBlock(block_id=f.MAX_PER_HOUR, label="Max notifications per hour",
                       element=NumberInputElement(action_id=f.MAX_PER_HOUR, is_decimal_allowed=False,
                                                  initial_value=str(form.max_notifications_per_hour),
                                                  min_value="1", max_value="60")),
            InputBlock(block_id=f.BUFFER, label="Buffer around meetings (minutes)",
                       element=NumberInputElement(action_id=f.BUFFER, is_decimal_allowed=False,
                                                  initial_value=str(form.meeting_buffer_minutes),
                                                  min_value="0", max_value="120")),
            InputBlock(block_id=f.SEND_LIMIT, label="Daily email send limit",
                       element=NumberInputElement(action_id=f.SEND_LIMIT, is_decimal_allowed=False,
                                                  initial_value=str(form.daily_send_limit),
                                                  min_value="1", max_value="500")),
            InputBlock(block_id=f.COACHING, label="Coaching",
                       element=StaticSelectElement(action_id=f.COACHING, options=coaching,
                                                   initial_option=initial_coaching)),
        ],
    )
