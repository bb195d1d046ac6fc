"""Stale-deal revival: for one deal the rep chose in the batch review, why it stalled and a
re-engagement email, sent as the rep once they approve it (`email_send` gate).

`steps.py` analyses the stall, drafts and hands the approved draft to the send flow;
`sequence.py` is the sequence. Idempotency key: `stale_deal_revival:{deal}:{local date}`.
"""
