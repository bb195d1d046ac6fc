"""The manager's weekly team digest: on the manager's `manager_digest_day` at their digest time
(`coaching_digest_time`) in their zone, a DM with each rep's week from the coaching analyses,
the two calls most worth listening to, Sixty's own numbers for the team and the win/loss line.

`gather.py` reads the week (analyses, norms, success numbers, pipeline risk, closed deals),
`steps.py` composes and delivers it, `sequence.py` is the sequence, `crons.py` plans one cron per
manager (a user with active reports). Nothing is sent when no rep had an analysed call in the
7 days before the fire, or when coaching is off for the org. Idempotency key:
`coaching_team_digest:{manager}:{ISO year}-W{ISO week}` (the fire's week in the manager's zone),
so a re-run or a day changed mid-week does not send a second digest that week.
"""
