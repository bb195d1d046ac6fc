"""The `meeting_ended` flow: from a recorded call to a recap, CRM updates, tasks and a follow-up.

`sequence.py` reads top to bottom: the transcript is loaded (and its speakers attributed), a
call that was not recorded is told and ends; otherwise action items, intents and next actions
are found, the CRM and the rep's tasks updated, the recap posted and the follow-up drafted, and
then the follow-up, the proposed CRM changes and the tasks to review are asked together
(`wf.gather`), each going on as soon as its own approval is answered.

`call.py` loads what a step needs about the call, `speakers.py` attributes who spoke,
`steps.py` holds the analysis and CRM steps, `review.py` the recap, the drafts, the approval
payloads and what runs after each approval.
"""
