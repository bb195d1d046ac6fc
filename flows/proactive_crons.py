"""Crons for morning briefs, pre-meeting briefs, pipeline scan."""

from __future__ import annotations

from typing import Any

from flows.crons import CronSpec


def cron_specs(deps: Any) -> list[CronSpec]:
    return []
