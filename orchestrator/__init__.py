"""The orchestrator: durable, event-driven sequences — jobs, leases and fenced writes, the run loop,
approval gates, the one delivery policy, budget, crons and the effects ledger. Sequences live in `flows/`."""
