"""The digest of notifications batched over the hourly cap: one message per user, later.

`orchestrator.delivery` records an informational notification over `max_notifications_per_hour`
as `batched` (summary and blocks kept). The cron `notifications:flush` (`crons.py`, every 5
minutes, aligned on the clock so every process agrees on fire times) submits one
`notification_digest` event per user with batched items and no digest job on its way. The
sequence's single step (`steps.post_digest`) waits (`DeferDelivery`) until
`orchestrator.delivery` says the user may be messaged (outside quiet hours and pause, under the
cap), then claims up to `MAX_ITEMS` items (compare-and-set on `digest_key`), posts ONE digest
("While you were busy: 5 updates", built by `blocks.notification_batch`) with `ctx.post_dm`
(exactly once per job, a crash after the post included), marks the items delivered and
records the digest itself as the one delivery that counts against the cap. Items beyond
`MAX_ITEMS` stay batched for the next digest; items claimed by a digest job that ended without
posting are released again. Nothing is dropped.
"""

SEQUENCE = "notification_digest"
CRON_ID = "notifications:flush"
SOURCE = "cron:notification_batches"
DIGEST_KIND = "notification_digest"
