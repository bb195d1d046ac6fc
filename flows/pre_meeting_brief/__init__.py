"""The pre-meeting brief: 90 minutes before an external meeting (or on `/60 prep`), who is
coming and what changed since the last meeting with them, with questions to ask.

`gather.py` reads the meeting's delta (through `storage.briefs`), `steps.py` composes and
delivers it, `sequence.py` is the sequence, `crons.py` plans one date job per meeting.
Idempotency key: `pre_meeting_90min:{event}:{start}`.
"""
