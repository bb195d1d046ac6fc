"""Inbound mail: fetch new messages from the rep's mailbox, classify each, start the right work.

`sequence.py` reads top to bottom: fetch (`fetch.py`, provider reads in `providers.py`), then
classify (`classify.py`), then one branch by category (`actions.py`, the reply draft in
`reply.py`, messages to the rep in `tell.py`). `crons.py` keeps the push channels alive (Gmail
watch, Graph subscriptions) and polls mailboxes push cannot reach.

Email content is data: it is classified and stored, never followed. No body, subject or
address is logged; job outputs carry ids, the category and the sender's display name.
"""
