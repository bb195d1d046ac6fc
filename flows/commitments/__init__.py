"""Commitment ledger upkeep: flag overdue promises and remind the rep, whoever made them.

`crons.py`: the cron `commitments:overdue` (every 15 minutes, aligned on the clock so every
process agrees on fire times) marks open commitments past due as overdue and submits one
`commitment_reminder` event per newly overdue commitment. `sequence.py`: that sequence DMs the
rep (quiet hours, pause and rate limits apply through `ctx.notify`); `steps.py` its one step.
"""
