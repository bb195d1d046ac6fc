"""The morning campaign digest (Sixty issue 15): each morning, per active campaign the rep owns,
sent / replied / positive in the last 24 h with the trend, rates against the org's benchmarks,
alerts and at most one honest A/B suggestion, in one DM.

`gather.py` reads Instantly (which campaigns are the rep's, their analytics), `steps.py`
composes (`skills.campaign_analysis`, `blocks.campaigns`) and delivers it, `sequence.py` is the
sequence, `crons.py` plans one cron per rep at their briefing time.
Idempotency key: `campaign_check:{user}:{local date}[:…]`; a re-run on the same day posts nothing.
"""
