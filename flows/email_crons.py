"""Crons for mailbox watch renewal, Graph subscription renewal, polling fallback."""

from __future__ import annotations

from typing import Any

from flows.crons import CronSpec


def cron_specs(deps: Any) -> list[CronSpec]:
    return []
