"""The daily pipeline scan: at the org's scan time, each rep's deals gone quiet (or at risk),
offered for a batch review when any went stale.

`steps.py` scans and offers the review, `sequence.py` is the sequence, `crons.py` plans one
cron per org. Idempotency key: `pipeline_scan:{user}:{date}`.
"""
