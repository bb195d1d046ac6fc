"""Sending email as the rep behind the safety rails (DESIGN.md section 4).

`hand_off(ctx, draft, ...)` (`handoff.py`) is the one entry point other flows call from the
step behind an approval: it records the intent (an `email_sends` row with its own Message-ID)
and queues an `email_send` job, or gives the rep the draft to copy when no mailbox may send.
The `email_send` sequence (`sequence.py`) checks the rails, asks about new recipients, waits
out the undo window, sends exactly once (`steps.py`, composing in `compose.py`) and records
the send in the CRM.
"""

from flows.email_send.handoff import hand_off, undo_window

__all__ = ["hand_off", "undo_window"]
