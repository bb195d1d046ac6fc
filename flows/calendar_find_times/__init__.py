"""Finding a time to meet: mutual free time offered in a Slack picker, then the invite or an
email with the times, each behind the rep's approval (sequence `calendar_find_times`).

Triggers (event `calendar_find_times`): the `commitment:schedule_meeting` intent (child of
`meeting_ended`: `{meeting_id, deal_id, contact_id, ...}`), `meeting_request` emails
(`{contact_id, deal_id, thread_id, duration_minutes?}`), `/60 find times for ...`
(`{contact_id, duration_minutes?}`, source `slack:command`) and the morning brief's "Check
calendar" button (`{contact_id, deal_id?, duration_minutes?}`). Optional: `email` (a prospect
not in the CRM), `days`, `offset`, `allow_outside_prospect_hours`, `timezone` (the prospect's,
when the rep told us), `picker` `{channel, ts}` (update that message instead of a new DM),
`requested: "slack"` (the rep asked just now: quiet hours do not hold the picker back).

The picker's buttons (bot/schedule_actions.py) submit the other modes, `action` invite
(`{source_job_id, slot: {start, end}}`) or email (`{source_job_id, options: [...]}`).

Modules: `sequence.py` (the three modes), `steps.py`, `search.py` (busy time and the slot
request), `who.py` (rep, prospect, their zone), `zones.py`, `picker.py` (the Slack picker).
"""
