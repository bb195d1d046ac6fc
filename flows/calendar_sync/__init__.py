"""Calendar sync: the `calendar_changed` sequence keeps each rep's `calendar_events` in step with
Google Calendar or Microsoft 365 (sync tokens / delta links) and keeps Google push channels open.

`sync.py` holds the sync and the channel upkeep (also used by tests and tools), `steps.py` the
sequence's two steps, `sequence.py` the sequence, `crons.py` the 30-minute sync cron.
"""
