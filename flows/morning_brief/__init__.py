"""The morning brief: at the rep's briefing time (or on `/60 brief`), today's meetings, the
emails that need them, the pipeline pulse and what is due, in one DM.

`gather.py` reads the day (through `storage.briefs`), `steps.py` composes and delivers it,
`sequence.py` is the sequence, `crons.py` plans one cron per rep at their briefing time.
Idempotency key: `morning_brief:{user}:{local date}[:req…]`.
"""
